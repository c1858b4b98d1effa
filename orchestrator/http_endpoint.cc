// Boost.Beast over Boost.Asio (header-only, no TLS): Debian's cpp-httplib is
// linked with OpenSSL, whose load alone cost redundancyd 3.1 MB of PSS.
#include "orchestrator/http_endpoint.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <optional>

#include "common/clock.h"
#include "common/etcd_client.h"
#include "common/json_text.h"
#include "common/status_render.h"
#include "common/trim.h"

namespace redundancy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Compares without returning early, so that timing tells nothing of a secret.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The value of `key` in a query string, percent-decoded ("" when absent).
std::string QueryParam(const std::string& query, const std::string& key) {
  size_t at = 0;
  while (at <= query.size()) {
    size_t end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(at, end - at);
    if (pair.rfind(key + "=", 0) == 0) {
      std::string raw = pair.substr(key.size() + 1), out;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
          out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += raw[i] == '+' ? ' ' : raw[i];
        }
      }
      return out;
    }
    at = end + 1;
  }
  return "";
}

}  // namespace

// One connection: read a request, answer, repeat while it keeps alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, HttpEndpoint* owner) : stream_(std::move(socket)), owner_(owner) {
    owner_->SessionOpened();
  }
  ~HttpSession() { owner_->SessionClosed(); }
  void Read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);  // small headers; a body only for the page's actions (a small form)
    parser_->body_limit(4 * 1024);
    stream_.expires_after(HttpEndpoint::kIdleTimeout);  // a silent client is dropped
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->req_ = self->parser_->release();
      if (ec == http::error::body_limit) {
        // A form is small: say so rather than drop the connection.
        self->res_ = {http::status::payload_too_large, 11};
        self->res_.set(http::field::content_type, "text/plain");
        self->res_.body() = "request body over 4 KB\n";
        self->res_.keep_alive(false);
        self->res_.prepare_payload();
        return http::async_write(self->stream_, self->res_, [self](beast::error_code, size_t) { self->Close(); });
      }
      if (ec) return self->Close();
      HttpAnswer a = self->owner_->Answer(std::string(self->req_.method_string()), std::string(self->req_.target()),
                                          std::string(self->req_[http::field::authorization]), self->req_.body());
      self->res_ = {static_cast<http::status>(a.status), self->req_.version()};
      self->res_.set(http::field::server, "redundancyd");
      self->res_.set(http::field::content_type, a.content_type);
      for (const auto& [k, v] : a.headers) self->res_.set(k, v);
      if (self->req_.method() != http::verb::head) self->res_.body() = std::move(a.body);
      self->res_.keep_alive(self->req_.keep_alive());
      self->res_.prepare_payload();
      http::async_write(self->stream_, self->res_, [self](beast::error_code ec, size_t) {
        if (ec || !self->res_.keep_alive()) return self->Close();
        self->Read();
      });
    });
  }

 private:
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{16 * 1024};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  HttpEndpoint* owner_;
};

struct HttpEndpoint::Server {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};
};

HttpEndpoint::HttpEndpoint() : view_(std::make_shared<HttpView>()) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

void HttpEndpoint::Publish(HttpView view) {
  auto next = std::make_shared<const HttpView>(std::move(view));
  {
    std::lock_guard lock(mu_);
    view_ = std::move(next);
    ++published_;
  }
  published_cv_.notify_all();
}

