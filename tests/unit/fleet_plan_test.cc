// The fleet's decisions (orchestrator/fleet_plan.h), host by host, without etcd.
#include "orchestrator/fleet_plan.h"

#include <gtest/gtest.h>

namespace redundancy::fleet {
namespace {

using K = Action::Kind;

constexpr const char* kA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr const char* kC = "cccccccccccccccccccccccccccccccccccccccc";

HostRecord Host(const std::string& name, const std::string& commit, int64_t lease = 1) {
  HostRecord h;
  h.name = name;
  h.state = "ok";
  h.commit = h.deployed = h.upstream = commit;
  h.lease = lease;
  return h;
}

// Three live hosts on A, A the group's last good, web-1 leading.
GroupView Steady() {
  GroupView v;
  for (const char* n : {"web-1", "web-2", "web-3"}) v.hosts[n] = Host(n, kA);
  v.last_good = kA;
  v.leader = "web-1";
  v.leader_lease = 1;
  return v;
}

LocalState On(const std::string& commit, const std::string& upstream) {
  LocalState l;
  l.commit = l.deployed = commit;
  l.upstream = upstream;
  l.healthy_since_ms = 1;
  return l;
}

Settings Me(const std::string& name) {
  Settings s;
  s.me = name;
  s.bake = Millis(60'000);
  return s;
}

std::vector<K> Kinds(const std::vector<Action>& actions) {
  std::vector<K> out;
  for (const auto& a : actions) out.push_back(a.kind);
  return out;
}

bool Has(const std::vector<Action>& actions, K kind) {
  for (const auto& a : actions)
    if (a.kind == kind) return true;
  return false;
}

TEST(FleetPlanTest, NothingToDoWhenEveryoneRunsTheLastGoodCommit) {
  EXPECT_TRUE(Plan(Me("web-2"), Steady(), On(kA, kA), {}, 1000).empty());
}

TEST(FleetPlanTest, ANewCommitAtTheRemoteStartsARolloutWithTheFirstHostsByNameAsCanary) {
  auto actions = Plan(Me("web-3"), Steady(), On(kA, kB), {}, 1000);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, K::kStartRollout);
  EXPECT_EQ(actions[0].commit, kB);
  EXPECT_EQ(actions[0].canary, std::vector<std::string>{"web-1"});
  Settings two = Me("web-3");
  two.canary = 2;
  EXPECT_EQ(Plan(two, Steady(), On(kA, kB), {}, 1000)[0].canary, (std::vector<std::string>{"web-1", "web-2"}));
}

TEST(FleetPlanTest, LostHostsAreNotCanaries) {
  GroupView v = Steady();
  v.hosts["web-1"].lease = 0;  // lost
  v.leader = "web-2";
  auto actions = Plan(Me("web-3"), v, On(kA, kB), {}, 1000);
  ASSERT_TRUE(Has(actions, K::kStartRollout));
  for (const auto& a : actions) {
    if (a.kind == K::kStartRollout) EXPECT_EQ(a.canary, std::vector<std::string>{"web-2"});
  }
}

TEST(FleetPlanTest, TheCanaryTakesALockOthersWaitForItsBake) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}};
  auto canary = Plan(Me("web-1"), v, On(kA, kB), {}, 1000);
  ASSERT_EQ(Kinds(canary), std::vector<K>{K::kTakeLock});
  EXPECT_EQ(canary[0].commit, kB);
  EXPECT_TRUE(Plan(Me("web-2"), v, On(kA, kB), {}, 1000).empty()) << "not before the canary baked";
  v.rollout->baked = {"web-1"};
  EXPECT_EQ(Kinds(Plan(Me("web-2"), v, On(kA, kB), {}, 1000)), std::vector<K>{K::kTakeLock});
}

