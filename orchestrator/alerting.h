// The daemon's side of alerting: feeds the engine (orchestrator/alerts.h)
// with checks and agents (startup grace, transient states, deliberate ones),
// turns its notifications into deliveries for the dispatcher's thread,
// persists alerts and silences, runs the dead man's switch and answers
// `redundancyctl alerts`. Owns every piece of alert state the daemon had.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/store/store.h"
#include "orchestrator/alert_dispatcher.h"
#include "orchestrator/alerts.h"
#include "orchestrator/deadman.h"
#include "orchestrator/journal.h"
#include "redundancy.pb.h"

namespace redundancy {

class Alerting {
 public:
  Alerting(Clock* clock, Journal* journal) : clock_(clock), journal_(journal) {}

  // Restores alerts and silences from `store` and starts the delivery thread
  // on `database` (call after the signal mask is set: it must never take SIGTERM).
  void Setup(Store* store, const std::string& database);
  // Rules, dependencies, channels and the dead man's switch from `config`.
  void Configure(const Config& config);
  // Called whenever what the status view shows of alerts changed.
  void OnChange(std::function<void()> f) { on_change_ = std::move(f); }

  // A system's new report (`previous`: the targets it had before). `grace`: how
  // long a new or transient failure waits; `owned_by_pipeline`: every bad
  // state is transient while the deploy pipeline works on the system.
  void ObserveChecks(const std::string& system, const v1::HealthReport& report,
                     const std::vector<std::string>& previous, Millis grace, bool owned_by_pipeline);
  // An agent given up on (or ready again) is a check of its own: agent:<system>.
  void ObserveAgent(const std::string& system, bool gave_up, const std::string& detail);
  // A host of the fleet lost (or back): a check of its own, fleet host:<name>.
  void ObserveFleetHost(const std::string& host, bool lost, const std::string& detail);
  // Evaluates (at most every 200 ms unless `now`), records changes, queues notifications.
  void Tick(bool now = false);
  // When Tick() has work next (nullopt: nothing live, nothing to send).
  std::optional<SteadyTime> NextDeadline() const;
  // ALERTS, ALERT_ACK, ALERT_SILENCE, ALERT_UNSILENCE from uid `uid`.
  v1::ControlResponse HandleControl(const v1::ControlRequest& req, uid_t uid);
  // Last evaluation and deliveries, then the dispatcher and the dead man's switch stop.
  void Stop(bool failed);

  AlertEngine* engine() { return &alerts_; }
  std::vector<Alert> List(int64_t now_ms) const { return alerts_.List(now_ms); }
  uint64_t delivered() const { return dispatcher_ ? dispatcher_->delivered() : 0; }
  uint64_t failed_attempts() const { return dispatcher_ ? dispatcher_->failed_attempts() : 0; }

 private:
  void Changed() {
    if (on_change_) on_change_();
  }

  Clock* clock_;
  Journal* journal_;
  Store* store_ = nullptr;
  std::function<void()> on_change_;
  AlertEngine alerts_;
  std::unique_ptr<AlertDispatcher> dispatcher_;
  std::vector<AlertChannel> channels_;
  std::map<int64_t, std::string> alert_states_;  // what the history last said of each alert
  // target -> wall ms of its first report, until it is first healthy (startup grace)
  std::map<std::string, int64_t> check_first_seen_;
  std::map<std::string, int64_t> transient_since_;  // target -> since when its transient bad state lasts
  std::map<std::string, int64_t> saved_silences_;
  SteadyTime next_tick_{};
  Deadman deadman_;
  std::string deadman_config_;  // url|interval it pings with
};

}  // namespace redundancy
