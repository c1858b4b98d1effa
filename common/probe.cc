#include "common/probe.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

namespace redundancy {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// libcurl, loaded on the first HTTP probe: it pulls in TLS, Kerberos and more
// (several MB per process), which an agent that never probes over HTTP should
// not carry.
struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  bool ok = false;
  std::string error;
};

const Curl& LoadCurl() {
  static const Curl* curl = [] {
    auto* c = new Curl();
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      c->error = std::string("cannot load libcurl: ") + dlerror();
      return c;
    }
    c->global_init = reinterpret_cast<decltype(c->global_init)>(dlsym(h, "curl_global_init"));
    c->easy_init = reinterpret_cast<decltype(c->easy_init)>(dlsym(h, "curl_easy_init"));
    c->easy_setopt = reinterpret_cast<decltype(c->easy_setopt)>(dlsym(h, "curl_easy_setopt"));
    c->easy_perform = reinterpret_cast<decltype(c->easy_perform)>(dlsym(h, "curl_easy_perform"));
    c->easy_getinfo = reinterpret_cast<decltype(c->easy_getinfo)>(dlsym(h, "curl_easy_getinfo"));
    c->easy_cleanup = reinterpret_cast<decltype(c->easy_cleanup)>(dlsym(h, "curl_easy_cleanup"));
    c->easy_strerror = reinterpret_cast<decltype(c->easy_strerror)>(dlsym(h, "curl_easy_strerror"));
    c->slist_append = reinterpret_cast<decltype(c->slist_append)>(dlsym(h, "curl_slist_append"));
    c->slist_free_all = reinterpret_cast<decltype(c->slist_free_all)>(dlsym(h, "curl_slist_free_all"));
    c->ok = c->global_init && c->easy_init && c->easy_setopt && c->easy_perform && c->easy_getinfo && c->easy_cleanup &&
            c->easy_strerror && c->slist_append && c->slist_free_all && c->global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!c->ok) c->error = "libcurl is incomplete";
    return c;
  }();
  return *curl;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

size_t Append(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < (8u << 20)) s->append(data, size * n);
  return size * n;
}

size_t Header(char* data, size_t size, size_t n, void* out) {
  auto* m = static_cast<std::map<std::string, std::string>*>(out);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t a = value.find_first_not_of(" \t"), b = value.find_last_not_of(" \t\r\n");
    (*m)[key] = a == std::string::npos ? "" : value.substr(a, b - a + 1);
  }
  return size * n;
}

}  // namespace

namespace {

struct RequestSpec {
  const std::string* body = nullptr;  // POST body
  bool keep_body = true;              // probes discard it
  double* latency_ms = nullptr;
  const char* agent = "redundancy";
  bool verify_tls = true;
  const TlsFiles* tls = nullptr;
  // A stream: the body goes here as it comes, no overall timeout.
  const std::function<bool(std::string_view)>* on_data = nullptr;
  StreamCancel* cancel = nullptr;
};

size_t StreamData(char* data, size_t size, size_t n, void* out) {
  auto* f = static_cast<const std::function<bool(std::string_view)>*>(out);
  return (*f)(std::string_view(data, size * n)) ? size * n : 0;
}

curl_socket_t OpenSocket(void* data, curlsocktype, curl_sockaddr* address) {
  int fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd >= 0 && !static_cast<StreamCancel*>(data)->Adopt(fd)) {
    close(fd);
    return CURL_SOCKET_BAD;
  }
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

int CloseSocket(void* data, curl_socket_t fd) {
  static_cast<StreamCancel*>(data)->Closed(fd);
  return close(fd);
}

// One HTTP request.
HttpResponse Request(const std::string& url, const std::vector<std::string>& headers, Millis timeout,
                     const RequestSpec& spec) {
  HttpResponse r;
  const Curl& curl = LoadCurl();
  if (!curl.ok) {
    r.error = curl.error;
    return r;
  }
  CURL* c = curl.easy_init();
  if (!c) {
    r.error = "curl_easy_init failed";
    return r;
  }
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl.slist_append(list, h.c_str());
  curl.easy_setopt(c, CURLOPT_URL, url.c_str());
  if (spec.on_data) {
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  } else {
    curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  if (spec.cancel) {
    curl.easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
    curl.easy_setopt(c, CURLOPT_OPENSOCKETDATA, spec.cancel);
    curl.easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, CloseSocket);
    curl.easy_setopt(c, CURLOPT_CLOSESOCKETDATA, spec.cancel);
  }
  if (spec.tls) {
    if (!spec.tls->ca_file.empty()) curl.easy_setopt(c, CURLOPT_CAINFO, spec.tls->ca_file.c_str());
    if (!spec.tls->cert_file.empty()) curl.easy_setopt(c, CURLOPT_SSLCERT, spec.tls->cert_file.c_str());
    if (!spec.tls->key_file.empty()) curl.easy_setopt(c, CURLOPT_SSLKEY, spec.tls->key_file.c_str());
  }
  if (list) curl.easy_setopt(c, CURLOPT_HTTPHEADER, list);
  if (spec.body) {
    curl.easy_setopt(c, CURLOPT_POSTFIELDS, spec.body->data());
    curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(spec.body->size()));
  }
  if (spec.on_data) {
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, StreamData);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, spec.on_data);
  } else if (spec.keep_body) {
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, Header);
    curl.easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  } else {
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  }
  curl.easy_setopt(c, CURLOPT_USERAGENT, spec.agent);
  if (!spec.verify_tls) {
    curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  auto t0 = std::chrono::steady_clock::now();
  CURLcode rc = curl.easy_perform(c);
  if (spec.latency_ms) *spec.latency_ms = Since(t0);
  if (rc == CURLE_WRITE_ERROR && spec.on_data) {
    // ended by its reader: not an error
  } else if (rc != CURLE_OK && !(spec.cancel && spec.cancel->cancelled())) {
    r.error = curl.easy_strerror(rc);
  }
  {
    long status = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
  }
  curl.easy_cleanup(c);
  if (list) curl.slist_free_all(list);
  return r;
}

