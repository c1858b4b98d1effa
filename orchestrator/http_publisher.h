// The daemon's HTTP endpoint over time: started, moved or stopped as http.*
// says, and fed a fresh view from the event loop: at most every 250 ms, and
// only when something changed (nothing when nothing did).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "orchestrator/http_endpoint.h"

namespace redundancy {

class HttpPublisher {
 public:
  explicit HttpPublisher(Clock* clock) : clock_(clock) {}
  ~HttpPublisher() { Stop(); }

  // Applies http.* of `config`; an error (the address is taken) leaves it
  // stopped and is the caller's to record: supervision goes on without it.
  Status Configure(const Config& config);
  void Stop();
  // What the page's buttons do (given to every endpoint started from now on).
  void SetActionHandler(HttpEndpoint::ActionHandler h) { on_action_ = std::move(h); }
  void SetReportSource(HttpEndpoint::ReportSource s) { report_source_ = std::move(s); }
  bool running() const { return endpoint_ != nullptr; }
  int port() const { return endpoint_ ? endpoint_->port() : 0; }

  // Something the view shows changed.
  void MarkChanged() { changed_ = true; }
  // Builds and publishes a view with `make` when one is due (or `now`).
  void Publish(const std::function<HttpView()>& make, bool now = false);
  // When a change waits for the 250 ms spacing to pass; nullopt: nothing waits.
  std::optional<SteadyTime> NextDeadline() const;

 private:
  Clock* clock_;
  std::unique_ptr<HttpEndpoint> endpoint_;
  std::string applied_;  // listen|credentials it runs with
  SteadyTime next_publish_{};
  bool changed_ = true;
  HttpEndpoint::ActionHandler on_action_;
  HttpEndpoint::ReportSource report_source_;
};

}  // namespace redundancy
