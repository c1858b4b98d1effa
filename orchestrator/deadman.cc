#include "orchestrator/deadman.h"

#include <spdlog/spdlog.h>

#include "common/probe.h"

namespace redundancy {

void Deadman::Start(const std::string& url, std::chrono::milliseconds interval) {
  Stop(false);
  if (url.empty()) return;
  url_ = url;
  interval_ = interval;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    int failures = 0;
    while (!stop_) {
      lock.unlock();
      HttpResponse r = HttpGet(url_, {}, std::min(interval_, std::chrono::milliseconds(10'000)));
      bool ok = r.error.empty() && r.status >= 200 && r.status < 300;
      if (!ok && ++failures == 1) {
        spdlog::warn("deadman: ping failed ({}); retrying every interval",
                     r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
      } else if (ok && failures > 0) {
        spdlog::info("deadman: ping works again after {} failure(s)", failures);
        failures = 0;
      }
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stop_; });
    }
  });
}

void Deadman::Stop(bool failed) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (failed) {
    std::string fail = url_ + (url_.back() == '/' ? "fail" : "/fail");
    HttpResponse r = HttpGet(fail, {}, std::chrono::milliseconds(5000));
    if (!r.error.empty()) spdlog::warn("deadman: could not report the failure: {}", r.error);
  }
}

}  // namespace redundancy
