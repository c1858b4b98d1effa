#include "orchestrator/health_model.h"

#include <algorithm>
#include <set>

namespace redundancy {

int Severity(HealthStatus s) {
  switch (s) {
    case v1::HEALTH_OK:
      return 0;
    case v1::HEALTH_DEGRADED:
      return 2;
    case v1::HEALTH_FAILED:
      return 3;
    case v1::HEALTH_BLOCKED:
      return 4;
    default:
      return 1;
  }
}

void HealthModel::SetSystems(const std::vector<std::pair<std::string, std::vector<std::string>>>& systems) {
  std::map<std::string, System> next;
  order_.clear();
  for (const auto& [name, deps] : systems) {
    order_.push_back(name);
    System s;
    if (auto it = systems_.find(name); it != systems_.end()) s = std::move(it->second);
    s.depends_on = deps;
    next[name] = std::move(s);
  }
  systems_ = std::move(next);
}

HealthStatus HealthModel::OwnHealth(const System& s) const {
  if (!s.reported || s.checks.empty()) return v1::HEALTH_UNKNOWN;
  HealthStatus worst = v1::HEALTH_OK;
  for (const auto& [target, c] : s.checks) {
    if (Severity(c.result.status()) > Severity(worst)) worst = c.result.status();
  }
  return worst;
}

std::map<std::string, HealthStatus> HealthModel::AllHealth() const {
  std::map<std::string, HealthStatus> out;
  DependencyGraph g;
  for (const auto& name : order_) g.AddNode(name, systems_.at(name).depends_on);
  for (const auto& name : g.TopologicalOrder()) {
    const System& sys = systems_.at(name);
    HealthStatus h = OwnHealth(sys);
    bool upstream_bad = false;
    for (const auto& d : g.DependsOn(name)) {
      auto it = out.find(d);
      upstream_bad |= it != out.end() && (it->second == v1::HEALTH_FAILED || it->second == v1::HEALTH_BLOCKED);
    }
    // Blocked means work that really waits for an upstream: a failed check
    // whose recovery moves forward (not a restore, not given up on). A system
    // that is fine, or being restored, shows its own health.
    bool waits = false;
    for (const auto& [target, c] : sys.checks) {
      waits |= c.result.status() == v1::HEALTH_FAILED && !c.result.restore() && !c.result.gave_up();
    }
    if (upstream_bad && waits) h = v1::HEALTH_BLOCKED;
    out[name] = h;
  }
  return out;
}

HealthStatus HealthModel::Health(const std::string& system) const {
  auto all = AllHealth();
  auto it = all.find(system);
  return it == all.end() ? v1::HEALTH_UNKNOWN : it->second;
}

bool HealthModel::Reported(const std::string& system) const {
  auto it = systems_.find(system);
  return it != systems_.end() && it->second.reported;
}

std::vector<Transition> HealthModel::Apply(const v1::HealthReport& report, int64_t now_ms) {
  std::vector<Transition> out;
  auto it = systems_.find(report.system());
  if (it == systems_.end()) return out;
  auto before = AllHealth();
  System& s = it->second;
  std::map<std::string, Check> next;
  s.order.clear();
  for (const auto& r : report.checks()) {
    if (!next.count(r.target())) s.order.push_back(r.target());
    Check c;
    c.result = r;
    auto old = s.checks.find(r.target());
    HealthStatus from = old == s.checks.end() ? v1::HEALTH_UNKNOWN : old->second.result.status();
    c.since_ms = (old != s.checks.end() && from == r.status()) ? old->second.since_ms : now_ms;
    if (from != r.status()) {
      out.push_back({report.system(), r.target(), from, r.status(), r.summary()});
    }
    next[r.target()] = std::move(c);
  }
  for (const auto& [target, c] : s.checks) {
    if (!next.count(target))
      out.push_back({report.system(), target, c.result.status(), v1::HEALTH_UNKNOWN, "no longer reported"});
  }
  s.checks = std::move(next);
  s.reported = true;
  s.paused = report.paused();
  s.last_report_ms = now_ms;
  auto after = AllHealth();
  for (const auto& name : order_) {
    if (before[name] != after[name]) out.push_back({name, name, before[name], after[name], "system health"});
  }
  return out;
}

std::vector<v1::CheckResult> HealthModel::Checks(const std::string& system) const {
  std::vector<v1::CheckResult> out;
  auto it = systems_.find(system);
  if (it == systems_.end()) return out;
  for (const auto& target : it->second.order) out.push_back(it->second.checks.at(target).result);
  return out;
}

std::map<std::string, v1::HealthReport> HealthModel::Reports() const {
  std::map<std::string, v1::HealthReport> out;
  for (const auto& [name, s] : systems_) {
    if (!s.reported) continue;
    v1::HealthReport& r = out[name];
    r.set_system(name);
    r.set_paused(s.paused);
    r.set_observed_at_ms(s.last_report_ms);
    for (const auto& target : s.order) *r.add_checks() = s.checks.at(target).result;
  }
  return out;
}

std::vector<v1::SystemStatus> HealthModel::Snapshot() const {
  std::vector<v1::SystemStatus> out;
  auto all = AllHealth();
  for (const auto& name : order_) {
    const System& s = systems_.at(name);
    v1::SystemStatus st;
    st.set_name(name);
    st.set_health(all[name]);
    st.set_paused(s.paused);
    st.set_last_report_ms(s.last_report_ms);
    for (const auto& d : s.depends_on) st.add_depends_on(d);
    for (const auto& [target, c] : s.checks) {
      auto* cs = st.add_checks();
      cs->set_target(target);
      cs->set_status(c.result.status());
      cs->set_summary(c.result.summary());
      cs->set_details(c.result.details());
      cs->set_since_ms(c.since_ms);
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace redundancy
