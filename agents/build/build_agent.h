// redundancy-agent-build: the npm project of the checkout is buildable.
// Checks (targets build:node, build:deps, build:validate, build:artifacts):
//  - node and npm are present and match package.json `engines` and `.nvmrc`;
//  - node_modules matches package-lock.json (deps.h, no npm process);
//  - the configured `validate` command passes within validate_timeout (its
//    output tail kept for status); re-run each interval or when the code moves;
//  - configured artifacts exist and are newer than their sources.
// Recovery: dependencies reinstalled with the old node_modules kept aside
// until the new one is in place (npm ci, else npm install --no-save when the
// lock is rejected; package.json and the lock are never left modified); then
// validate re-run, which is expected to (re)build the artifacts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/build/deps.h"
#include "agents/build/settings.h"
#include "agents/runtime/agent.h"
#include "common/backoff.h"
#include "common/clock.h"

namespace redundancy::build {

class BuildAgent : public Agent {
 public:
  explicit BuildAgent(Clock* clock) : clock_(clock) {}
  std::string Kind() const override { return "build"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  Status Deploy(const std::string& revision) override;
  std::optional<Millis> NextCheckWithin() override;

 private:
  struct ValidateRun {
    bool ran = false;
    bool ok = false;
    std::string summary;
    std::string tail;
    std::string fingerprint;  // of the code it ran on
    SteadyTime at{};
    Millis duration{0};  // how long it took
  };
  v1::CheckResult CheckNode();
  v1::CheckResult CheckDeps();
  v1::CheckResult CheckValidate();
  v1::CheckResult CheckArtifacts();
  // Runs `validate` now and remembers the outcome.
  const ValidateRun& RunValidate();
  Status ReinstallDeps();
  // package.json / package-lock.json that no longer parse while git HEAD has
  // a version that does: file -> the committed text (git is the source of truth).
  std::map<std::string, std::string> CorruptButCommitted() const;
  // Puts the committed versions back (the corrupt ones kept aside first).
  Status RestoreFromHead(const std::map<std::string, std::string>& files);
  std::string Fingerprint() const;
  std::string Tool(const std::string& bin, std::string* version);  // "" when missing
  void Emit(const std::string& target, const std::string& kind, const std::string& detail);

  Clock* clock_;
  AgentContext ctx_;
  BuildSettings s_;
  ValidateRun validate_;
  DepsReport deps_;
  std::string node_version_, npm_version_;
  std::string tools_key_;  // resolved paths + mtimes the versions above were read for
  Backoff retry_{Millis(5000), Millis(600'000)};
  bool deps_gave_up_ = false;        // a reinstall cannot fix it (e.g. the lock disagrees)
  std::string gave_up_fingerprint_;  // validate failed on this code even after a retry
};

}  // namespace redundancy::build
