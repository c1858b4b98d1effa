// When to restart an agent that exited, and when to give up. Pure logic over
// an injected time and random source.
//
// Backoff: the first exit after a stable run restarts at once; each further
// consecutive exit waits backoff_initial * 2^(n-2), capped at backoff_max,
// with +-20% jitter. A run that stays ready for stable_after ends the streak.
// Budget: every exit (whatever the agent's age) is counted over a sliding
// window `within`; more than max_restarts exits in the window gives up.
#pragma once

#include <deque>
#include <functional>

#include "common/clock.h"
#include "common/config.h"

namespace redundancy {

class RestartPolicy {
 public:
  // `random01` returns values in [0, 1); tests inject a constant.
  RestartPolicy(RestartPolicyConfig config, std::function<double()> random01);

  struct Decision {
    bool give_up = false;
    Millis delay{0};
    int exits_in_window = 0;
  };
  // Records an exit at `now` and decides what follows.
  Decision OnExit(SteadyTime now);
  // The agent has been ready for a while: the next exit restarts at once.
  void OnStable() { streak_ = 0; }
  // An operator acted (restart-agent, config change): a fresh budget.
  void Reset();
  void SetConfig(const RestartPolicyConfig& config) { config_ = config; }
  const RestartPolicyConfig& config() const { return config_; }

 private:
  RestartPolicyConfig config_;
  std::function<double()> random01_;
  std::deque<SteadyTime> exits_;
  int streak_ = 0;
};

}  // namespace redundancy
