#include "orchestrator/alerts.h"

#include <algorithm>
#include <cstdio>

namespace redundancy {
namespace {

constexpr int64_t kKeepResolvedMs = 3600 * 1000;  // resolved alerts stay listed this long
constexpr size_t kKeepResolved = 200;             // and at most this many of them

bool Covers(const std::string& silence, const Alert& a) { return silence == a.target || silence == a.system; }

}  // namespace

std::string AlertFingerprint(const std::string& system, const std::string& target) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(system);
  mix(target);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Alert& AlertEngine::Open(const std::string& system, const std::string& target, const std::string& severity,
                         const std::string& summary, int64_t now_ms) {
  Alert a;
  a.id = next_id_++;
  a.fingerprint = AlertFingerprint(system, target);
  a.system = system;
  a.target = target;
  a.severity = severity;
  a.summary = summary;
  a.state = "firing";
  a.starts_ms = now_ms;
  Changed(a);
  return alerts_[a.id] = std::move(a);
}

void AlertEngine::Resolve(Alert& a, int64_t now_ms) {
  a.state = "resolved";
  a.ends_ms = now_ms;
  Changed(a);
}

void AlertEngine::ResolveTrack(const std::string& fp, int64_t now_ms) {
  auto tr = tracks_.find(fp);
  if (tr == tracks_.end()) return;
  if (tr->second.alert) {
    if (auto it = alerts_.find(*tr->second.alert); it != alerts_.end()) Resolve(it->second, now_ms);
  }
  tracks_.erase(tr);
  settling_.erase(fp);
}

void AlertEngine::Observe(const std::string& system, const std::string& target, const std::string& status,
                          const std::string& summary, int64_t now_ms, bool use_threshold, bool outage) {
  std::string fp = AlertFingerprint(system, target);
  bool bad = status == "failed" || status == "degraded";
  if (!bad) {
    // A healthy report ends the streak; a firing alert ends once the target
    // has stayed healthy for `settle` (Tick). Healthy targets are not tracked.
    auto tr = tracks_.find(fp);
    if (tr == tracks_.end()) return;
    if (tr->second.alert && alerts_.count(*tr->second.alert) && rules_.settle.count() > 0) {
      if (tr->second.good_since == 0) tr->second.good_since = now_ms;
      settling_.insert(fp);
      return;
    }
    ResolveTrack(fp, now_ms);
    return;
  }
  Track& t = tracks_[fp];
  t.system = system;
  t.good_since = 0;
  settling_.erase(fp);
  std::string severity = status == "failed" ? "critical" : "warning";
  ++t.failures;
  if (t.alert) {
    auto it = alerts_.find(*t.alert);
    if (it != alerts_.end()) {
      Alert& a = it->second;
      if (outage && !a.outage) {
        a.outage = true;
        Changed(a);
      }
      if (a.severity != severity || a.summary != summary) {
        // A firing alert that got worse is news: notify it again (not when it eases).
        if (severity == "critical" && a.severity != "critical" && a.notifications > 0) a.last_notified_ms = 0;
        a.severity = severity;
        a.summary = summary;
        Changed(a);
      }
      return;
    }
    t.alert.reset();
  }
  if (!use_threshold || t.failures >= std::max(1, rules_.threshold)) {
    Alert& a = Open(system, target, severity, summary, now_ms);
    a.outage = outage;
    t.alert = a.id;
  }
}

void AlertEngine::Forget(const std::string& system, const std::string& target, int64_t now_ms) {
  ResolveTrack(AlertFingerprint(system, target), now_ms);
}

void AlertEngine::ForgetSystem(const std::string& system, int64_t now_ms) {
  std::vector<std::string> targets;
  for (const auto& [id, a] : alerts_) {
    if (a.system == system && a.state == "firing") targets.push_back(a.target);
  }
  for (const auto& t : targets) Forget(system, t, now_ms);
}

void AlertEngine::Event(const std::string& system, const std::string& target, const std::string& kind,
                        const std::string& detail, int64_t now_ms) {
  auto rule = rules_.events.find(kind);
  if (rule == rules_.events.end()) return;
  // "critical: <detail>" for a `critical` event, not "critical: critical: ...".
  bool kind_is_severity = kind == rule->second;
  // News of an incident already open on that target (an app whose recovery
  // gave up while its alert fires) is part of that incident, not a second
  // page: it updates the alert; its next notice (repeat, escalation) says it.
  if (auto tr = tracks_.find(AlertFingerprint(system, target));
      !target.empty() && tr != tracks_.end() && tr->second.alert) {
    if (auto it = alerts_.find(*tr->second.alert); it != alerts_.end() && it->second.state == "firing") {
      it->second.summary = (kind_is_severity ? "" : kind + ": ") + detail;
      Changed(it->second);
      return;
    }
  }
  Alert& a = Open(system, target.empty() ? system : target, rule->second,
                  kind_is_severity ? detail : kind + ": " + detail, now_ms);
  a.fingerprint = AlertFingerprint(system, a.target + "#" + kind);
  a.one_shot = true;
  Resolve(a, now_ms);
}

Status AlertEngine::Ack(int64_t id, const std::string& by, int64_t now_ms) {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) {
    for (const auto& r : recent_) {
      if (r.id == id) return Status::Error("alert " + std::to_string(id) + " is not firing (resolved)");
    }
    return Status::Error("no alert " + std::to_string(id) + " (firing, or resolved in the last hour)");
  }
  Alert& a = it->second;
  if (a.state != "firing") return Status::Error("alert " + std::to_string(id) + " is not firing (" + a.state + ")");
  a.acked_by = by;
  a.acked_ms = now_ms;
  Changed(a);
  return Status::Ok();
}

