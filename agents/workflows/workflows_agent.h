// redundancy-agent-workflows: keeps .github/workflows healthy.
// Checks: workflow:<file> per workflow (failed on lint errors or when it was
// deleted, degraded on warnings and on secrets it references that are not in
// the configured list); with `github:`, workflow-run:<file> from the latest
// run on GitHub (failed when it failed, with the run URL; degraded when a
// scheduled workflow has not run for twice its cron period); with
// `local_fallback`, workflow-local:<file> for the local runs made instead.
// Every valid workflow is kept as a last-known-good copy in
// state_dir/workflows/good; with `restore: true` a deleted or broken workflow
// is restored from git HEAD (when that version is valid) or the good copy,
// the broken one saved aside in state_dir/workflows/broken first. The folder
// is watched with inotify.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/runtime/agent.h"
#include "agents/runtime/poison.h"
#include "agents/workflows/settings.h"
#include "common/clock.h"

namespace redundancy::workflows {

class WorkflowsAgent : public Agent {
 public:
  explicit WorkflowsAgent(Clock* clock) : clock_(clock) {}
  ~WorkflowsAgent() override;
  std::string Kind() const override { return "workflows"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  std::vector<int> WatchedFds() override;
  bool OnReadable(int fd) override;
  std::optional<Millis> NextCheckWithin() override { return recheck_in_; }

 private:
  struct RunState {  // the latest GitHub run of one workflow
    std::string conclusion, status, url, created_at, error;
    bool absent = false;  // no run at all, or none within twice the schedule's period
  };
  std::string GoodPath(const std::string& file) const { return ctx_.state_dir + "/workflows/good/" + file; }
  std::string RepoRoot() const;
  std::vector<std::string> Files() const;
  std::string Restore(const std::string& file);  // "" or an error
  std::string FromHead(const std::string& file) const;
  // The workflow files HEAD has in the workflows directory; nullopt when there
  // is no checkout or commit to ask (git is the source of truth when there is).
  std::optional<std::set<std::string>> HeadWorkflows() const;
  // A workflow deleted by a commit: its good copy is retired (kept aside), not restored.
  void Retire(const std::string& file);
  void Watch();
  // github_runs.cc
  void PollGitHub(const std::vector<std::string>& files, std::vector<v1::CheckResult>* out);
  void LocalFallback(std::vector<v1::CheckResult>* out);

  Clock* clock_;
  AgentContext ctx_;
  PoisonRegistry poison_;  // a workflow file that kills the linter is skipped, not a crash loop
  std::string dir_;
  bool restore_ = false;
  std::set<std::string> secrets_;  // configured names
  bool secrets_known_ = false;
  std::set<std::string> vars_;  // configured repository variables (vars.X)
  bool vars_known_ = false;
  std::set<std::string> labels_;
  std::string repo_, token_, api_url_;
  std::vector<std::string> local_fallback_;
  std::map<std::string, RunState> runs_;
  std::map<std::string, std::vector<std::string>> schedules_;  // file -> crons
  std::map<std::string, int64_t> gap_minutes_;                 // cron -> longest gap
  std::time_t rate_limited_until_ = 0;
  std::time_t last_fallback_check_ = 0;
  std::map<std::string, std::string> local_results_;  // file -> summary of the last local run
  std::map<std::string, bool> local_ok_;
  std::set<std::string> force_local_;  // run now, asked through recover
  int inotify_fd_ = -1;
  std::optional<Millis> recheck_in_;  // a file just written is judged again then
};

}  // namespace redundancy::workflows
