// One background thread that runs an agent's jobs in order, and wakes the
// event loop through an eventfd when a job is done.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace redundancy {

class Worker {
 public:
  Worker();
  ~Worker() { Shutdown(std::chrono::milliseconds(0)); }

  // Takes no more jobs and waits up to `wait` for the one running. Past
  // that it is left running (detached): a job stuck in a system call must
  // not block the exit of the process. A job uses its owner's members, so
  // the owner calls this first, with time for a normal job to end.
  void Shutdown(std::chrono::milliseconds wait);

  // fd that becomes readable when results are waiting.
  int fd() const { return event_fd_; }
  // Queues `job`; its returned callback is run by RunCompletions() on the loop thread.
  void Submit(std::function<std::function<void()>()> job);
  // Runs the callbacks of finished jobs (loop thread only).
  void RunCompletions();
  bool busy() const;

 private:
  void ThreadMain();
  int event_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;  // a job ended
  std::deque<std::function<std::function<void()>()>> jobs_;
  std::deque<std::function<void()>> done_;
  int running_ = 0;
  bool stop_ = false;
  bool shut_ = false;
  std::thread thread_;
};

}  // namespace redundancy
