// A fleet end to end: Debian's etcd on 127.0.0.1 ports, one bare remote and
// three hosts (their own checkouts, PM2 homes, app ports and redundancyd),
// all on this machine. What is checked comes from the hosts' apps (HTTP),
// their checkouts, their alert files and etcd's own revision history.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>

#include "common/process/process.h"
#include "tests/integration/fleet_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Pm2Available()) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
    if (!EtcdAvailable()) GTEST_SKIP() << "etcd is not installed (scripts/setup.sh installs etcd-server)";
  }
  // Every host serves `text` and runs `commit`.
  bool AllServe(const std::string& text, const std::string& commit) {
    for (size_t i = 0; i < site_.size(); ++i)
      if (site_.host(i).Serving() != text || site_.host(i).Head() != commit) return false;
    return true;
  }
  bool Settled() {
    // Everyone on the first commit, and the group agreed on it.
    return site_.host(0).Fleet().last_good() == site_.first();
  }
  FleetSite site_;
};

TEST_F(FleetTest, AGoodCommitRollsOutCanaryFirstAndOneHostAtATime) {
  ASSERT_TRUE(site_.Start());
  ASSERT_TRUE(WaitUntil([&] { return Settled(); }, 30s)) << site_.Dump();
  // Keys anyone with access to etcd could put: none may take a daemon down
  // or block the rollout (a lock or a leader key held by nobody alive is removed).
  EtcdClient e = site_.etcd().Client();
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"/redundancy/site/history/0000000000001-x-1", R"({"ts_ms":"a","host":7,"kind":[1],"detail":{}})"},
           {"/redundancy/site/s/hosts/<img src=x>", "{}"},
           {"/redundancy/site/s/hosts/web-9", "not json"},
           {"/redundancy/site/s/rollout", "not json"},
           {"/redundancy/site/s/locks/0", "ghost"},
           {"/redundancy/site/s/leader", "nobody-here"}})
    ASSERT_TRUE(e.Put(key, value).ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto f = site_.host(2).Fleet();
        return f.leader().rfind("web-", 0) == 0 && f.locks_size() == 0;
      },
      10s))
      << site_.Dump();
  std::string good = site_.Push("v2");
  ASSERT_TRUE(WaitUntil([&] { return AllServe("v2\n", good); }, 60s)) << site_.Dump();
  ASSERT_TRUE(WaitUntil([&] { return site_.host(0).Fleet().last_good() == good; }, 10s)) << site_.Dump();
  EXPECT_EQ(site_.host(2).Fleet().rollout_state(), "done");

  // From etcd's revision history: never more than one deploy lock held, and
  // the canary (web-1, first by name) took the first one and baked before
  // anyone else took one.
  auto locks = site_.etcd().Revisions("/redundancy/site/s/locks/");
  std::vector<std::string> holders;
  for (const auto& at : locks) {
    EXPECT_LE(at.size(), 1u) << "two hosts deployed at once";
    for (const auto& kv : at)
      if (kv.value != "ghost" && (holders.empty() || holders.back() != kv.value)) holders.push_back(kv.value);
  }
  ASSERT_EQ(holders.size(), 3u) << site_.Dump();
  EXPECT_EQ(holders[0], "web-1");
  EXPECT_EQ(std::set<std::string>(holders.begin(), holders.end()), (std::set<std::string>{"web-1", "web-2", "web-3"}));
  for (size_t i = 0; i < site_.size(); ++i) EXPECT_TRUE(IsRunning(site_.host(i).daemon().pid()));
  std::string history = site_.host(1).daemon().Ctl("fleet history -n 200").output;
  size_t baked = history.find("canary web-1 ran " + good.substr(0, 12));
  size_t second = history.find(holders[1] + " deploys " + good.substr(0, 12));
  ASSERT_NE(baked, std::string::npos) << history;
  ASSERT_NE(second, std::string::npos) << history;
  EXPECT_LT(baked, second) << history;

  // The fleet view, as an operator reads it.
  CtlResult st = site_.host(1).daemon().Ctl("fleet status --json");
  EXPECT_EQ(st.exit_code, 0) << st.output;
  auto j = nlohmann::json::parse(st.output, nullptr, false);
  ASSERT_TRUE(j.is_object()) << st.output;
  ASSERT_EQ(j["hosts"].size(), 3u) << st.output;
  for (const auto& h : j["hosts"]) {
    EXPECT_EQ(h["state"], "ok") << st.output;
    EXPECT_EQ(h["commit"], good) << st.output;
    ASSERT_TRUE(h["lease_age_s"].is_number()) << st.output;
    EXPECT_LE(h["lease_age_s"].get<double>(), 2.0) << st.output;
  }
  EXPECT_EQ(j["rollout"]["state"], "done") << st.output;
}

