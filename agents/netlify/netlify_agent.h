// redundancy-agent-netlify: keeps a project's Netlify functions healthy.
// Checks: one per function (netlify:<name>: failed on its errors, degraded on
// warnings, and on a failing HTTP probe when base_url is set), netlify:toml for
// netlify.toml problems, netlify:count (a function that disappeared since the
// agent last saw it is failed, naming it), netlify:manifest (missing,
// unparseable or stale; regenerated when regenerate_manifest is on, the old
// one kept as .bak). The functions directory and netlify.toml are watched with
// inotify: a change runs the checks at once.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/netlify/functions.h"
#include "agents/netlify/settings.h"
#include "agents/runtime/agent.h"
#include "agents/runtime/poison.h"
#include "common/clock.h"

namespace redundancy::netlify {

class NetlifyAgent : public Agent {
 public:
  explicit NetlifyAgent(Clock* clock) : clock_(clock) {}
  ~NetlifyAgent() override;
  std::string Kind() const override { return "netlify"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  std::vector<int> WatchedFds() override;
  bool OnReadable(int fd) override;

 private:
  void Watch();
  void SaveSeen();
  // The functions HEAD has in the functions directory (name -> path relative
  // to the project, as git names it); nullopt when there is no commit to ask.
  std::optional<std::map<std::string, std::string>> HeadFunctions() const;
  std::string ManifestPath() const;
  std::string CountPath() const { return ctx_.state_dir + "/netlify/functions.seen"; }

  Clock* clock_;
  AgentContext ctx_;
  PoisonRegistry poison_;      // a functions tree that kills discovery is reported, not a crash loop
  std::string dir_;            // the project
  std::string manifest_;       // configured manifest path ("" = default)
  std::string functions_dir_;  // configured functions_dir (netlify.toml beats it)
  bool regenerate_ = false;
  std::string base_url_;
  std::vector<ProbeTarget> probes_;
  std::set<std::string> seen_;                     // every function seen (persisted), for the count check
  std::map<std::string, std::string> restorable_;  // missing now, committed at HEAD: name -> path
  std::string stale_;                              // why the manifest is stale, from the last check
  Discovery last_;
  SyntaxCache syntax_cache_;
  int inotify_fd_ = -1;
  std::mutex mu_;  // watches_ is shared with the event-loop thread
  std::map<int, std::string> watches_;
};

}  // namespace redundancy::netlify