struct MailReader {
  const std::string* text;
  size_t at = 0;
};

size_t ReadMail(char* out, size_t size, size_t n, void* data) {
  auto* m = static_cast<MailReader*>(data);
  size_t len = std::min(size * n, m->text->size() - m->at);
  std::memcpy(out, m->text->data() + m->at, len);
  m->at += len;
  return len;
}

}  // namespace

HttpResponse HttpGet(const std::string& url, const std::vector<std::string>& headers, Millis timeout) {
  return Request(url, headers, timeout, {});
}

HttpResponse HttpGet(const std::string& url, const std::vector<std::string>& headers, Millis timeout,
                     const HttpOptions& options) {
  RequestSpec spec;
  spec.verify_tls = options.verify_tls;
  spec.latency_ms = options.latency_ms;
  return Request(url, headers, timeout, spec);
}

HttpResponse HttpPost(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                      Millis timeout) {
  return HttpPost(url, headers, body, timeout, TlsFiles{});
}

HttpResponse HttpPost(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                      Millis timeout, const TlsFiles& tls) {
  RequestSpec spec;
  spec.body = &body;
  spec.tls = &tls;
  return Request(url, headers, timeout, spec);
}

void StreamCancel::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

void StreamCancel::Reset() {
  std::lock_guard lock(mu_);
  cancelled_ = false;
}

bool StreamCancel::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

bool StreamCancel::Adopt(int fd) {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  fd_ = fd;
  return true;
}

void StreamCancel::Closed(int fd) {
  std::lock_guard lock(mu_);
  if (fd_ == fd) fd_ = -1;
}

HttpResponse HttpPostStream(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                            Millis connect_timeout, const TlsFiles& tls,
                            const std::function<bool(std::string_view)>& on_data, StreamCancel* cancel) {
  RequestSpec spec;
  spec.body = &body;
  spec.tls = &tls;
  spec.on_data = &on_data;
  spec.cancel = cancel;
  return Request(url, headers, connect_timeout, spec);
}

std::string SendMail(const MailSpec& mail, Millis timeout) {
  const Curl& curl = LoadCurl();
  if (!curl.ok) return curl.error;
  CURL* c = curl.easy_init();
  if (!c) return "curl_easy_init failed";
  curl_slist* rcpt = nullptr;
  for (const auto& to : mail.to) rcpt = curl.slist_append(rcpt, ("<" + to + ">").c_str());
  MailReader reader{&mail.message};
  std::string from = "<" + mail.from + ">";
  curl.easy_setopt(c, CURLOPT_URL, mail.url.c_str());
  curl.easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl.easy_setopt(c, CURLOPT_READFUNCTION, ReadMail);
  curl.easy_setopt(c, CURLOPT_READDATA, &reader);
  curl.easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl.easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));  // STARTTLS where the server offers it
  curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!mail.username.empty()) curl.easy_setopt(c, CURLOPT_USERNAME, mail.username.c_str());
  if (!mail.password.empty()) curl.easy_setopt(c, CURLOPT_PASSWORD, mail.password.c_str());
  CURLcode rc = curl.easy_perform(c);
  std::string error = rc == CURLE_OK ? "" : curl.easy_strerror(rc);
  curl.easy_cleanup(c);
  curl.slist_free_all(rcpt);
  return error;
}

ProbeResult ProbeHttp(const std::string& url, Millis timeout, int expect_status) {
  ProbeResult r;
  RequestSpec spec;
  spec.keep_body = false;
  spec.latency_ms = &r.latency_ms;
  spec.agent = "redundancy-probe";
  HttpResponse h = Request(url, {}, timeout, spec);
  if (!h.error.empty()) {
    r.error = h.error;
    return r;
  }
  r.http_status = h.status;
  r.ok = expect_status ? h.status == expect_status : (h.status >= 200 && h.status < 400);
  if (!r.ok) r.error = "HTTP " + std::to_string(h.status);
  return r;
}

ProbeResult ProbeTcp(const std::string& host_port, Millis timeout) {
  ProbeResult r;
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    r.error = "expected host:port";
    return r;
  }
  std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    r.error = "cannot resolve " + host;
    return r;
  }
  auto t0 = std::chrono::steady_clock::now();
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : connect(fd, res->ai_addr, res->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    } else {
      errno = ETIMEDOUT;
    }
  }
  r.latency_ms = Since(t0);
  r.ok = rc == 0;
  if (!r.ok) r.error = std::strerror(errno);
  if (fd >= 0) close(fd);
  freeaddrinfo(res);
  return r;
}

}  // namespace redundancy
