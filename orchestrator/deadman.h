// The dead man's switch (alerts.deadman): a URL pinged every interval
// (healthchecks.io style) from its own thread, so that redundancyd's own death
// is noticed elsewhere; on an error shutdown it pings URL/fail once. The URL
// is a secret when it came from ${ENV}: it is never logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace redundancy {

class Deadman {
 public:
  ~Deadman() { Stop(false); }
  void Start(const std::string& url, std::chrono::milliseconds interval);
  // Stops pinging; `failed`: the daemon is going down on an error, so say so.
  void Stop(bool failed);
  bool running() const { return thread_.joinable(); }

 private:
  std::string url_;
  std::chrono::milliseconds interval_{60'000};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace redundancy
