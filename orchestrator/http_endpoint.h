// redundancyd's HTTP endpoint (http.listen, default 127.0.0.1:9464; off when
// empty): /metrics (Prometheus), /healthz (200 when the daemon and every agent
// are ready), /api/status (the JSON of `redundancyctl status --json`) and the
// status page at /. It serves on its own thread from the last view the event
// loop published, so a slow client never stalls supervision. Boost.Beast
// (no TLS) serves it, in http_endpoint.cc only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "orchestrator/http_render.h"

namespace redundancy {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpEndpoint {
 public:
  // Connections served at once (more are answered 503 and closed) and how
  // long an idle one is kept: one local user cannot exhaust redundancyd's
  // file descriptors (an agent it cannot respawn, a zmq abort).
  static constexpr int kMaxConnections = 64;
  static constexpr std::chrono::seconds kIdleTimeout{10};

  HttpEndpoint();
  ~HttpEndpoint();
  // Binds "host:port" (port 0: any) and starts serving. With a token and/or
  // a basic-auth user set, every path but /healthz needs one of them:
  // "Authorization: Bearer <token>" (or ?token=), or "Authorization: Basic"
  // with the user and password (browsers ask for it).
  struct Auth {
    std::string token;
    std::string username, password;
  };
  Status Start(const std::string& listen, const Auth& auth);
  void Stop();
  int port() const { return port_; }
  void Publish(HttpView view);
  // What the page's buttons do (POST /api/action with action, arg and the
  // page's CSRF token): the daemon carries it out as a control command; the
  // result's message, or why not. Set before Start; none: no buttons.
  using ActionHandler =
      std::function<Result<std::string>(const std::string& action, const std::string& arg, const std::string& who)>;
  void SetActionHandler(ActionHandler handler) { on_action_ = std::move(handler); }
  // Computes the page's 7-day report (on the serving thread, from the
  // history); called for a page when the last one is older than a minute,
  // or than 2 s and a health change. Set before Start; none: no report.
  using ReportSource = std::function<std::shared_ptr<const Report>(const HttpView& view)>;
  void SetReportSource(ReportSource source) { report_source_ = std::move(source); }
  // The answer to one request (any thread): routes, auth, the published view.
  HttpAnswer Answer(const std::string& method, const std::string& target, const std::string& authorization,
                    const std::string& body = "");

 private:
  struct Server;
  friend class HttpSession;
  void Accept();
  void SessionOpened();  // the serving thread only
  void SessionClosed();
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
  Auth auth_;
  std::string basic_header_;  // the expected "Basic ..." value
  ActionHandler on_action_;
  ReportSource report_source_;
  // The last report, what it was made from and when (under report_mu_).
  std::shared_ptr<const Report> WithReport(const HttpView& view);
  std::mutex report_mu_;
  std::shared_ptr<const Report> report_;
  uint64_t report_changes_ = 0;
  std::chrono::steady_clock::time_point report_at_{};
  std::string csrf_;  // random per start: a form from our page carries it, another site's cannot
  std::mutex mu_;
  std::shared_ptr<const HttpView> view_;
  uint64_t published_ = 0;  // views published so far (under mu_)
  std::condition_variable published_cv_;
  std::atomic<int> sessions_{0};
  int peak_ = 0;
};

}  // namespace redundancy