TEST_F(FleetTest, ABadCommitRollsBackOnTheCanaryAndNeverReachesTheOthers) {
  ASSERT_TRUE(site_.Start());
  ASSERT_TRUE(WaitUntil([&] { return Settled(); }, 30s)) << site_.Dump();
  std::string bad = site_.Push("v2 broken", /*broken=*/true);
  // The canary takes it, its build fails, it rolls back; the commit is bad for the group.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto f = site_.host(1).Fleet();
        return f.rollout_state() == "aborted" && f.bad_size() == 1;
      },
      60s))
      << site_.Dump();
  EXPECT_EQ(site_.host(1).Fleet().bad(0).rfind(bad.substr(0, 12), 0), 0u) << site_.host(1).Fleet().bad(0);
  ASSERT_TRUE(WaitUntil([&] { return site_.host(0).Head() == site_.first(); }, 30s)) << site_.Dump();
  for (size_t i = 0; i < site_.size(); ++i) {
    EXPECT_EQ(site_.host(i).Serving(), "v1\n") << site_.host(i).name();
    EXPECT_EQ(site_.host(i).Head(), site_.first()) << site_.host(i).name();
  }
  // Only the canary ever ran it.
  std::string ran = "new commit " + bad.substr(0, 7) + " break the build";
  EXPECT_NE(site_.host(0).History().find(ran), std::string::npos) << site_.host(0).History();
  for (size_t i = 1; i < site_.size(); ++i)
    EXPECT_EQ(site_.host(i).History().find(ran), std::string::npos) << site_.host(i).History();
  for (const auto& at : site_.etcd().Revisions("/redundancy/site/s/locks/"))
    for (const auto& kv : at) EXPECT_EQ(kv.value, "web-1") << "only the canary deploys a commit before its bake";
  EXPECT_EQ(site_.host(2).Fleet().last_good(), site_.first());

  // A commit that passes on the canary but fails on the next host (web-2 or
  // web-3, whichever takes the lock first): bad for the group all the same;
  // the canary, which has it, rolls back; the last host never gets it.
  site_.host(1).BreakBuildOf("v3");
  site_.host(2).BreakBuildOf("v3");
  std::string v3 = site_.Push("v3");
  ASSERT_TRUE(WaitUntil([&] { return site_.host(0).Serving() == "v3\n"; }, 60s)) << site_.Dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto f = site_.host(2).Fleet();
        return f.rollout_state() == "aborted" && f.rollout_commit() == v3;
      },
      60s))
      << site_.Dump();
  ASSERT_TRUE(WaitUntil([&] { return AllServe("v1\n", site_.first()); }, 60s)) << site_.Dump();
  EXPECT_NE(site_.host(0).History().find("marked bad by the fleet"), std::string::npos) << site_.host(0).History();
  int took = 0;
  for (size_t i = 1; i < site_.size(); ++i)
    took += site_.host(i).History().find("new commit " + v3.substr(0, 7)) != std::string::npos;
  EXPECT_EQ(took, 1) << "after the canary, one host failed it and the last never took it\n" << site_.Dump();

  // The next good commit goes everywhere.
  std::string good = site_.Push("v4");
  ASSERT_TRUE(WaitUntil([&] { return AllServe("v4\n", good); }, 60s)) << site_.Dump();
}

// Notifications of the fleet's lost-host alert for `host` in one host's alert file ("firing" or "resolved").
int Notices(const std::string& alerts, const std::string& host, const std::string& state) {
  int n = 0;
  std::istringstream lines(alerts);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    if (line.find("host:" + host) != std::string::npos && j.value("status", "") == state) ++n;
  }
  return n;
}