HttpAnswer HttpEndpoint::Answer(const std::string& method, const std::string& target, const std::string& authorization,
                                const std::string& body) {
  HttpAnswer res;
  size_t q = target.find('?');
  std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
  auto reply = [&res](int status, const std::string& type, std::string body) {
    res.status = status;
    res.content_type = type;
    res.body = std::move(body);
    return res;
  };
  bool action = path == "/api/action";
  if (action ? method != "POST" : method != "GET" && method != "HEAD") {
    res.headers.emplace_back("Allow", action ? "POST" : "GET, HEAD");
    return reply(405, "text/plain", action ? "only POST\n" : "only GET\n");
  }
  bool guarded = !auth_.token.empty() || !basic_header_.empty();
  // Acting needs to know who acts: never without http.auth_token or http.basic_auth.
  if (action && (!guarded || !on_action_))
    return reply(403, "text/plain", "actions need http.auth_token or http.basic_auth\n");
  if (guarded && path != "/healthz") {
    bool ok = (!auth_.token.empty() && (SameSecret(authorization, "Bearer " + auth_.token) ||
                                        SameSecret(QueryParam(query, "token"), auth_.token))) ||
              (!basic_header_.empty() && SameSecret(authorization, basic_header_));
    if (!ok) {
      res.headers.emplace_back("WWW-Authenticate",
                               basic_header_.empty() ? "Bearer" : "Basic realm=\"redundancy\", charset=\"UTF-8\"");
      return reply(401, "text/plain", "unauthorized\n");
    }
  }
  std::shared_ptr<const HttpView> view;
  {
    std::lock_guard lock(mu_);
    view = view_;
  }
  if (path == "/metrics") return reply(200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(*view));
  if (path == "/healthz")
    return view->ready ? reply(200, "text/plain", "ok\n") : reply(503, "text/plain", "not ready\n");
  if (path == "/api/status") {
    v1::StatusSnapshot status = view->status;  // uptime goes on between views
    if (view->published_ms > 0)
      status.set_uptime_s(status.uptime_s() + static_cast<double>(RealClock().WallMs() - view->published_ms) / 1000.0);
    return reply(200, "application/json", JsonText(StatusToJson(status), 2) + "\n");
  }
  if (action) {
    // A form of our page: its token, an action and its argument.
    if (!SameSecret(QueryParam(body, "csrf"), csrf_)) return reply(403, "text/plain", "bad or missing CSRF token\n");
    std::string what = QueryParam(body, "action"), arg = QueryParam(body, "arg");
    if (arg.size() > 200) return reply(400, "text/plain", "argument too long\n");
    std::string who = !basic_header_.empty() && SameSecret(authorization, basic_header_) ? "http user " + auth_.username
                                                                                         : "http token";
    auto done = on_action_(what, arg, who);
    if (!done.ok()) return reply(400, "text/plain", done.error() + "\n");
    {
      // The page it goes back to shows what was done: wait (a moment at most)
      // for a view published after the command was carried out.
      std::unique_lock lock(mu_);
      uint64_t seen = published_;
      published_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return published_ > seen; });
    }
    // Back to the page (the history shows what was done).
    std::string token = QueryParam(query, "token");
    res.headers.emplace_back("Location", token.empty() ? "/" : "/?token=" + token);
    return reply(303, "text/plain", *done + "\n");
  }
  if (path == "/") {
    PageActions actions;
    if (guarded && on_action_) {
      actions.csrf = csrf_;
      actions.token = QueryParam(query, "token");
    }
    // A page with buttons is never framed by another site (clickjacking).
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Content-Security-Policy", "frame-ancestors 'none'");
    if (report_source_ && !view->report) {
      HttpView with = *view;
      with.report = WithReport(*view);
      return reply(200, "text/html; charset=utf-8", RenderStatusPage(with, actions));
    }
    return reply(200, "text/html; charset=utf-8", RenderStatusPage(*view, actions));
  }
  return reply(404, "text/plain", "not found\n");
}

std::shared_ptr<const Report> HttpEndpoint::WithReport(const HttpView& view) {
  // Made when a page is asked for, never on the event loop, and shared by
  // the pages of the next minute (2 s after a health change).
  std::lock_guard lock(report_mu_);
  auto now = std::chrono::steady_clock::now();
  bool stale = !report_ || now - report_at_ >= std::chrono::minutes(1) ||
               (view.health_changes != report_changes_ && now - report_at_ >= std::chrono::seconds(2));
  if (stale) {
    if (auto r = report_source_(view)) report_ = std::move(r);
    report_at_ = now;
    report_changes_ = view.health_changes;
  }
  return report_;
}

void HttpEndpoint::SessionOpened() {
  int n = ++sessions_;
  peak_ = std::max(peak_, n);
}

void HttpEndpoint::SessionClosed() {
  if (--sessions_ == 0 && peak_ > 16) {
    // A flood is over: give the memory its buffers took back to the system.
    peak_ = 0;
    ReturnFreeMemory();
  }
}

void HttpEndpoint::Accept() {
  server_->acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !server_->acceptor.is_open()) return;
    if (ec) {
      // Out of file descriptors (EMFILE/ENFILE) or the like: wait, never spin,
      // never throw; the connection stays in the backlog until then.
      server_->retry.expires_after(std::chrono::milliseconds(100));
      server_->retry.async_wait([this](beast::error_code wec) {
        if (!wec && server_->acceptor.is_open()) Accept();
      });
      return;
    }
    if (sessions_ >= kMaxConnections) {
      // Over the cap: answer at once and close, so one client cannot hold
      // every descriptor redundancyd needs for its agents.
      beast::error_code ignored;
      static const char kBusy[] =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n";
      net::write(socket, net::buffer(kBusy, sizeof kBusy - 1), ignored);
      socket.close(ignored);
    } else {
      std::make_shared<HttpSession>(std::move(socket), this)->Read();
    }
    Accept();
  });
}

Status HttpEndpoint::Start(const std::string& listen, const Auth& auth) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Error("http.listen '" + listen + "' must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::Error("http.listen '" + listen + "': bad port");
  }
  if (port < 0 || port > 65535) return Status::Error("http.listen '" + listen + "': bad port");
  auth_ = auth;
  {
    unsigned char raw[16] = {};
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    urandom.read(reinterpret_cast<char*>(raw), sizeof raw);
    static const char* kHex = "0123456789abcdef";
    csrf_.clear();
    for (unsigned char c : raw) csrf_ += std::string{kHex[c >> 4], kHex[c & 15]};
  }
  basic_header_ = auth.username.empty() ? "" : "Basic " + Base64Encode(auth.username + ":" + auth.password);
  server_ = std::make_unique<Server>();
  beast::error_code ec;
  auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return Status::Error("http.listen '" + listen + "': '" + host + "' is not an IP address");
  tcp::endpoint at(address, static_cast<unsigned short>(port));
  auto& acc = server_->acceptor;
  acc.open(at.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(at, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    server_.reset();
    return Status::Error("http: cannot listen on " + listen + " (in use, or not an address of this machine)");
  }
  port_ = acc.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { server_->ioc.run(); });
  return Status::Ok();
}

void HttpEndpoint::Stop() {
  if (server_) server_->ioc.stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace redundancy
