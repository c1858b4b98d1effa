// Network clients over libcurl: health probes (an HTTP(S) GET or a TCP
// connect), GET/POST for APIs and alert channels, SMTP. Blocking: call from
// a worker thread, never from an event loop.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"

namespace redundancy {

struct ProbeResult {
  bool ok = false;
  int http_status = 0;  // 0 for TCP probes or when no response came
  double latency_ms = 0;
  std::string error;  // why it failed (timeout, refused, status 500...)
};

// GET `url`; ok when the status is in [200, 400) (or equals expect_status when given).
ProbeResult ProbeHttp(const std::string& url, Millis timeout, int expect_status = 0);
struct HttpResponse {
  int status = 0;                              // 0 when no response came
  std::string body;                            // at most 8 MB
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // transport error (never contains the request's headers)
};

// GET with extra request headers ("Name: value"), for APIs (GitHub).
HttpResponse HttpGet(const std::string& url, const std::vector<std::string>& headers, Millis timeout);

// GET for a custom check: TLS verification may be off (a self-signed
// certificate of the operator's own), the time to the response measured.
struct HttpOptions {
  bool verify_tls = true;
  double* latency_ms = nullptr;  // set when given
};
HttpResponse HttpGet(const std::string& url, const std::vector<std::string>& headers, Millis timeout,
                     const HttpOptions& options);

// POST `body` (headers as for HttpGet), for alert channels.
HttpResponse HttpPost(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                      Millis timeout);

// Client certificates and a private CA, for APIs that want them (etcd).
struct TlsFiles {
  std::string ca_file, cert_file, key_file;  // "" = the system's CAs, no client certificate
};

// POST for APIs: `tls` as given.
HttpResponse HttpPost(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                      Millis timeout, const TlsFiles& tls);

// Ends a stream (HttpPostStream) from another thread at once: its socket is
// shut down, so a read blocked on it returns.
class StreamCancel {
 public:
  void Cancel();
  bool cancelled() const;
  void Reset();  // for the next stream
  // For HttpPostStream: the socket in use (-1 once closed).
  bool Adopt(int fd);
  void Closed(int fd);

 private:
  mutable std::mutex mu_;
  int fd_ = -1;
  bool cancelled_ = false;
};

// A POST whose response is long-lived (etcd's watch): each piece of the
// body goes to `on_data` as it comes; returning false ends the stream, as
// does `cancel`. `connect_timeout` bounds the connection only. The response
// carries the status and any transport error ("" when ended on purpose).
HttpResponse HttpPostStream(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                            Millis connect_timeout, const TlsFiles& tls,
                            const std::function<bool(std::string_view)>& on_data, StreamCancel* cancel);

struct MailSpec {
  std::string url;  // smtp://host:port (smtps:// for TLS from the start)
  std::string username, password, from;
  std::vector<std::string> to;
  std::string message;  // headers and body, CRLF line ends
};
// Sends one message over SMTP, with STARTTLS when the server offers it.
// Returns "" on success, else why not (never the password).
std::string SendMail(const MailSpec& mail, Millis timeout);

// Connects to "host:port".
ProbeResult ProbeTcp(const std::string& host_port, Millis timeout);

}  // namespace redundancy
