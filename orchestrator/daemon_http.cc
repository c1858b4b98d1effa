// What redundancyd shows over HTTP (the endpoint over time is HttpPublisher).
#include <spdlog/spdlog.h>

#include "common/event_kinds.h"
#include "common/transport/transport.h"
#include "orchestrator/daemon.h"

namespace redundancy {

void Daemon::ConfigureHttp() {
  // The page's buttons become control commands on our own socket: the same
  // checks, the same audit (naming the HTTP user), the same answers.
  std::string endpoint = options_.control_endpoint.empty() ? paths_.ControlEndpoint() : options_.control_endpoint;
  http_.SetActionHandler(
      [endpoint](const std::string& action, const std::string& arg, const std::string& who) -> Result<std::string> {
        v1::ControlRequest req;
        if (action == "recover") {
          req.set_op(v1::ControlRequest::RECOVER);
        } else if (action == "pause") {
          req.set_op(v1::ControlRequest::PAUSE);
        } else if (action == "resume") {
          req.set_op(v1::ControlRequest::RESUME);
        } else if (action == "ack") {
          req.set_op(v1::ControlRequest::ALERT_ACK);
        } else if (action == "silence") {
          req.set_op(v1::ControlRequest::ALERT_SILENCE);
          req.set_duration_ms(3600 * 1000);
        } else {
          return Result<std::string>::Error("unknown action '" + action.substr(0, 40) + "'");
        }
        req.set_arg(arg);
        req.set_via(who);
        // A recovery may take minutes: once asked, the page does not wait for it.
        auto resp = transport::Call(endpoint, req, std::chrono::milliseconds(2000));
        if (!resp.ok()) return action + " " + arg + ": asked (" + resp.error() + ")";
        if (!resp->error().empty()) return Result<std::string>::Error(resp->error());
        return action + " " + arg + ": " + (resp->message().empty() ? "done" : resp->message());
      });
  http_.SetReportSource(PageReportSource());
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
  v.health_changes = health_changes_;
  v.published_ms = clock_->WallMs();
  return v;
}

void Daemon::PublishHttp(bool now) {
  http_.Publish([this] { return MakeView(); }, now);
}

}  // namespace redundancy