TEST_F(FleetTest, AHostWhoseDaemonDiesIsReportedLostOnceAndRejoins) {
  ASSERT_TRUE(site_.Start());
  ASSERT_TRUE(WaitUntil([&] { return Settled(); }, 30s)) << site_.Dump();
  ASSERT_EQ(site_.host(1).Fleet().leader(), "web-1");  // the first to join leads
  // kill -9 the leader itself: the others elect another one, which raises the alert.
  auto killed = std::chrono::steady_clock::now();
  site_.host(0).daemon().Kill(SIGKILL);
  auto notices = [&](const std::string& state) {
    return Notices(site_.host(1).Alerts(), "web-1", state) + Notices(site_.host(2).Alerts(), "web-1", state);
  };
  ASSERT_TRUE(WaitUntil([&] { return notices("firing") > 0; }, 10s)) << site_.Dump();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  EXPECT_LE(took.count(), 3000) << "lease (2 s) + 1 s";
  // Exactly one, whoever sent it: the new leader's duty, recorded in etcd so
  // that a later leader does not send it again. (Absence takes a while to show.)
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(notices("firing"), 1) << site_.host(1).Alerts() << site_.host(2).Alerts();
  auto f = site_.host(2).Fleet();
  for (const auto& h : f.hosts())
    if (h.name() == "web-1") EXPECT_EQ(h.state(), "lost");
  CtlResult st = site_.host(2).daemon().Ctl("fleet status");
  EXPECT_EQ(st.exit_code, 1) << st.output;
  EXPECT_NE(st.output.find("lost"), std::string::npos) << st.output;

  // It restarts and rejoins with its state; the alert resolves.
  ASSERT_TRUE(site_.host(0).daemon().Start());
  ASSERT_TRUE(WaitUntil([&] { return notices("resolved") == 1; }, 15s)) << site_.Dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        v1::FleetStatus f = site_.host(2).Fleet();
        for (const auto& h : f.hosts())
          if (h.name() == "web-1") return h.state() == "ok" && h.commit() == site_.first();
        return false;
      },
      15s))
      << site_.Dump();
}

TEST_F(FleetTest, WithoutEtcdHostsKeepRecoveringAndRolloutsWaitForIt) {
  ASSERT_TRUE(site_.Start());
  ASSERT_TRUE(WaitUntil([&] { return Settled(); }, 30s)) << site_.Dump();
  site_.etcd().Stop();
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (size_t i = 0; i < site_.size(); ++i) {
          auto f = site_.host(i).Fleet();
          if (f.etcd() != "unreachable" || f.rollout_state() != "held") return false;
        }
        return true;
      },
      10s))
      << site_.Dump();
  CtlResult st = site_.host(1).daemon().Ctl("status");
  EXPECT_NE(st.output.find("etcd unreachable"), std::string::npos) << st.output;

  // A local fault is still recovered: web-2's PM2 daemon killed, its app with it.
  pid_t god = site_.host(1).pm2().DaemonPid();
  ASSERT_GT(god, 0);
  process::Signal(god, SIGKILL);
  ASSERT_TRUE(
      WaitUntil([&] { return site_.host(1).Serving() == "v1\n" && site_.host(1).pm2().DaemonPid() != god; }, 30s))
      << site_.host(1).History();

  // A new commit waits for etcd: every git sees it, nobody deploys it.
  std::string good = site_.Push("v2");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = site_.host(0).daemon().CheckOf("git:origin/main");
        return c && c->summary().find(good.substr(0, 12)) != std::string::npos;
      },
      10s))
      << site_.host(0).History();
  std::this_thread::sleep_for(2s);  // what must not happen takes a while to show
  for (size_t i = 0; i < site_.size(); ++i) EXPECT_EQ(site_.host(i).Head(), site_.first()) << site_.host(i).name();

  // etcd back: the rollout resumes and completes.
  ASSERT_TRUE(site_.etcd().Start());
  ASSERT_TRUE(WaitUntil([&] { return AllServe("v2\n", good); }, 60s)) << site_.Dump();
  EXPECT_EQ(site_.host(0).Fleet().etcd(), "connected");
}

}  // namespace
}  // namespace redundancy::testing
