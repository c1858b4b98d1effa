#include "orchestrator/restart_policy.h"

#include <algorithm>
#include <cmath>

namespace redundancy {

RestartPolicy::RestartPolicy(RestartPolicyConfig config, std::function<double()> random01)
    : config_(config), random01_(std::move(random01)) {}

void RestartPolicy::Reset() {
  exits_.clear();
  streak_ = 0;
}

RestartPolicy::Decision RestartPolicy::OnExit(SteadyTime now) {
  Decision d;
  exits_.push_back(now);
  while (!exits_.empty() && now - exits_.front() >= config_.within) exits_.pop_front();
  d.exits_in_window = static_cast<int>(exits_.size());
  if (d.exits_in_window > config_.max_restarts) {
    d.give_up = true;
    return d;
  }
  ++streak_;
  if (streak_ <= 1) return d;  // first failure after a stable run: restart at once
  double base = static_cast<double>(config_.backoff_initial.count()) * std::pow(2.0, std::min(streak_ - 2, 30));
  base = std::min(base, static_cast<double>(config_.backoff_max.count()));
  double jitter = 0.8 + 0.4 * random01_();
  double ms = std::min(base * jitter, static_cast<double>(config_.backoff_max.count()));
  d.delay = Millis(static_cast<int64_t>(ms));
  return d;
}

}  // namespace redundancy
