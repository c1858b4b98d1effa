// Health probes: an HTTP(S) GET or a TCP connect, with a timeout. Blocking:
// call from an agent's worker thread.
#pragma once

#include <string>

#include "common/duration.h"

namespace redundancy {

struct ProbeResult {
  bool ok = false;
  int http_status = 0;  // 0 for TCP probes or when no response came
  double latency_ms = 0;
  std::string error;    // why it failed (timeout, refused, status 500...)
};

// GET `url`; ok when the status is in [200, 400) (or equals expect_status when given).
ProbeResult ProbeHttp(const std::string& url, Millis timeout, int expect_status = 0);
// Connects to "host:port".
ProbeResult ProbeTcp(const std::string& host_port, Millis timeout);

}  // namespace redundancy
