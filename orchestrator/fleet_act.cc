// The coordinator's turn (orchestrator/fleet.h): read the group, publish
// this host, plan, carry the plan out through etcd's transactions, and show
// the result (the snapshot). On the coordinator's thread only.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/event_kinds.h"
#include "common/file_util.h"
#include "orchestrator/fleet.h"

namespace redundancy {
namespace {

using Clock = std::chrono::steady_clock;
using K = fleet::Action::Kind;
using Target = EtcdCompare::Target;

}  // namespace

fleet::HostRecord FleetCoordinator::MyRecord(const fleet::LocalState& local) const {
  fleet::HostRecord h;
  h.name = config_.name;
  h.state = local.state;
  h.detail = local.detail;
  h.commit = local.commit;
  h.upstream = local.upstream;
  h.deployed = local.deployed;
  h.version = version_;
  if (fleet::RequestOpen(local, memory_)) h.deploying = memory_.requested;
  return h;
}

void FleetCoordinator::Refresh() {
  auto r = etcd_->Get(keys_.State(), true);
  if (!r.ok()) {
    EtcdDown(r.error());
    return;
  }
  EtcdUp();
  fleet::GroupView v = fleet::ParseView(keys_, r->kvs);
  fleet::LocalState local;
  std::vector<DeployResult> results;
  fleet::Settings settings;
  int max_parallel;
  {
    std::lock_guard lock(mu_);
    local = local_;
    results.swap(deploy_results_);
    settings = settings_;
    max_parallel = config_.max_parallel;
  }
  for (const auto& d : results) {
    if (d.commit != memory_.requested || d.ok) continue;
    memory_.request_failed = true;
    // Only an unreachable remote (or agent) is worth asking again.
    memory_.request_permanent = d.message.find("(remote_unreachable)") == std::string::npos &&
                                d.message.find("not connected") == std::string::npos &&
                                d.message.find("(git_busy)") == std::string::npos;
    memory_.request_error = d.message;
    Record(events::kFleetDeployFailed,
           config_.name + " could not take " + ShortCommit(d.commit) + ": " + d.message +
               (memory_.request_permanent ? "" : "; asked again in " + FormatDuration(settings_.retry)),
           true);
  }
  if (local.deployed != memory_.deployed_seen) {
    memory_.deployed_seen = local.deployed;
    memory_.deployed_since_ms = NowMs();
  }
  // This host as the others see it.
  fleet::HostRecord me = MyRecord(local);
  fleet::HostRecord was = published_;
  was.updated_ms = 0;
  if (!(me == was)) {
    me.updated_ms = NowMs();
    if (etcd_->Put(keys_.Host(config_.name), fleet::ToJson(me)).ok()) {
      published_ = me;
      published_.updated_ms = 0;
      published_ms_ = me.updated_ms;
    }
  }
  me.updated_ms = published_ms_;
  for (const auto& key : v.junk) {
    if (junk_seen_.insert(key).second)
      spdlog::warn("fleet: ignoring {} (not a host name, or not a JSON object)", key.substr(0, 200));
  }
  // A lost host's alert ends on every host, whoever raised it (leaders change).
  for (const auto& name : lost_seen_) {
    if (!v.lost.count(name))
      Emit({.kind = FleetEvent::Kind::kHostBack, .host = name, .detail = "host " + name + " is no longer lost"});
  }
  lost_seen_ = v.lost;
  int64_t my_lease = v.hosts[config_.name].lease;
  if (my_lease != lease_) etcd_->Put(keys_.Alive(config_.name), std::to_string(NowMs()), lease_);  // put back
  me.lease = lease_;
  v.hosts[config_.name] = me;

  for (const auto& a : fleet::Plan(settings, v, local, memory_, NowMs())) Act(a, v, max_parallel);
  Publish(v);
  // Timers of the plan: a canary's bake, a deploy to ask again.
  bool timed =
      (v.rollout && v.rollout->commit != v.last_good && !v.bad.count(v.rollout->commit)) || memory_.request_failed;
  std::lock_guard lock(mu_);
  replan_at_ = timed ? std::optional(Clock::now() + Millis(1'000)) : std::nullopt;
}

void FleetCoordinator::Act(const fleet::Action& a, const fleet::GroupView& v, int max_parallel) {
  const std::string& me = config_.name;
  switch (a.kind) {
    case K::kLead: {
      auto won = etcd_->Txn({{.key = keys_.Leader(), .target = Target::kCreate, .revision = 0}},
                            {{.key = keys_.Leader(), .value = me, .lease = lease_}});
      if (won.ok() && *won) Record(events::kFleetLeader, me + " takes the fleet's alerting duties");
      break;
    }
    case K::kAlertLost: {
      const fleet::HostRecord& h = v.hosts.at(a.host);
      std::string detail = "host " + a.host + " is lost: its lease expired (last said " +
                           (h.state.empty() ? "nothing" : h.state) +
                           (h.commit.empty() ? "" : " on " + ShortCommit(h.commit)) + ")";
      auto ok = etcd_->Txn({{.key = keys_.Leader(), .target = Target::kValue, .value = me}},
                           {{.key = keys_.Lost(a.host), .value = std::to_string(NowMs())}});
      if (!ok.ok() || !*ok) break;
      Emit({.kind = FleetEvent::Kind::kHostLost, .host = a.host, .detail = detail});
      Record(events::kFleetHostLost, detail, true);
      break;
    }
    case K::kClearLost: {
      auto it = v.hosts.find(a.host);
      std::string how = it == v.hosts.end()                         ? "left the group"
                        : fleet::HostState(it->second) == "stopped" ? "was stopped on purpose"
                                                                    : "is back";
      auto ok = etcd_->Txn({{.key = keys_.Leader(), .target = Target::kValue, .value = me}},
                           {{.kind = EtcdOp::Kind::kDelete, .key = keys_.Lost(a.host)}});
      if (!ok.ok() || !*ok) break;
      Emit({.kind = FleetEvent::Kind::kHostBack, .host = a.host, .detail = "host " + a.host + " " + how});
      Record(events::kFleetHostBack, "host " + a.host + " " + how);
      break;
    }
    case K::kMarkBad: {
      if (etcd_->Put(keys_.Bad(a.commit), a.reason).ok()) {
        memory_.marked.insert(a.commit);
        Record(events::kFleetBadCommit, ShortCommit(a.commit) + " is bad for " + config_.group + ": " + a.reason, true);
      }
      break;
    }
    case K::kRollBack:
      memory_.rolled_back = a.commit;
      Emit({.kind = FleetEvent::Kind::kRollBack, .commit = a.commit, .detail = a.reason});
      Record(events::kFleetRollBack, me + " rolls back " + ShortCommit(a.commit) + " (" + a.reason + ")");
      break;
    case K::kBaked: {
      fleet::RolloutRecord r = *v.rollout;
      r.baked.push_back(me);
      // Its history entry in the same transaction: no host can be seen
      // deploying after the bake before the bake itself is on record.
      std::string detail = "canary " + me + " ran " + ShortCommit(a.commit) + " healthy for its bake";
      auto ok =
          etcd_->Txn({{.key = keys_.Rollout(), .target = Target::kMod, .revision = v.rollout_mod}},
                     {{.key = keys_.Rollout(), .value = fleet::ToJson(r)}, HistoryEntry(events::kFleetBaked, detail)});
      if (ok.ok() && *ok) Record(events::kFleetBaked, detail, false, /*written=*/true);
      break;
    }
    case K::kStartRollout: {
      fleet::RolloutRecord r{.commit = a.commit, .by = me, .canary = a.canary, .started_ms = NowMs()};
      auto ok = etcd_->Txn({{.key = keys_.Rollout(), .target = Target::kMod, .revision = v.rollout_mod}},
                           {{.key = keys_.Rollout(), .value = fleet::ToJson(r)}});
      std::string canary;
      for (const auto& c : a.canary) canary += (canary.empty() ? "" : ", ") + c;
      if (ok.ok() && *ok)
        Record(events::kFleetRollout,
               "rollout of " + ShortCommit(a.commit) + " (seen by " + me + "); canary: " + canary);
      break;
    }
    case K::kTakeLock:
      for (int slot = 0; slot < std::max(1, max_parallel); ++slot) {
        if (v.locks.count(slot)) continue;
        auto ok = etcd_->Txn({{.key = keys_.Lock(slot), .target = Target::kCreate, .revision = 0}},
                             {{.key = keys_.Lock(slot), .value = me, .lease = lease_}});
        if (!ok.ok() || !*ok) continue;
        memory_.requested = a.commit;
        memory_.requested_ms = NowMs();
        memory_.request_failed = memory_.request_permanent = false;
        Record(events::kFleetDeploy, me + " deploys " + ShortCommit(a.commit) + " (lock " + std::to_string(slot) + ")");
        Emit({.kind = FleetEvent::Kind::kDeploy, .commit = a.commit});
        break;
      }
      break;
    case K::kReleaseLock:
      for (const auto& [slot, host] : v.locks) {
        if (host != me) continue;
        etcd_->Txn({{.key = keys_.Lock(slot), .target = Target::kValue, .value = me}},
                   {{.kind = EtcdOp::Kind::kDelete, .key = keys_.Lock(slot)}});
      }
      break;
    case K::kBreakLeader: {
      auto ok = etcd_->Txn({{.key = keys_.Leader(), .target = Target::kValue, .value = a.host}},
                           {{.kind = EtcdOp::Kind::kDelete, .key = keys_.Leader()}});
      if (ok.ok() && *ok)
        Record(events::kFleetLeader, "the leader key named " + a.host + ", who is not alive (no lease): removed", true);
      break;
    }
    case K::kBreakLock: {
      auto ok = etcd_->Txn({{.key = keys_.Lock(a.slot), .target = Target::kValue, .value = a.host}},
                           {{.kind = EtcdOp::Kind::kDelete, .key = keys_.Lock(a.slot)}});
      if (ok.ok() && *ok)
        Record(
            events::kFleetDeploy,
            "deploy lock " + std::to_string(a.slot) + " held by " + a.host + ", who is not alive (no lease): removed",
            true);
      break;
    }
    case K::kSetLastGood: {
      auto ok = etcd_->Txn({{.key = keys_.LastGood(), .target = Target::kMod, .revision = v.last_good_mod}},
                           {{.key = keys_.LastGood(), .value = a.commit}});
      if (ok.ok() && *ok)
        Record(events::kFleetLastGood, ShortCommit(a.commit) + " runs on every host of " + config_.group);
      break;
    }
  }
}

void FleetCoordinator::Publish(const fleet::GroupView& v) {
  fleet::Phase phase = fleet::RolloutPhase(v);
  std::unique_lock lock(mu_);
  std::string before = snapshot_.SerializeAsString();
  auto& s = snapshot_;
  s.clear_hosts();
  for (const auto& [name, h] : v.hosts) {
    auto* out = s.add_hosts();
    out->set_name(name);
    out->set_state(fleet::HostState(h));
    out->set_commit(h.commit);
    out->set_upstream(h.upstream);
    out->set_deployed(h.deployed);
    out->set_deploying(h.deploying);
    out->set_version(h.version);
    out->set_updated_ms(h.updated_ms);
    out->set_lease(h.lease > 0 ? h.lease : 0);
    out->set_leader(name == v.leader);
    out->set_detail(h.detail);
  }
  s.set_rollout_state(phase.state);
  s.set_detail(phase.detail);
  s.set_rollout_commit(v.rollout ? v.rollout->commit : "");
  s.clear_canary();
  s.clear_baked();
  if (v.rollout) {
    for (const auto& c : v.rollout->canary) s.add_canary(c);
    for (const auto& c : v.rollout->baked) s.add_baked(c);
  }
  s.clear_locks();
  for (const auto& [slot, host] : v.locks) s.add_locks(host);
  s.set_last_good(v.last_good);
  s.clear_bad();
  for (const auto& [commit, why] : v.bad) s.add_bad(ShortCommit(commit) + " " + why);
  s.set_leader(v.leader);
  bool changed = s.SerializeAsString() != before;
  lock.unlock();
  if (changed) Wake();  // the status page shows the fleet: it is published again
}

}  // namespace redundancy
