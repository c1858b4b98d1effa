// redundancy-agent-git: keeps the deployed checkout on <remote>/<branch>.
// Check: fetch and compare (behind, wrong branch, detached HEAD, leftovers of a
// crashed git -> failed; an unreachable remote -> degraded). Recover: one Sync
// with the configured strategy, exactly as `redundancyctl git sync` runs it;
// every step and backup goes to the history. Transient failures back off;
// a sync that needs a person (conflicts, rewritten upstream) is given up on
// until an operator's recover or a new upstream head.
#pragma once

#include <string>

#include "agents/git/sync.h"
#include "agents/runtime/agent.h"
#include "common/backoff.h"
#include "common/clock.h"

namespace redundancy::git {

class GitAgent : public Agent {
 public:
  explicit GitAgent(Clock* clock) : clock_(clock) {}
  std::string Kind() const override { return "git"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  std::optional<Millis> NextCheckWithin() override;

 private:
  std::string Target() const { return "git:" + options_.remote + "/" + options_.branch; }

  Clock* clock_;
  AgentContext ctx_;
  SyncOptions options_;
  RepoState last_;
  // The last sync, for status; and the recovery budget.
  std::string last_sync_;
  int64_t last_sync_ms_ = 0;
  Backoff retry_{Millis(1000), Millis(300'000)};
  bool gave_up_ = false;
  std::string gave_up_upstream_;  // a new upstream head ends the give-up
};

}  // namespace redundancy::git