bool AlertEngine::Silenced(const Alert& a, int64_t now_ms) const {
  for (const auto& key : {a.target, a.system}) {
    auto it = silences_.find(key);
    if (it != silences_.end() && it->second > now_ms && Covers(key, a)) return true;
  }
  return false;
}

std::string AlertEngine::InhibitedBy(const Alert& a, const std::set<std::string>& firing_systems) const {
  // Breadth-first over the systems upstream of a.system.
  std::vector<std::string> todo;
  std::set<std::string> seen{a.system};
  if (auto it = deps_.find(a.system); it != deps_.end()) todo = it->second;
  for (size_t i = 0; i < todo.size() && i < 64; ++i) {
    const std::string up = todo[i];
    if (!seen.insert(up).second) continue;
    if (firing_systems.count(up)) return up;
    if (auto it = deps_.find(up); it != deps_.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  return "";
}

void AlertEngine::Queue(Alert& a, int64_t now_ms, int level) {
  if (a.state == "firing" || a.one_shot) {
    a.level = level;
    a.last_notified_ms = now_ms;
    ++a.notifications;
    last_notice_[a.fingerprint] = now_ms;
  }
  if (a.state == "resolved") a.resolved_notified = true;
  Changed(a);
  auto& group = groups_[a.system];
  if (a.state == "resolved" && !a.one_shot) {
    // Its firing notice still waits in the group (group_wait): nobody was
    // told it fired, so nobody is told it ended; neither goes out.
    auto queued = group.second.find(a.id);
    if (queued != group.second.end() && queued->second.state == "firing") {
      group.second.erase(queued);
      if (group.second.empty()) groups_.erase(a.system);
      return;
    }
  }
  if (group.second.empty()) group.first = now_ms;
  group.second[a.id] = a;
}

std::vector<Notification> AlertEngine::Tick(int64_t now_ms) {
  for (auto it = silences_.begin(); it != silences_.end();)
    it = it->second <= now_ms ? silences_.erase(it) : std::next(it);
  // Incidents whose target has been healthy for `settle` end now.
  for (auto it = settling_.begin(); it != settling_.end();) {
    auto tr = tracks_.find(*it);
    bool settled =
        tr == tracks_.end() || (tr->second.good_since > 0 && now_ms - tr->second.good_since >= rules_.settle.count());
    std::string fp = *it;
    ++it;
    if (settled) ResolveTrack(fp, now_ms);
  }
  // Systems with a firing alert, or failing on the way to one, for inhibition
  // (computed once per tick): a downstream alert that settled first is held
  // back all the same, whichever agent happened to report first.
  std::set<std::string> firing_systems;
  for (const auto& [id, a] : alerts_) {
    if (a.state == "firing") firing_systems.insert(a.system);
  }
  for (const auto& [fp, t] : tracks_) {
    if (t.good_since == 0 && t.failures > 0 && !t.system.empty()) firing_systems.insert(t.system);
  }
  std::map<std::string, std::string> inhibitor;  // system -> the upstream system holding its alerts back
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    Alert& a = it->second;
    std::string held;
    if (Silenced(a, now_ms)) {
      held = "silenced";
      if (a.state == "resolved") a.resolved_notified = true;  // a silenced end is not news either
    } else if (a.state == "firing") {
      // Per system, once per tick.
      auto cached = inhibitor.find(a.system);
      if (cached == inhibitor.end()) {
        std::string up =
            firing_systems.size() > 1 || !firing_systems.count(a.system) ? InhibitedBy(a, firing_systems) : "";
        cached = inhibitor.emplace(a.system, up).first;
      }
      const std::string& by = a.outage ? std::string() : cached->second;  // a site down is always news
      if (!by.empty()) {
        held = "inhibited by " + by;
      } else if (a.notifications == 0) {
        auto last = last_notice_.find(a.fingerprint);
        if (rules_.cooldown.count() > 0 && last != last_notice_.end() &&
            now_ms - last->second < rules_.cooldown.count()) {
          held = "cooldown";
        } else {
          Queue(a, now_ms, 1);
        }
      } else if (a.acked_ms == 0) {
        int level = 1;
        if (rules_.escalate_after.count() > 0) {
          level = static_cast<int>(std::min<int64_t>(3, 1 + (now_ms - a.starts_ms) / rules_.escalate_after.count()));
        }
        if (level > a.level || a.last_notified_ms == 0 ||
            (rules_.repeat_interval.count() > 0 && now_ms - a.last_notified_ms >= rules_.repeat_interval.count())) {
          Queue(a, now_ms, std::max(level, a.level));
        }
      }
    } else if (a.one_shot && a.notifications == 0) {
      Queue(a, now_ms, 1);
    } else if (!a.one_shot && a.notifications > 0 && !a.resolved_notified && rules_.send_resolved) {
      Queue(a, now_ms, a.level);
    }
    if (a.held != held) {
      a.held = held;
      Changed(a);
    }
    // An ended alert whose end needs no (more) notice leaves the live set.
    bool done =
        a.state == "resolved" && (a.one_shot ? a.notifications > 0 || !held.empty()
                                             : a.resolved_notified || a.notifications == 0 || !rules_.send_resolved);
    if (done) {
      if (changed_.erase(a.id)) moved_changed_.push_back(a);
      recent_.push_back(std::move(a));
      if (recent_.size() > kKeepResolved) recent_.pop_front();
      it = alerts_.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<Notification> out;
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto& [first, members] = it->second;
    if (now_ms - first < rules_.group_wait.count()) {
      ++it;
      continue;
    }
    Notification n;
    n.group = it->first;
    n.status = "resolved";
    for (auto& [id, a] : members) {
      if (a.state == "firing" || a.one_shot) n.status = "firing";
      n.level = std::max(n.level, a.level);
      n.alerts.push_back(std::move(a));
    }
    out.push_back(std::move(n));
    it = groups_.erase(it);
  }
  return out;
}

std::optional<int64_t> AlertEngine::NextDueMs(int64_t now_ms) const {
  if (!changed_.empty() || !moved_changed_.empty()) return now_ms;
  std::optional<int64_t> due;
  auto at = [&due](int64_t t) { due = due ? std::min(*due, t) : t; };
  for (const auto& [system, group] : groups_) at(group.first + rules_.group_wait.count());
  for (const auto& [id, a] : alerts_) {
    if (a.held == "cooldown") {
      if (auto last = last_notice_.find(a.fingerprint); last != last_notice_.end())
        at(last->second + rules_.cooldown.count());
    } else if (!a.held.empty()) {
      // Silenced (its end is below) or inhibited (ends with an event).
    } else if (a.state != "firing" || a.notifications == 0) {
      at(now_ms);
    } else if (a.acked_ms == 0) {
      if (rules_.repeat_interval.count() > 0) at(a.last_notified_ms + rules_.repeat_interval.count());
      if (rules_.escalate_after.count() > 0 && a.level < 3) at(a.starts_ms + rules_.escalate_after.count() * a.level);
    }
  }
  for (const auto& fp : settling_) {
    auto tr = tracks_.find(fp);
    if (tr == tracks_.end()) {
      at(now_ms);
    } else if (tr->second.good_since > 0) {  // else failing again: a report moves it on
      at(tr->second.good_since + rules_.settle.count());
    }
  }
  for (const auto& [target, until] : silences_) at(until);
  if (due) due = std::max(*due, now_ms);
  return due;
}

std::vector<Alert> AlertEngine::List(int64_t now_ms) const {
  std::vector<Alert> out;
  for (auto it = alerts_.rbegin(); it != alerts_.rend(); ++it) out.push_back(it->second);
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    if (now_ms - it->ends_ms <= kKeepResolvedMs) out.push_back(*it);
  }
  std::stable_sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) { return x.id > y.id; });
  return out;
}