TEST(FleetPlanTest, AHostAskedToDeployHoldsItsLockUntilItsPipelineFinished) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}, .baked = {"web-1"}};
  v.locks[0] = "web-2";
  v.lock_leases[0] = 1;
  Memory m;
  m.requested = kB;
  m.requested_ms = 5000;
  LocalState l = On(kA, kB);
  l.pipeline_finished_ms = 1000;  // the last run is older than the request
  EXPECT_TRUE(Plan(Me("web-2"), v, l, m, 6000).empty()) << "git has not taken it yet";
  l.pipeline_running = true;
  EXPECT_TRUE(Plan(Me("web-2"), v, l, m, 7000).empty());
  l = On(kB, kB);
  l.pipeline_finished_ms = 8000;
  l.pipeline_revision = kB;
  l.pipeline_result = "deployed";
  EXPECT_EQ(Kinds(Plan(Me("web-2"), v, l, m, 9000)), std::vector<K>{K::kReleaseLock});
  // git could not take it: the lock goes, and it is asked again after `retry`.
  l = On(kA, kB);
  m.request_failed = true;
  EXPECT_EQ(Kinds(Plan(Me("web-2"), v, l, m, 6000)), std::vector<K>{K::kReleaseLock});
  v.locks.clear();
  EXPECT_TRUE(Plan(Me("web-2"), v, l, m, 6000).empty());
  EXPECT_EQ(Kinds(Plan(Me("web-2"), v, l, m, 5000 + 30'000)), std::vector<K>{K::kTakeLock});
}

TEST(FleetPlanTest, TheCanaryBakesForTheWholeBakeAndFailsTheCommitIfItFailsMeanwhile) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}};
  Memory m;
  m.deployed_seen = kB;
  m.deployed_since_ms = 10'000;
  LocalState l = On(kB, kB);
  l.healthy_since_ms = 10'000;
  EXPECT_TRUE(Plan(Me("web-1"), v, l, m, 69'999).empty());
  EXPECT_EQ(Kinds(Plan(Me("web-1"), v, l, m, 70'000)), std::vector<K>{K::kBaked});
  l.state = "failed";
  l.detail = "pm2 failed";
  l.healthy_since_ms = 0;
  auto bad = Plan(Me("web-1"), v, l, m, 30'000);
  ASSERT_EQ(Kinds(bad), std::vector<K>{K::kMarkBad});
  EXPECT_EQ(bad[0].commit, kB);
  EXPECT_NE(bad[0].reason.find("during the bake: pm2 failed"), std::string::npos) << bad[0].reason;
}

TEST(FleetPlanTest, ACommitThatFailedHereIsMarkedBadOnce) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}};
  LocalState l = On(kA, kB);
  l.pipeline_revision = kB;
  l.pipeline_result = "rolled_back";
  l.pipeline_detail = "build failed";
  auto actions = Plan(Me("web-1"), v, l, {}, 1000);
  ASSERT_TRUE(Has(actions, K::kMarkBad));
  EXPECT_FALSE(Has(actions, K::kTakeLock)) << "not again";
  Memory m;
  m.marked.insert(kB);
  EXPECT_FALSE(Has(Plan(Me("web-1"), v, l, m, 1000), K::kMarkBad));
  v.bad[kB] = "failed on web-1: build failed";
  EXPECT_TRUE(Plan(Me("web-1"), v, l, {}, 1000).empty()) << "already known";
}

TEST(FleetPlanTest, ABadCommitInPlaceRollsBackAndIsNeverDeployedOrRolledOutAgain) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}, .baked = {"web-1"}};
  v.bad[kB] = "failed on web-2";
  auto actions = Plan(Me("web-1"), v, On(kB, kB), {}, 1000);
  ASSERT_EQ(Kinds(actions), std::vector<K>{K::kRollBack});
  EXPECT_EQ(actions[0].commit, kB);
  Memory m;
  m.rolled_back = kB;
  EXPECT_TRUE(Plan(Me("web-1"), v, On(kB, kB), m, 1000).empty()) << "asked once";
  EXPECT_TRUE(Plan(Me("web-3"), v, On(kA, kB), {}, 1000).empty()) << "web-3 never takes it";
  // A newer commit starts the next rollout.
  EXPECT_EQ(Kinds(Plan(Me("web-3"), v, On(kA, kC), {}, 1000)), std::vector<K>{K::kStartRollout});
}

TEST(FleetPlanTest, OneRolloutAtATime) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}};
  EXPECT_FALSE(Has(Plan(Me("web-3"), v, On(kA, kC), {}, 1000), K::kStartRollout));
}

TEST(FleetPlanTest, WhenEveryLiveHostRunsTheCommitItIsTheGroupsLastGood) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}, .baked = {"web-1"}};
  v.hosts["web-1"] = Host("web-1", kB);
  v.hosts["web-2"] = Host("web-2", kB);
  v.hosts["web-3"] = Host("web-3", kA, /*lease=*/0);  // lost: not waited for
  auto actions = Plan(Me("web-2"), v, On(kB, kB), {}, 1000);
  ASSERT_TRUE(Has(actions, K::kSetLastGood));
  v.hosts["web-3"].lease = 1;
  EXPECT_FALSE(Has(Plan(Me("web-2"), v, On(kB, kB), {}, 1000), K::kSetLastGood));
}

TEST(FleetPlanTest, AHostBehindTheGroupsLastGoodCatchesUp) {
  GroupView v = Steady();
  v.hosts["web-3"] = Host("web-3", kC);
  EXPECT_EQ(Kinds(Plan(Me("web-3"), v, On(kC, kA), {}, 1000)), std::vector<K>{K::kTakeLock});
}

TEST(FleetPlanTest, OnlyTheLeaderAlertsForALostHostAndClearsItWhenItIsBack) {
  GroupView v = Steady();
  v.hosts["web-3"].lease = 0;
  EXPECT_EQ(Kinds(Plan(Me("web-1"), v, On(kA, kA), {}, 1000)), std::vector<K>{K::kAlertLost});
  EXPECT_TRUE(Plan(Me("web-2"), v, On(kA, kA), {}, 1000).empty());
  v.lost.insert("web-3");
  EXPECT_TRUE(Plan(Me("web-1"), v, On(kA, kA), {}, 1000).empty()) << "once";
  v.hosts["web-3"].state = "stopped";
  EXPECT_EQ(Kinds(Plan(Me("web-1"), v, On(kA, kA), {}, 1000)), std::vector<K>{K::kClearLost});
  v.leader.clear();
  EXPECT_TRUE(Has(Plan(Me("web-2"), v, On(kA, kA), {}, 1000), K::kLead));
}

