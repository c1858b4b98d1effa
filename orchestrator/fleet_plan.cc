#include "orchestrator/fleet_plan.h"

#include <algorithm>

#include "common/file_util.h"
#include "common/json_text.h"

namespace redundancy::fleet {
namespace {

using nlohmann::json;

std::vector<std::string> List(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

bool Has(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// A rollout is in progress until its commit is the group's last good one or bad.
bool InProgress(const GroupView& v) {
  return v.rollout && !v.rollout->commit.empty() && v.rollout->commit != v.last_good && !v.bad.count(v.rollout->commit);
}

bool AllBaked(const RolloutRecord& r) {
  return std::all_of(r.canary.begin(), r.canary.end(), [&](const std::string& c) { return Has(r.baked, c); });
}

// Every live host runs `commit`, deployed through its pipeline.
bool EveryoneOn(const GroupView& v, const std::string& commit) {
  bool any = false;
  for (const auto& [name, h] : v.hosts) {
    if (!h.alive()) continue;
    if (h.commit != commit || h.deployed != commit) return false;
    any = true;
  }
  return any;
}

}  // namespace

std::string ToJson(const HostRecord& h) {
  return JsonText({{"state", h.state},
                   {"commit", h.commit},
                   {"upstream", h.upstream},
                   {"deployed", h.deployed},
                   {"deploying", h.deploying},
                   {"version", h.version},
                   {"detail", h.detail},
                   {"updated_ms", h.updated_ms}});
}

bool RequestOpen(const LocalState& local, const Memory& m) {
  return !m.requested.empty() && !m.request_failed &&
         (local.pipeline_running || local.pipeline_finished_ms < m.requested_ms);
}

HostRecord HostFromJson(const std::string& name, const std::string& text) {
  HostRecord h;
  h.name = name;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return h;
  h.state = JsonStr(j, "state");
  h.commit = JsonStr(j, "commit");
  h.upstream = JsonStr(j, "upstream");
  h.deployed = JsonStr(j, "deployed");
  h.deploying = JsonStr(j, "deploying");
  h.version = JsonStr(j, "version");
  h.detail = JsonStr(j, "detail");
  if (auto it = j.find("updated_ms"); it != j.end() && it->is_number_integer()) h.updated_ms = it->get<int64_t>();
  return h;
}

std::string ToJson(const RolloutRecord& r) {
  return JsonText(
      {{"commit", r.commit}, {"by", r.by}, {"canary", r.canary}, {"baked", r.baked}, {"started_ms", r.started_ms}});
}

std::optional<RolloutRecord> RolloutFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RolloutRecord r;
  r.commit = JsonStr(j, "commit");
  r.by = JsonStr(j, "by");
  r.canary = List(j, "canary");
  r.baked = List(j, "baked");
  if (auto it = j.find("started_ms"); it != j.end() && it->is_number_integer()) r.started_ms = it->get<int64_t>();
  if (r.commit.empty()) return std::nullopt;
  return r;
}

GroupView ParseView(const Keys& keys, const std::vector<EtcdKv>& kvs) {
  GroupView v;
  std::map<std::string, int64_t> alive;
  const std::string state = keys.State();
  for (const auto& kv : kvs) {
    if (kv.key.rfind(state, 0) != 0) continue;
    std::string rest = kv.key.substr(state.size());
    auto under = [&](const char* dir) -> std::optional<std::string> {
      std::string d = std::string(dir) + "/";
      if (rest.rfind(d, 0) != 0 || rest.size() == d.size()) return std::nullopt;
      return rest.substr(d.size());
    };
    if (auto n = under("hosts")) {
      if (!FleetConfig::ValidName(*n) || !json::parse(kv.value, nullptr, false).is_object()) {
        v.junk.push_back(kv.key);
        continue;
      }
      v.hosts[*n] = HostFromJson(*n, kv.value);
    } else if (auto a = under("alive")) {
      if (!FleetConfig::ValidName(*a)) {
        v.junk.push_back(kv.key);
        continue;
      }
      alive[*a] = kv.lease ? kv.lease : -1;
    } else if (auto b = under("bad")) {
      v.bad[*b] = kv.value.substr(0, 1000);
    } else if (auto l = under("locks")) {
      int slot = std::atoi(l->c_str());
      v.locks[slot] = kv.value;
      v.lock_leases[slot] = kv.lease;
    } else if (auto lost = under("lost")) {
      v.lost.insert(*lost);
    } else if (rest == "rollout") {
      v.rollout = RolloutFromJson(kv.value);
      v.rollout_mod = kv.mod_revision;
    } else if (rest == "last_good") {
      v.last_good = kv.value;
      v.last_good_mod = kv.mod_revision;
    } else if (rest == "leader") {
      v.leader = kv.value;
      v.leader_lease = kv.lease;
    }
  }
  for (const auto& [name, lease] : alive) {
    auto& h = v.hosts[name];
    h.name = name;
    h.lease = lease;
  }
  return v;
}

std::string HostState(const HostRecord& h) {
  if (h.alive()) return h.state.empty() ? "ok" : h.state;
  return h.state == "stopped" ? "stopped" : "lost";
}

std::vector<Action> Plan(const Settings& s, const GroupView& v, const LocalState& local, const Memory& m,
                         int64_t now_ms) {
  using K = Action::Kind;
  std::vector<Action> out;

  // Keys that only a live host may hold, held by nobody alive (put by hand,
  // without a lease): they would block everyone for ever.
  auto live = [&](const std::string& name, int64_t lease) {
    auto it = v.hosts.find(name);
    return lease != 0 && it != v.hosts.end() && it->second.alive();
  };
  if (!v.leader.empty() && !live(v.leader, v.leader_lease)) out.push_back({.kind = K::kBreakLeader, .host = v.leader});
  for (const auto& [slot, host] : v.locks) {
    auto lease = v.lock_leases.find(slot);
    if (!live(host, lease == v.lock_leases.end() ? 0 : lease->second))
      out.push_back({.kind = K::kBreakLock, .host = host, .slot = slot});
  }

  // The fleet's alerting duties: one host holds them.
  if (v.leader.empty()) out.push_back({K::kLead});
  if (v.leader == s.me) {
    for (const auto& [name, h] : v.hosts) {
      if (name != s.me && HostState(h) == "lost" && !v.lost.count(name))
        out.push_back({.kind = K::kAlertLost, .host = name});
    }
    for (const auto& name : v.lost) {
      auto it = v.hosts.find(name);
      if (it == v.hosts.end() || HostState(it->second) != "lost") out.push_back({.kind = K::kClearLost, .host = name});
    }
  }

  // A commit that failed here is bad for the whole group.
  if (!local.pipeline_running && !local.pipeline_revision.empty() &&
      (local.pipeline_result == "failed" || local.pipeline_result == "rolled_back") &&
      !v.bad.count(local.pipeline_revision) && !m.marked.count(local.pipeline_revision) &&
      local.pipeline_revision != v.last_good) {
    out.push_back({.kind = K::kMarkBad,
                   .commit = local.pipeline_revision,
                   .reason = "failed on " + s.me + ": " + local.pipeline_detail});
  }

  // A deploy git refuses for good (a conflict, a commit the remote no longer has) fails the commit.
  if (m.request_failed && m.request_permanent && !m.requested.empty() && !v.bad.count(m.requested) &&
      !m.marked.count(m.requested))
    out.push_back({.kind = K::kMarkBad,
                   .commit = m.requested,
                   .reason = "failed on " + s.me + ": git could not take it: " + m.request_error});

  // A bad commit in place goes back (this host's own pipeline may have done it already).
  if (!local.commit.empty() && v.bad.count(local.commit) && !local.pipeline_running && m.rolled_back != local.commit)
    out.push_back({.kind = K::kRollBack, .commit = local.commit, .reason = v.bad.at(local.commit)});

  bool in_progress = InProgress(v);
  // A canary's bake: healthy for `bake` once it runs the commit, else the commit is bad.
  if (in_progress && Has(v.rollout->canary, s.me) && !Has(v.rollout->baked, s.me) &&
      local.deployed == v.rollout->commit && local.commit == v.rollout->commit && !local.pipeline_running) {
    const std::string& c = v.rollout->commit;
    if (local.state == "failed") {
      if (!m.marked.count(c))
        out.push_back({.kind = K::kMarkBad,
                       .commit = c,
                       .reason = "canary " + s.me + " failed during the bake: " + local.detail});
    } else {
      int64_t since = std::max(m.deployed_since_ms, local.healthy_since_ms);
      if (local.healthy_since_ms > 0 && now_ms - since >= s.bake.count())
        out.push_back({.kind = K::kBaked, .commit = c});
    }
  }

  // A new commit at the remote starts a rollout (one at a time).
  const std::string& up = local.upstream;
  if (!in_progress && !up.empty() && up != local.commit && up != v.last_good && !v.bad.count(up) &&
      !(v.rollout && v.rollout->commit == up)) {
    std::vector<std::string> live;
    for (const auto& [name, h] : v.hosts)
      if (h.alive() && h.state != "stopped") live.push_back(name);
    if (!Has(live, s.me)) live.push_back(s.me);
    std::sort(live.begin(), live.end());
    live.resize(std::min<size_t>(live.size(), static_cast<size_t>(std::max(1, s.canary))));
    out.push_back({.kind = K::kStartRollout, .commit = up, .canary = live});
  }

  // What this host should run: the rollout's commit, or (none in progress) the last good one.
  std::string target = in_progress                                         ? v.rollout->commit
                       : !v.last_good.empty() && !v.bad.count(v.last_good) ? v.last_good
                                                                           : "";
  int held = -1;
  for (const auto& [slot, host] : v.locks)
    if (host == s.me) held = slot;
  bool asked = !m.requested.empty() && m.requested == target &&
               !(m.request_failed && !m.request_permanent && now_ms - m.requested_ms >= s.retry.count());
  bool request_open = RequestOpen(local, m);
  // (A host on the target whose pipeline has not passed it yet adopts or
  // resumes it on its own; one with a bad commit in place rolls back first;
  // one whose pipeline just failed the target marks it bad instead.)
  bool failed_here = local.pipeline_revision == target &&
                     (local.pipeline_result == "failed" || local.pipeline_result == "rolled_back");
  if (!target.empty() && local.commit != target && !local.pipeline_running && !asked && held < 0 &&
      !local.commit.empty() && !v.bad.count(local.commit) && !failed_here && !m.marked.count(target)) {
    bool allowed = !in_progress || Has(v.rollout->canary, s.me) || AllBaked(*v.rollout);
    if (allowed) out.push_back({.kind = K::kTakeLock, .commit = target});
  }
  if (held >= 0 && !request_open && !local.pipeline_running) out.push_back({.kind = K::kReleaseLock});

  // Everyone on the rollout's commit (or, before any rollout, on the same one): the group's last good.
  std::string good = v.rollout && !v.bad.count(v.rollout->commit) ? v.rollout->commit
                     : !v.rollout && v.last_good.empty()          ? local.deployed
                                                                  : "";
  if (!good.empty() && good != v.last_good && EveryoneOn(v, good))
    out.push_back({.kind = K::kSetLastGood, .commit = good});
  return out;
}

Phase RolloutPhase(const GroupView& v) {
  if (!v.rollout) return {"idle", v.last_good.empty() ? "no rollout yet" : "on " + ShortCommit(v.last_good)};
  const RolloutRecord& r = v.rollout.value();
  std::string c = ShortCommit(r.commit);
  if (v.bad.count(r.commit)) return {"aborted", c + " is bad: " + v.bad.at(r.commit)};
  if (r.commit == v.last_good) return {"done", c + " runs on every host"};
  std::vector<std::string> waiting;
  for (const auto& n : r.canary)
    if (!Has(r.baked, n)) waiting.push_back(n);
  if (!waiting.empty()) {
    bool deployed = false;
    for (const auto& n : waiting) {
      auto it = v.hosts.find(n);
      if (it != v.hosts.end() && it->second.deployed == r.commit) deployed = true;
    }
    std::string names;
    for (const auto& n : waiting) names += (names.empty() ? "" : ", ") + n;
    return deployed ? Phase{"baking", "canary " + names + " bakes " + c}
                    : Phase{"canary", "canary " + names + " deploys " + c};
  }
  std::vector<std::string> left;
  for (const auto& [name, h] : v.hosts)
    if (h.alive() && h.deployed != r.commit) left.push_back(name);
  std::string names;
  for (const auto& n : left) names += (names.empty() ? "" : ", ") + n;
  return {"rolling", c + " rolls out; left: " + (names.empty() ? "none" : names)};
}

}  // namespace redundancy::fleet
