// What redundancyd shows over HTTP (the endpoint over time is HttpPublisher).
#include <spdlog/spdlog.h>

#include "common/event_kinds.h"
#include "orchestrator/daemon.h"

namespace redundancy {

void Daemon::ConfigureHttp() {
  if (Status s = http_.Configure(config_); !s.ok()) {
    // Supervision goes on without it.
    spdlog::error("{}", s.message());
    Record("", events::kHttpError, s.message());
    return;
  }
  PublishHttp(true);
}

HttpView Daemon::MakeView() const {
  HttpView v;
  v.status = Snapshot();
  v.reports = health_.Reports();
  v.events = journal_.counts();
  v.ready = !shutting_down_ && !agents_.empty() && std::all_of(agents_.begin(), agents_.end(), [](const auto& kv) {
    return kv.second.sup->state() == AgentState::kReady;
  });
  if (store_) {
    auto rows = store_->Query(0, 15);
    if (rows.ok()) {
      for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
        v1::HistoryEntry e;
        e.set_id(it->id), e.set_ts_ms(it->ts_ms), e.set_kind(it->kind), e.set_system(it->system),
            e.set_target(it->target);
        e.set_detail(it->detail);
        v.recent.push_back(std::move(e));
      }
    }
  }
  v.alerts = alerting_.List(clock_->WallMs());
  v.notifications_delivered = alerting_.delivered();
  v.notification_failures = alerting_.failed_attempts();
  v.incidents = incidents_;
  v.recovery_durations = recovery_durations_;
  v.report = page_report_;
  return v;
}

void Daemon::PublishHttp(bool now) {
  http_.Publish([this] { return MakeView(); }, now);
}

}  // namespace redundancy
