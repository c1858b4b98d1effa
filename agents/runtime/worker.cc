#include "agents/runtime/worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "common/process/cpus.h"

namespace redundancy {

Worker::Worker() : event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), thread_([this] { ThreadMain(); }) {}

void Worker::Shutdown(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (shut_) return;
  shut_ = true;
  stop_ = true;
  cv_.notify_all();
  bool idle = idle_cv_.wait_for(lock, wait, [this] { return running_ == 0; });
  lock.unlock();
  if (idle) {
    thread_.join();
  } else {
    thread_.detach();
  }
}

bool Worker::busy() const {
  std::lock_guard lock(mu_);
  return running_ > 0 || !jobs_.empty();
}

void Worker::Submit(std::function<std::function<void()>()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Worker::ThreadMain() {
  process::UseAllCpus();  // checks work; the loop that waits keeps to one CPU
  while (true) {
    std::function<std::function<void()>()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    std::function<void()> completion = job();
    {
      std::lock_guard lock(mu_);
      --running_;
      done_.push_back(std::move(completion));
    }
    idle_cv_.notify_all();
    uint64_t one = 1;
    (void)!write(event_fd_, &one, sizeof one);
  }
}

void Worker::RunCompletions() {
  uint64_t n;
  (void)!read(event_fd_, &n, sizeof n);
  std::deque<std::function<void()>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
  }
  for (auto& f : done) {
    if (f) f();
  }
}

}  // namespace redundancy
