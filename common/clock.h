// Time behind an interface so that logic never reads the system clock
// directly: production uses RealClock, tests a FakeClock they advance.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

namespace redundancy {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines and intervals.
  virtual SteadyTime Now() const = 0;
  // Wall-clock time in epoch milliseconds, for records people read.
  virtual int64_t WallMs() const = 0;
  // Waits (a worker giving a process a moment); a fake clock just moves on.
  virtual void Sleep(std::chrono::milliseconds d) const = 0;
};

class RealClock : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  int64_t WallMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void Sleep(std::chrono::milliseconds d) const override { std::this_thread::sleep_for(d); }
};

// A clock that moves only when told. Starts at an arbitrary fixed point.
class FakeClock : public Clock {
 public:
  SteadyTime Now() const override { return now_; }
  int64_t WallMs() const override {
    return wall_base_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(now_ - SteadyTime()).count();
  }
  void Advance(std::chrono::milliseconds d) { now_ += d; }
  void Sleep(std::chrono::milliseconds d) const override { now_ += d; }

 private:
  mutable SteadyTime now_ = SteadyTime() + std::chrono::hours(1);
  int64_t wall_base_ms_ = 1'700'000'000'000;
};

}  // namespace redundancy
