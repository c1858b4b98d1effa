#include "orchestrator/http_publisher.h"

#include <spdlog/spdlog.h>

namespace redundancy {

Status HttpPublisher::Configure(const Config& config) {
  std::string want = config.http_listen + "|" + config.http_auth_token + "|" + config.http_basic_user + "|" +
                     config.http_basic_password;
  if (want == applied_) return Status::Ok();
  applied_ = want;
  Stop();
  if (config.http_listen.empty()) return Status::Ok();
  auto endpoint = std::make_unique<HttpEndpoint>();
  endpoint->SetActionHandler(on_action_);
  endpoint->SetReportSource(report_source_);
  if (Status s = endpoint->Start(config.http_listen,
                                 {config.http_auth_token, config.http_basic_user, config.http_basic_password});
      !s.ok()) {
    return s;
  }
  endpoint_ = std::move(endpoint);
  std::string host = config.http_listen.substr(0, config.http_listen.rfind(':'));
  bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
  if (!loopback && config.http_auth_token.empty() && config.http_basic_user.empty()) {
    spdlog::warn(
        "http: {} is not a loopback address and neither http.auth_token nor http.basic_auth is set: anyone who reaches "
        "it sees the status",
        config.http_listen);
  }
  spdlog::info("http: /metrics /healthz /api/status and the status page on {}:{}", host, endpoint_->port());
  changed_ = true;
  next_publish_ = SteadyTime{};
  return Status::Ok();
}

void HttpPublisher::Stop() {
  if (!endpoint_) return;
  endpoint_->Stop();
  endpoint_.reset();
}

void HttpPublisher::Publish(const std::function<HttpView()>& make, bool now) {
  if (!endpoint_) return;
  SteadyTime t = clock_->Now();
  if (!now && (!changed_ || t < next_publish_)) return;
  next_publish_ = t + std::chrono::milliseconds(250);
  changed_ = false;
  endpoint_->Publish(make());
}

std::optional<SteadyTime> HttpPublisher::NextDeadline() const {
  if (!endpoint_ || !changed_) return std::nullopt;
  return next_publish_;
}

}  // namespace redundancy
