#include "orchestrator/http_endpoint.h"

#include <httplib.h>

#include "common/status_render.h"

namespace redundancy {

HttpEndpoint::HttpEndpoint() : view_(std::make_shared<HttpView>()) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

void HttpEndpoint::Publish(HttpView view) {
  auto next = std::make_shared<const HttpView>(std::move(view));
  std::lock_guard lock(mu_);
  view_ = std::move(next);
}

namespace {

// Compares without returning early, so that timing tells nothing of a secret.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Status HttpEndpoint::Start(const std::string& listen, const Auth& auth) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Error("http.listen '" + listen + "' must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::Error("http.listen '" + listen + "': bad port");
  }
  auth_ = auth;
  basic_header_ = auth.username.empty() ? "" : httplib::make_basic_authentication_header(auth.username, auth.password).second;
  server_ = std::make_unique<httplib::Server>();
  auto view = [this] {
    std::lock_guard lock(mu_);
    return view_;
  };
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if ((auth_.token.empty() && basic_header_.empty()) || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
    std::string given = req.get_header_value("Authorization");
    bool ok = (!auth_.token.empty() && (SameSecret(given, "Bearer " + auth_.token) || SameSecret(req.get_param_value("token"), auth_.token))) ||
              (!basic_header_.empty() && SameSecret(given, basic_header_));
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", basic_header_.empty() ? "Bearer" : "Basic realm=\"redundancy\", charset=\"UTF-8\"");
    res.set_content("unauthorized\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->Get("/metrics", [view](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(*view()), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [view](const httplib::Request&, httplib::Response& res) {
    bool ready = view()->ready;
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ok\n" : "not ready\n", "text/plain");
  });
  server_->Get("/api/status", [view](const httplib::Request&, httplib::Response& res) {
    res.set_content(StatusToJson(view()->status).dump(2) + "\n", "application/json");
  });
  server_->Get("/", [view](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderStatusPage(*view()), "text/html; charset=utf-8");
  });
  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port < 0) return Status::Error("http: cannot listen on " + listen);
  } else if (!server_->bind_to_port(host, port)) {
    return Status::Error("http: cannot listen on " + listen + " (in use, or not an address of this machine)");
  }
  port_ = port;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void HttpEndpoint::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace redundancy
