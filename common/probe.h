// Network clients over libcurl: health probes (an HTTP(S) GET or a TCP
// connect), GET/POST for APIs and alert channels, SMTP. Blocking: call from
// a worker thread, never from an event loop.
#pragma once

#include <map>
#include <string>
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
