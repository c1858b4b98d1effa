// The daemon's side of the deploy pipeline (orchestrator/pipeline.h decides
// what comes next): sends each step to its agent, records what the pipeline
// did, times steps out, keeps the last good commit in the store, and adopts
// the code in place as the first good commit. Owns the pipeline's state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/store/store.h"
#include "orchestrator/health_model.h"
#include "orchestrator/journal.h"
#include "orchestrator/pipeline.h"

namespace redundancy {

class PipelineDriver {
 public:
  // Sends a step's command to its system's agent: the command's id, or
  // nullopt when that agent is not connected (the step is sent again later).
  using SendStep = std::function<std::optional<uint64_t>(const Pipeline::Step&)>;

  PipelineDriver(Clock* clock, Journal* journal, SendStep send)
      : clock_(clock), journal_(journal), send_(std::move(send)) {}

  // The last good commit the store remembers.
  void Setup(Store* store);
  // The steps: every system downstream of git, upstream first (off without git).
  void Configure(const Config& config);
  // Called when a run ends: what it held back (forward recoveries) may go.
  void OnIdle(std::function<void()> f) { on_idle_ = std::move(f); }

  // git reported new code in place.
  void OnNewRevision(const std::string& revision, const std::string& detail);
  // The fleet found `bad` (in place here) bad: back to this host's last good
  // commit, else `group_good`. False when it cannot now (a run is under way).
  bool RollBackBad(const std::string& bad, const std::string& group_good, const std::string& reason);
  // True when `result` answered the current step (and was taken).
  bool OnCommandResult(uint64_t id, bool ok, const std::string& message);
  // The agent of `system` exited: the step it had is sent again when it is back.
  void AgentGone(const std::string& system);
  // Step timeouts, and steps not sent yet.
  void Tick(SteadyTime now);
  // Before any run: the code in place (git's head label) counts as good once
  // git and every step downstream report healthy; a commit in place that is
  // not the last good one is run again (its deploy was cut short).
  void MaybeAdoptLastGood(const HealthModel& health);
  // When the event loop must wake for it.
  std::optional<SteadyTime> NextDeadline(SteadyTime now) const;

  bool Owns(const std::string& system) const { return pipeline_.Owns(system); }
  bool running() const { return pipeline_.running(); }
  v1::PipelineStatus Snapshot() const { return pipeline_.Snapshot(); }

 private:
  void Drive(std::optional<Pipeline::Step> step);
  bool SendCurrent();
  void Note(const std::string& kind, const std::string& detail);

  Clock* clock_;
  Journal* journal_;
  SendStep send_;
  std::function<void()> on_idle_;
  Store* store_ = nullptr;
  Pipeline pipeline_;
  Millis step_timeout_{600'000};
  std::vector<std::string> rollback_on_;  // the steps a rollback would run for
  bool has_git_ = false;
  uint64_t cmd_ = 0;             // id of the step's command, 0 when not sent (yet)
  std::string saved_last_good_;  // what the store holds
};

}  // namespace redundancy
