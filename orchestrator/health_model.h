// What the orchestrator knows of every system's health: the latest checks
// each agent reported, and each system's health derived from them: the worst
// of its checks, or `blocked` when it has work that waits (a failed check to
// move forward: not a restore, not given up on) while a system it depends on
// is failed or blocked.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/dependency_graph.h"
#include "common/status_render.h"
#include "redundancy.pb.h"

namespace redundancy {

using v1::HealthStatus;

// Order for "worst of": ok < unknown < degraded < failed < blocked.
int Severity(HealthStatus s);

struct Transition {
  std::string system;
  std::string target;  // a check target, or the system name for the system's own health
  HealthStatus from;
  HealthStatus to;
  std::string summary;
};

class HealthModel {
 public:
  // Sets the systems and their dependencies; keeps the checks of systems that remain.
  void SetSystems(const std::vector<std::pair<std::string, std::vector<std::string>>>& systems);

  // Replaces the checks of report.system. Returns every check and system
  // whose status changed (including systems that became blocked or unblocked).
  std::vector<Transition> Apply(const v1::HealthReport& report, int64_t now_ms);

  HealthStatus Health(const std::string& system) const;
  // True once the system's agent has sent at least one report.
  bool Reported(const std::string& system) const;
  // The systems in configuration order, with their checks.
  std::vector<v1::SystemStatus> Snapshot() const;
  // The checks a system's agent last reported, in its order, with their
  // labels and metrics (the model is the one copy of them).
  std::vector<v1::CheckResult> Checks(const std::string& system) const;
  // The same without copies (every report re-evaluates every system's recovery).
  template <typename F>
  void ForEachCheck(const std::string& system, F&& f) const {
    auto it = systems_.find(system);
    if (it == systems_.end()) return;
    for (const auto& target : it->second.order) f(it->second.checks.at(target).result);
  }
  // The same as reports, for every system that has reported (/metrics).
  std::map<std::string, v1::HealthReport> Reports() const;

 private:
  struct Check {
    v1::CheckResult result;
    int64_t since_ms = 0;
  };
  struct System {
    std::vector<std::string> depends_on;
    std::map<std::string, Check> checks;
    std::vector<std::string> order;  // targets as the agent listed them
    bool reported = false;
    bool paused = false;
    int64_t last_report_ms = 0;
  };
  HealthStatus OwnHealth(const System& s) const;
  std::map<std::string, HealthStatus> AllHealth() const;

  std::vector<std::string> order_;
  std::map<std::string, System> systems_;
};

}  // namespace redundancy
