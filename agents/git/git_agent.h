// redundancy-agent-git: keeps the deployed checkout on <remote>/<branch>.
// Check: fetch and compare (behind, wrong branch, detached HEAD, leftovers of a
// crashed git -> failed; an unreachable remote -> degraded). Recover: one Sync
// with the configured strategy, exactly as `redundancyctl git sync` runs it;
// every step and backup goes to the history. Transient failures back off;
// a sync that needs a person (conflicts, rewritten upstream) is given up on
// until an operator's recover or a new upstream head.
// The pipeline: a sync that moves HEAD emits "new_revision"; Rollback() moves
// back to a commit that built and holds there (persisted in
// state_dir/git/hold) until the upstream head changes or an operator recovers.
// In a fleet, new code comes only through Deploy(<the rollout's commit>):
// a recovery mends the checkout but brings nothing in, and being behind is
// the rollout's business (ok, labelled "pending").
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
  Status Rollback(const std::string& revision, const std::string& reason) override;
  Status Deploy(const std::string& revision) override;
  std::optional<Millis> NextCheckWithin() override;

 private:
  std::string Target() const { return "git:" + options_.remote + "/" + options_.branch; }
  std::string HoldPath() const { return ctx_.state_dir + "/git/hold"; }
  // Edits a conflict left in a stash, until a person has seen them: the
  // upstream head then, and what the check says. Kept across agent restarts.
  std::string KeptAsidePath() const { return ctx_.state_dir + "/git/kept_aside"; }
  void SetKeptAside(const std::string& message);  // "" forgets it
  void SaveHold();
  void LoadHold();
  void ClearHold(const std::string& why);
  void EmitSync(const SyncResult& r, const std::string& kind);
  // One sync with `options`, recorded; new code in place is announced
  // (`always`: even when HEAD did not move, for a fleet's deploy).
  SyncResult SyncAndRecord(const SyncOptions& options, bool always);
  // Waits for a person: a critical gave_up, the check failed until
  // `redundancyctl recover` or a new upstream head.
  void GiveUp();

  // After a rollback: stay at `at` while the upstream head is still `upstream`.
  struct Hold {
    std::string upstream, at, bad, reason;
    bool active() const { return !at.empty(); }
  };

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
  std::string kept_aside_;        // local edits a conflict left in a stash, until a person decides
  Hold hold_;
};

}  // namespace redundancy::git
