// redundancyd's HTTP endpoint wiring: start/move it with the configuration,
// publish a fresh view from the event loop.
#include <spdlog/spdlog.h>

#include "orchestrator/daemon.h"
#include "common/event_kinds.h"

namespace redundancy {

void Daemon::ConfigureHttp() {
  std::string want = config_.http_listen + "|" + config_.http_auth_token + "|" + config_.http_basic_user + "|" + config_.http_basic_password;
  if (want == http_config_) return;
  http_config_ = want;
  if (http_) {
    http_->Stop();
    http_.reset();
  }
  if (config_.http_listen.empty()) return;
  auto endpoint = std::make_unique<HttpEndpoint>();
  if (Status s = endpoint->Start(config_.http_listen, {config_.http_auth_token, config_.http_basic_user, config_.http_basic_password});
      !s.ok()) {
    // Supervision goes on without it.
    spdlog::error("{}", s.message());
    Record("", events::kHttpError, s.message());
    return;
  }
  http_ = std::move(endpoint);
  std::string host = config_.http_listen.substr(0, config_.http_listen.rfind(':'));
  bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
  if (!loopback && config_.http_auth_token.empty() && config_.http_basic_user.empty()) {
    spdlog::warn("http: {} is not a loopback address and neither http.auth_token nor http.basic_auth is set: anyone who reaches it sees the status",
                 config_.http_listen);
  }
  spdlog::info("http: /metrics /healthz /api/status and the status page on {}:{}", host, http_->port());
  PublishHttp(true);
}

void Daemon::PublishHttp(bool now) {
  if (!http_) return;
  SteadyTime t = clock_->Now();
  if (!now && t < next_publish_) return;
  // Nothing new: the view is rebuilt at most every 5 s (uptime), not 4 times a second.
  if (!now && !http_dirty_ && t - http_published_at_ < std::chrono::seconds(5)) return;
  next_publish_ = t + std::chrono::milliseconds(250);
  http_published_at_ = t;
  http_dirty_ = false;
  HttpView v;
  v.status = Snapshot();
  v.reports = health_.Reports();
  v.events = journal_.counts();
  v.ready = !shutting_down_ && !agents_.empty() &&
            std::all_of(agents_.begin(), agents_.end(), [](const auto& kv) { return kv.second.sup->state() == AgentState::kReady; });
  if (store_) {
    auto rows = store_->Query(0, 15);
    if (rows.ok()) {
      for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
        v1::HistoryEntry e;
        e.set_id(it->id), e.set_ts_ms(it->ts_ms), e.set_kind(it->kind), e.set_system(it->system), e.set_target(it->target);
        e.set_detail(it->detail);
        v.recent.push_back(std::move(e));
      }
    }
  }
  v.alerts = alerts_.List(clock_->WallMs());
  if (dispatcher_) {
    v.notifications_delivered = dispatcher_->delivered();
    v.notification_failures = dispatcher_->failed_attempts();
  }
  http_->Publish(std::move(v));
}

}  // namespace redundancy
