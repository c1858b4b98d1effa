// The deploy pipeline, as pure logic (the daemon sends the steps and feeds
// back their results and the time). A new commit checked out by git runs
// through the systems downstream of git in dependency order (build verifies,
// pm2 reloads, netlify re-checks). When a step listed in rollback_on fails and
// rollback is on, git goes back to the last commit that went through, and the
// same steps run again on it; a critical record names the bad commit. A
// commit arriving during a run waits (only the newest) and runs next; it
// replaces a rollback the failing run would have made.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "redundancy.pb.h"

namespace redundancy {

class Pipeline {
 public:
  struct Step {
    enum class Kind { kDeploy, kRollback };
    Kind kind = Kind::kDeploy;
    std::string system;
    std::string revision;
    std::string reason;  // rollback: what went wrong with the bad commit
  };
  // Something for the history (and the log): kind is pipeline_start,
  // pipeline_step, pipeline_done, pipeline_rollback, pipeline_good or critical.
  struct Record {
    std::string kind;
    std::string system;
    std::string detail;
  };

  // `stages`: the systems downstream of `git_system`, upstream first.
  void Configure(const PipelineConfig& config, std::vector<std::string> stages, std::string git_system = "git");
  void SetLastGood(const std::string& revision) { last_good_ = revision; }
  const std::string& last_good() const { return last_good_; }

  // Git checked out `revision`; returns the step to send now, if a run starts.
  std::optional<Step> OnNewRevision(const std::string& revision, const std::string& description, SteadyTime now);
  // A fleet marked `bad` (in place here) bad elsewhere: back to `to`, and
  // every step runs again on it. Nothing when a run is under way or there is
  // nowhere to go.
  std::optional<Step> RollBackBad(const std::string& bad, const std::string& to, const std::string& reason,
                                  SteadyTime now);
  // The step in flight finished; returns the next one, if any.
  std::optional<Step> OnStepDone(bool ok, const std::string& message, SteadyTime now, int64_t wall_ms);

  bool running() const { return phase_ != Phase::kIdle; }
  const std::optional<Step>& current() const { return current_; }
  SteadyTime step_started() const { return step_started_; }
  // True while a run involves `system`: its automatic recoveries wait.
  bool Owns(const std::string& system) const;
  bool seen_revision() const { return seen_revision_; }
  std::vector<Record> TakeRecords();
  v1::PipelineStatus Snapshot() const;

 private:
  enum class Phase { kIdle, kDeploying, kRollingBack, kRestoring };
  std::optional<Step> Start(const std::string& revision, const std::string& description, SteadyTime now);
  std::optional<Step> StageStep(SteadyTime now);
  std::optional<Step> Finish(const std::string& result, const std::string& detail, SteadyTime now, int64_t wall_ms);
  void Add(const std::string& kind, const std::string& system, const std::string& detail);

  PipelineConfig config_;
  std::vector<std::string> stages_;
  std::string git_;
  Phase phase_ = Phase::kIdle;
  size_t stage_ = 0;
  std::string revision_, description_;  // the commit this run is about
  std::string last_good_;
  std::optional<Step> current_;
  SteadyTime run_started_{}, step_started_{};
  std::optional<std::pair<std::string, std::string>> queued_;  // revision, description
  std::string failure_;                                        // why the bad commit is being rolled back
  size_t failed_stage_ = 0;  // the stage the bad commit failed: the stages after it never ran it
  bool seen_revision_ = false;
  std::string last_result_, last_detail_;
  int64_t last_finished_ms_ = 0;
  std::vector<Record> records_;
};

}  // namespace redundancy