TEST(FleetPlanTest, TheViewIsReadFromTheGroupsKeys) {
  Keys k("site");
  std::vector<EtcdKv> kvs = {
      {.key = k.Host("web-1"), .value = ToJson(Host("web-1", kA))},
      {.key = k.Alive("web-1"), .value = "1", .lease = 42},
      {.key = k.Host("web-2"), .value = R"({"state":"failed","commit":")" + std::string(kB) + R"("})"},
      {.key = k.Bad(kC), .value = "failed on web-2: build"},
      {.key = k.Rollout(), .value = ToJson(RolloutRecord{.commit = kB, .canary = {"web-1"}}), .mod_revision = 7},
      {.key = k.Lock(0), .value = "web-1"},
      {.key = k.LastGood(), .value = kA, .mod_revision = 5},
      {.key = k.Leader(), .value = "web-1"},
      {.key = k.Lost("web-2"), .value = "1"},
      {.key = k.Host("garbage"), .value = "{not json"},
  };
  GroupView v = ParseView(k, kvs);
  ASSERT_EQ(v.hosts.size(), 2u);
  EXPECT_EQ(v.junk, std::vector<std::string>{k.Host("garbage")});
  EXPECT_EQ(HostState(v.hosts["web-1"]), "ok");
  EXPECT_EQ(v.hosts["web-1"].lease, 42);
  EXPECT_EQ(HostState(v.hosts["web-2"]), "lost");
  EXPECT_EQ(v.hosts["web-2"].commit, kB);
  EXPECT_EQ(v.bad.count(kC), 1u);
  ASSERT_TRUE(v.rollout);
  EXPECT_EQ(v.rollout->canary, std::vector<std::string>{"web-1"});
  EXPECT_EQ(v.rollout_mod, 7);
  EXPECT_EQ(v.locks[0], "web-1");
  EXPECT_EQ(v.last_good, kA);
  EXPECT_EQ(v.last_good_mod, 5);
  EXPECT_EQ(v.leader, "web-1");
  EXPECT_EQ(v.lost.count("web-2"), 1u);
  EXPECT_EQ(RolloutPhase(v).state, "canary");
}

TEST(FleetPlanTest, KeysThatNobodyAliveHoldsAreBroken) {
  GroupView v = Steady();
  v.leader_lease = 0;  // put by hand: it would silence every lost-host alert
  v.locks[0] = "ghost";
  v.lock_leases[0] = 0;
  v.locks[1] = "web-3";
  v.lock_leases[1] = 7;
  auto actions = Plan(Me("web-2"), v, On(kA, kA), {}, 1000);
  ASSERT_EQ(Kinds(actions), (std::vector<K>{K::kBreakLeader, K::kBreakLock}));
  EXPECT_EQ(actions[0].host, "web-1");
  EXPECT_EQ(actions[1].host, "ghost");
  EXPECT_EQ(actions[1].slot, 0);
  v.hosts["web-3"].lease = 0;  // its lease expired: the lock went with it in etcd, or it is a stale copy
  EXPECT_EQ(Kinds(Plan(Me("web-2"), v, On(kA, kA), {}, 1000)).size(), 3u);
}

TEST(FleetPlanTest, ADeployGitRefusesForGoodFailsTheCommit) {
  GroupView v = Steady();
  v.rollout = RolloutRecord{.commit = kB, .canary = {"web-1"}};
  Memory m;
  m.requested = kB;
  m.requested_ms = 1000;
  m.request_failed = m.request_permanent = true;
  m.request_error = "error (merge_conflict): merging conflicts";
  auto actions = Plan(Me("web-1"), v, On(kA, kB), m, 100'000);
  ASSERT_EQ(Kinds(actions), std::vector<K>{K::kMarkBad}) << "marked, never asked again";
  EXPECT_NE(actions[0].reason.find("git could not take it: error (merge_conflict)"), std::string::npos);
}

TEST(FleetPlanTest, JunkUnderTheGroupsKeysIsIgnored) {
  Keys k("site");
  GroupView v = ParseView(k, {{.key = k.Host("<b>x</b>"), .value = "{}"},
                              {.key = k.Host("web-9"), .value = "not json"},
                              {.key = k.Alive("../x"), .value = "1", .lease = 3},
                              {.key = k.Rollout(), .value = "[1,2]"},
                              {.key = k.Host("web-1"), .value = R"({"state":7,"commit":["x"],"updated_ms":"soon"})"}});
  EXPECT_EQ(v.junk.size(), 3u);
  ASSERT_EQ(v.hosts.size(), 1u);
  EXPECT_EQ(v.hosts["web-1"].commit, "");
  EXPECT_FALSE(v.rollout);
}

TEST(FleetPlanTest, EtcdKeyRangesAndBase64) {
  EXPECT_EQ(EtcdPrefixEnd("/a/"), "/a0");
  EXPECT_EQ(EtcdPrefixEnd(std::string("a\xff")), "b");
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
}

}  // namespace
}  // namespace redundancy::fleet
