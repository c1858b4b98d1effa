// Delivers queued notifications on its own thread, so a slow or dead channel
// never holds up the daemon's loop. The queue is the `deliveries` table: the
// daemon adds rows, this thread (with its own SQLite connection) sends them
// and records the outcome; a failed delivery stays pending and is retried
// with exponential backoff (1 s doubling to 5 min) until it goes through, also
// across restarts of the daemon. Nothing is dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/store/store.h"

namespace redundancy {

class AlertDispatcher {
 public:
  // `now_ms`: wall clock in epoch ms (injectable for tests).
  AlertDispatcher(std::string db_path, std::function<int64_t()> now_ms, Millis first_retry = Millis(1000),
                  Millis max_retry = Millis(300'000));
  ~AlertDispatcher() { Stop(); }
  Status Start();
  void Stop();
  void SetChannels(std::vector<AlertChannel> channels);
  // New rows are waiting.
  void Wake();
  // A notification the database could not take (a full disk: the very
  // incident to tell): delivered from memory, retried as the others, lost
  // only with the process. At most kMaxInMemory wait; past that the oldest go.
  void QueueInMemory(DeliveryRow row);
  static constexpr size_t kMaxInMemory = 1000;

  uint64_t delivered() const { return delivered_; }
  uint64_t failed_attempts() const { return failed_; }

 private:
  void Run();
  // Attempts one delivery; updates the row's attempts, state and next_ms.
  void Attempt(const std::vector<AlertChannel>& channels, DeliveryRow& r);

  std::string db_path_;
  std::function<int64_t()> now_ms_;
  Millis first_retry_, max_retry_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<AlertChannel> channels_;
  std::deque<DeliveryRow> memory_;  // under mu_
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
  std::atomic<uint64_t> delivered_{0}, failed_{0};
};

}  // namespace redundancy
