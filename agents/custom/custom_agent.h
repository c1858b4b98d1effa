// redundancy-agent-custom: one process per `kind: custom` system. Runs its
// checks (agents/custom/checks.h) and, when the orchestrator allows, its
// recovery steps, with a budget per target as for the built-in systems:
// recovery.max_attempts within recovery.within, spaced by an exponential
// backoff, then gave_up (a critical alert) until an operator's recover, a
// reload, or the check passing again.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agents/custom/settings.h"
#include "agents/runtime/agent.h"
#include "common/backoff.h"
#include "common/clock.h"

namespace redundancy::custom {

class CustomAgent : public Agent {
 public:
  explicit CustomAgent(const Clock* clock) : clock_(clock) {}

  std::string Kind() const override { return "custom"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  std::optional<Millis> NextCheckWithin() override;

 private:
  struct Track {
    std::deque<SteadyTime> attempts;  // within policy.within
    Backoff backoff{Millis(5'000), Millis(300'000)};
    bool gave_up = false;
    std::string last_failure;
  };
  const CheckSpec* FindCheck(const std::string& target) const;
  std::string TargetOf(const CheckSpec& c) const { return ctx_.system + ":" + c.name; }
  // Runs `steps` for `targets` (the failed checks they recover); "" when every step did its part.
  std::string RunSteps(const std::vector<Step>& steps, const std::vector<const CheckSpec*>& targets);
  // restart_check_after: the checks of `targets` again until they pass or `within` ends.
  bool Recheck(const std::vector<const CheckSpec*>& targets, Millis within);

  const Clock* clock_;
  AgentContext ctx_;
  Settings settings_;
  std::map<std::string, v1::CheckResult> last_;  // by target
  std::map<std::string, Track> tracks_;          // by target
};

}  // namespace redundancy::custom
