// Retry spacing for an agent's own recoveries: after the n-th failure in a row
// the next attempt waits initial * 2^(n-1), capped at max. Header-only, clock
// injected by the caller (it passes Now()).
#pragma once

#include <algorithm>
#include <optional>

#include "common/clock.h"
#include "common/duration.h"

namespace redundancy {

class Backoff {
 public:
  Backoff(Millis initial, Millis max) : initial_(initial), max_(max) {}
  // A failed attempt at `now`: the next waits longer.
  void Failed(SteadyTime now) {
    ++failures_;
    int64_t ms = initial_.count();
    for (int i = 1; i < failures_ && ms < max_.count(); ++i) ms *= 2;
    next_ = now + Millis(std::min(ms, max_.count()));
  }
  void Reset() {
    failures_ = 0;
    next_ = SteadyTime{};
  }
  bool Ready(SteadyTime now) const { return now >= next_; }
  // Time until the next attempt may run, when waiting.
  std::optional<Millis> Remaining(SteadyTime now) const {
    if (failures_ == 0 || next_ <= now) return std::nullopt;
    return std::chrono::duration_cast<Millis>(next_ - now);
  }
  int failures() const { return failures_; }

 private:
  Millis initial_, max_;
  int failures_ = 0;
  SteadyTime next_{};
};

}  // namespace redundancy
