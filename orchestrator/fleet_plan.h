// The fleet's decisions, as pure logic: given what etcd holds for the group
// (GroupView) and what this host knows of itself (LocalState), what to do
// next (Plan). The coordinator (fleet.h) carries the actions out; etcd's
// transactions make each one safe when hosts race for it.
//
// The rollout of a new commit C, seen first by any host's git fetch:
//   1. that host starts the rollout: C and its canaries (the first
//      `canary` live hosts by name), unless one is in progress;
//   2. each canary takes a deploy lock (one of `max_parallel` lease-bound
//      slots) and deploys C (the pipeline as on a single host), then stays
//      healthy for `bake` and says so (baked);
//   3. once every canary baked, the other hosts deploy C, each holding a lock;
//   4. when every live host runs C, C is the group's last good commit.
// A commit that fails anywhere (its pipeline failed or rolled back, or a
// canary failed during its bake) is marked bad: nobody deploys it again and a
// host that has it rolls back. One host, the leader (an etcd election),
// raises the alert for a lost host.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/duration.h"
#include "common/etcd_client.h"

namespace redundancy::fleet {

// Where a group lives in etcd.
struct Keys {
  explicit Keys(const std::string& group) : base("/redundancy/" + group + "/") {}
  std::string base;
  std::string State() const { return base + "s/"; }  // what Plan reads
  std::string Host(const std::string& n) const { return State() + "hosts/" + n; }
  std::string Alive(const std::string& n) const { return State() + "alive/" + n; }
  std::string Bad(const std::string& commit) const { return State() + "bad/" + commit; }
  std::string Rollout() const { return State() + "rollout"; }
  std::string Lock(int slot) const { return State() + "locks/" + std::to_string(slot); }
  std::string LastGood() const { return State() + "last_good"; }
  std::string Leader() const { return State() + "leader"; }
  std::string Lost(const std::string& n) const { return State() + "lost/" + n; }
  std::string History() const { return base + "history/"; }
};

// hosts/<name>: what a host publishes about itself.
struct HostRecord {
  std::string name, state, commit, upstream, deployed, deploying, version, detail;
  int64_t updated_ms = 0;
  int64_t lease = 0;  // its alive key's lease, from the store (0: not alive)
  bool alive() const { return lease != 0; }
  bool operator==(const HostRecord&) const = default;
};
std::string ToJson(const HostRecord& h);
HostRecord HostFromJson(const std::string& name, const std::string& text);

struct RolloutRecord {
  std::string commit, by;
  std::vector<std::string> canary, baked;
  int64_t started_ms = 0;
};
std::string ToJson(const RolloutRecord& r);
std::optional<RolloutRecord> RolloutFromJson(const std::string& text);

// Everything under Keys::State(), parsed.
struct GroupView {
  std::map<std::string, HostRecord> hosts;
  std::map<std::string, std::string> bad;  // commit -> why
  std::optional<RolloutRecord> rollout;
  int64_t rollout_mod = 0;             // its mod revision, for compare-and-swap
  std::map<int, std::string> locks;    // slot -> host
  std::map<int, int64_t> lock_leases;  // slot -> its lease (0: none, a key put by hand)
  std::string last_good;
  int64_t last_good_mod = 0;
  std::string leader;
  int64_t leader_lease = 0;
  std::vector<std::string> junk;  // keys that are not what they should be (ignored)
  std::set<std::string> lost;     // hosts already alerted as lost
  int64_t revision = 0;
};
GroupView ParseView(const Keys& keys, const std::vector<EtcdKv>& kvs);

// What this host knows of itself (the daemon's view).
struct LocalState {
  std::string state = "ok";  // ok | degraded | failed: the worst of its systems
  std::string detail;        // its systems that are not ok
  std::string commit;        // git's HEAD
  std::string upstream;      // the newest commit of its remote branch
  std::string deployed;      // the pipeline's last good commit
  bool pipeline_running = false;
  std::string pipeline_revision, pipeline_result, pipeline_detail;  // its last run
  int64_t pipeline_finished_ms = 0;
  int64_t healthy_since_ms = 0;  // not failed since (wall ms); 0 while failed
};

// What this host asked for, kept by the coordinator between plans.
struct Memory {
  std::string requested;  // the commit it asked git to deploy (holding a lock)
  int64_t requested_ms = 0;
  bool request_failed = false;     // git could not take it (the remote unreachable...)
  bool request_permanent = false;  // ... and never will (a conflict, a commit the remote no longer has)
  std::string request_error;
  std::string rolled_back;        // the bad commit it asked to roll back
  std::set<std::string> marked;   // commits it marked bad
  std::string deployed_seen;      // `deployed` as last seen, and since when:
  int64_t deployed_since_ms = 0;  // the bake counts from there
};

// This host asked git for a commit and the pipeline run it started has not
// ended yet (it holds its lock meanwhile).
bool RequestOpen(const LocalState& local, const Memory& m);

struct Settings {
  std::string me;
  int canary = 1;
  int max_parallel = 1;
  Millis bake{60'000};
  Millis retry{30'000};  // a deploy git could not take is asked again after this
};

struct Action {
  enum class Kind {
    kLead,          // take the leader key
    kAlertLost,     // host: lost (leader)
    kClearLost,     // host: back or stopped (leader)
    kMarkBad,       // commit, reason
    kRollBack,      // commit: the bad one in place; reason
    kBaked,         // commit: this canary stayed healthy for the bake
    kStartRollout,  // commit, canary
    kTakeLock,      // commit: then deploy it
    kReleaseLock,
    kSetLastGood,  // commit
    kBreakLeader,  // host: a leader key nobody alive holds (put by hand, or without a lease)
    kBreakLock,    // host, slot: the same for a deploy lock
  };
  Kind kind;
  std::string commit, host, reason;
  std::vector<std::string> canary;
  int slot = 0;
};

std::vector<Action> Plan(const Settings& s, const GroupView& v, const LocalState& local, const Memory& m,
                         int64_t now_ms);

// The rollout's state for status: idle | canary | baking | rolling | done | aborted,
// and one line on what it waits for.
struct Phase {
  std::string state, detail;
};
Phase RolloutPhase(const GroupView& v);

// A host's state as the fleet view shows it: its own, or lost / stopped.
std::string HostState(const HostRecord& h);

}  // namespace redundancy::fleet