size_t AlertEngine::FiringCount() const {
  size_t n = 0;
  for (const auto& [id, a] : alerts_) n += a.state == "firing";
  return n;
}

std::vector<Alert> AlertEngine::TakeChanged() {
  std::vector<Alert> out = std::move(moved_changed_);
  moved_changed_.clear();
  for (int64_t id : changed_) {
    if (auto it = alerts_.find(id); it != alerts_.end()) out.push_back(it->second);
  }
  changed_.clear();
  return out;
}

void AlertEngine::Load(const std::vector<Alert>& alerts, const std::map<std::string, int64_t>& silences,
                       int64_t next_id) {
  for (const auto& a : alerts) {
    if (a.state == "resolved" && (a.resolved_notified || a.one_shot || a.notifications == 0)) {
      recent_.push_back(a);
      next_id_ = std::max(next_id_, a.id + 1);
      continue;
    }
    alerts_[a.id] = a;
    if (a.state == "firing" && !a.one_shot) {
      Track& t = tracks_[a.fingerprint];
      t.alert = a.id;
      t.failures = std::max(1, rules_.threshold);
    }
    if (a.notifications > 0) last_notice_[a.fingerprint] = std::max(last_notice_[a.fingerprint], a.last_notified_ms);
    next_id_ = std::max(next_id_, a.id + 1);
  }
  next_id_ = std::max(next_id_, next_id);
  silences_ = silences;
}

}  // namespace redundancy
