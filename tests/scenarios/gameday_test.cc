// Game day: the whole product on a small site (tests/integration/site_harness.h:
// two PM2 apps, a workflow, functions, an npm build, a bare remote), a client
// polling the site every 50 ms, and faults applied one by one and in pairs.
// Each scenario asserts the site's longest outage (bounded by what the fault
// itself costs), that it comes back, how many notifications a channel got
// (one per incident at most), and that deliberate changes are kept.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/site_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class GameDayTest : public SiteTest {
 protected:
  std::string ExtraYaml() const override {
    return "pipeline: {rollback: true, step_timeout: 60s}\n"
           "alerts:\n  threshold: 1\n  settle: 2s\n  channels:\n    - {type: file, path: alerts.jsonl}\n";
  }
  void SetUp() override {
    SiteTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(d_->Start());
    ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  }
  // Firing notifications the file channel received (one JSON line each).
  int FiringNotifications() const {
    std::ifstream in(root_ + "/alerts.jsonl");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("status", "") == "firing") ++n;
    }
    return n;
  }
  // Waits for the site to answer again after a fault; the time it took.
  std::chrono::milliseconds TimeToServe(std::chrono::steady_clock::time_point fault, std::chrono::milliseconds limit) {
    WaitUntil([&] { return HttpGetBody(port_, "/health") == "ok"; }, limit);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - fault);
  }
  // The fault most scenarios pair with another: the PM2 daemon killed while
  // the site is polled. Expects the site back and its longest outage under
  // `bound` (the fault's own cost: ~1 s for a new daemon and the apps).
  void KillPm2DaemonAndExpectTheSiteBack(std::chrono::milliseconds bound = std::chrono::milliseconds(5000)) {
    SitePoller poller(port_);
    auto fault = std::chrono::steady_clock::now();
    KillPm2Daemon();
    auto back = TimeToServe(fault, 15s);
    EXPECT_LT(back.count(), bound.count()) << Dump();
    ASSERT_TRUE(d_->WaitCheck("pm2:daemon", v1::HEALTH_OK, 15s)) << Dump();
    poller.Stop();
    RecordProperty("time_to_recover_ms", static_cast<int>(back.count()));
    EXPECT_LT(poller.longest_outage_ms(), bound.count()) << Dump();
  }
  // The api's crash loop: its process is killed and its port taken before
  // PM2 starts it again, so every start dies of EADDRINUSE until PM2 gives
  // up (errored) and redundancy's restarts fail too. The cause ends when
  // FreeApiPort() closes the socket; returns false if the port was not won.
  bool TakeApiPort() {
    auto app = site_->App("api");
    if (!app) return false;
    pid_t pid = app->value("pid", 0);
    if (pid <= 0) return false;
    port_holder_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;  // the site's closed connections linger in TIME_WAIT
    setsockopt(port_holder_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    process::Signal(pid, SIGKILL);
    // PM2 starts it again at once; node needs tens of ms to listen: spin.
    bool won = false;
    auto until = std::chrono::steady_clock::now() + 2s;
    while (!won && std::chrono::steady_clock::now() < until) {
      won = bind(port_holder_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    // Listening but never accepting: requests to the site hang up, as on a wedged port.
    return won && listen(port_holder_, 1) == 0;
  }
  void FreeApiPort() {
    if (port_holder_ >= 0) close(port_holder_);
    port_holder_ = -1;
  }
  void TearDown() override {
    FreeApiPort();
    SiteTest::TearDown();
  }
  // Takes the api's port until the api is seen failing (crash loop), and
  // until redundancy gave up on it too if `until_given_up`, frees it;
  // expects the site back within 5 s of the port being free. The time from
  // freeing to serving.
  std::chrono::milliseconds CrashLoopTheApi(bool until_given_up) {
    EXPECT_TRUE(TakeApiPort()) << Dump();
    EXPECT_TRUE(WaitUntil(
        [&] {
          auto c = d_->CheckOf("pm2:api");
          return c && c->status() == v1::HEALTH_FAILED &&
                 (!until_given_up || c->summary().find("gave up") != std::string::npos);
        },
        30s))
        << Dump();
    FreeApiPort();
    auto freed = std::chrono::steady_clock::now();
    auto back = TimeToServe(freed, 15s);
    EXPECT_LT(back.count(), 5000) << Dump() << d_->Ctl("history").output;
    RecordProperty("time_to_recover_ms", static_cast<int>(back.count()));
    return back;
  }
  int port_holder_ = -1;
  // A developer's clone with a commit whose build fails (not pushed yet); its path.
  std::string CommitABrokenBuild() {
    std::string dev = root_ + "/dev";
    Sh("git clone -q " + root_ + "/remote.git " + dev);
    std::string pkg = ReadFile(dev + "/package.json");
    size_t build = pkg.find("\"build\": ");
    EXPECT_NE(build, std::string::npos) << pkg;
    if (build != std::string::npos) {
      pkg.replace(build, pkg.find('\n', build) - build, "\"build\": \"node -e \\\"process.exit(1)\\\"\"");
    }
    WriteFile(dev + "/package.json", pkg);
    Commit(dev, "break the build");
    return dev;
  }
  // The remote unreachable (moved away); true once git says so.
  bool TakeTheRemoteAway() {
    fs::rename(root_ + "/remote.git", root_ + "/remote.git.away");
    return WaitUntil(
        [&] {
          auto c = d_->CheckOf("git:origin/main");
          return c && c->status() != v1::HEALTH_OK;
        },
        15s);
  }
  bool WaitRolledBack() {
    return WaitUntil(
        [&] {
          auto s = d_->Status();
          return s.ok() && s->pipeline().last_result() == "rolled_back" && s->pipeline().state() == "idle";
        },
        60s);
  }
  // Kills the PM2 daemon and waits until redundancy has seen it die (its
  // apps may still answer for a moment: node apps exit once PM2's IPC closes).
  void KillPm2Daemon() {
    pid_t god = site_->DaemonPid();
    ASSERT_GT(god, 0);
    process::Signal(god, SIGKILL);
    ASSERT_TRUE(WaitUntil([&] { return !IsRunning(god); }, 5s));
    ASSERT_TRUE(WaitUntil(
        [&] {
          auto c = d_->CheckOf("pm2:daemon");
          return (c && c->status() == v1::HEALTH_FAILED) || (site_->DaemonPid() != god && site_->DaemonRunning());
        },
        10s))
        << Dump();
  }
};

TEST_F(GameDayTest, Pm2DaemonKilled) {
  KillPm2DaemonAndExpectTheSiteBack();
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  EXPECT_LE(FiringNotifications(), 1);
}

// The new daemon is killed again as soon as it is up: `pm2 ping` must not
// hold the restore for its own 30 s timeout.
TEST_F(GameDayTest, Pm2DaemonKilledTwiceInARow) {
  SitePoller poller(port_);
  pid_t first = site_->DaemonPid();
  KillPm2Daemon();
  ASSERT_TRUE(WaitUntil(
      [&] {
        pid_t p = site_->DaemonPid();
        return p > 0 && p != first && IsRunning(p);
      },
      15s))
      << Dump();
  process::Signal(site_->DaemonPid(), SIGKILL);
  auto fault = std::chrono::steady_clock::now();
  TimeToServe(fault, 30s);
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  poller.Stop();
  EXPECT_LT(poller.longest_outage_ms(), 15'000) << Dump();
  EXPECT_LE(FiringNotifications(), 1);
}

// A crash loop of an app that PM2 restarts every time is one incident.
TEST_F(GameDayTest, AppKilledAgainAndAgainIsOneIncident) {
  for (int i = 0; i < 6; ++i) {
    auto app = site_->App("worker");
    ASSERT_TRUE(app);
    pid_t pid = app->value("pid", 0);
    if (pid > 0) process::Signal(pid, SIGKILL);
    WaitUntil(
        [&] {
          auto a = site_->App("worker");
          return a && a->value("pid", 0) != pid && a->value("pid", 0) > 0;
        },
        5s);
  }
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  EXPECT_LE(FiringNotifications(), 1);
}

// Restore first: a broken build (a corrupt lock file) never holds back
// bringing the PM2 daemon and the apps back, and the site-down alert is not
// inhibited by the build's.
TEST_F(GameDayTest, CorruptLockFileAndPm2DaemonDeath) {
  WriteFile(root_ + "/package-lock.json", "{ this is not json");
  ASSERT_TRUE(WaitUntil(
      [&] {
        d_->Ctl("check build");
        auto c = d_->CheckOf("build:deps");
        return c && c->status() == v1::HEALTH_FAILED;
      },
      20s))
      << Dump();
  KillPm2DaemonAndExpectTheSiteBack();
  EXPECT_EQ(d_->CheckOf("build:deps")->status(), v1::HEALTH_FAILED) << "the lock file is still broken";
  // The site-down alert went out although the build's fires upstream of it.
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(root_ + "/alerts.jsonl").find("pm2:daemon") != std::string::npos; }, 5s))
      << ReadFile(root_ + "/alerts.jsonl") << d_->Ctl("alerts").output;
}

// A commit that deletes a workflow and a function is obeyed: nothing is
// restored, nobody is paged.
TEST_F(GameDayTest, AWorkflowAndAFunctionDeletedUpstreamStayDeleted) {
  std::string dev = root_ + "/dev";
  Sh("git clone -q " + root_ + "/remote.git " + dev);
  Sh("git -C " + dev + " rm -q .github/workflows/ci.yml netlify/functions/hello.js");
  std::string head = Commit(dev, "drop the ci workflow and the hello function");
  Sh("git -C " + dev + " push -q origin main");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = d_->CheckOf("git:origin/main");
        return c && c->status() == v1::HEALTH_OK && c->summary().find(head.substr(0, 12)) != std::string::npos;
      },
      30s))
      << Dump();
  d_->Ctl("check");
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  EXPECT_FALSE(WaitUntil(
      [&] {
        return fs::exists(root_ + "/.github/workflows/ci.yml") || fs::exists(root_ + "/netlify/functions/hello.js");
      },
      3s))
      << "restored what a commit deleted";
  std::string history = d_->Ctl("history").output;
  EXPECT_EQ(history.find("workflow_restored"), std::string::npos) << history;
  EXPECT_EQ(history.find("function_restored"), std::string::npos) << history;
  EXPECT_EQ(Sh("git -C " + root_ + " status --porcelain"), "");
  EXPECT_EQ(FiringNotifications(), 0) << ReadFile(root_ + "/alerts.jsonl");
}

// A commit that breaks the build is pushed and the PM2 daemon dies at the
// same moment: the site is restored at once on the code it runs (the deploy
// under way does not hold that back), the bad commit is rolled back.
TEST_F(GameDayTest, ABrokenCommitAndAPm2DaemonDeath) {
  std::string good = Sh("git -C " + root_ + " rev-parse HEAD");
  std::string dev = CommitABrokenBuild();
  Sh("git -C " + dev + " push -q origin main");
  KillPm2DaemonAndExpectTheSiteBack();
  ASSERT_TRUE(WaitRolledBack()) << Dump() << d_->Ctl("history").output;
  EXPECT_EQ(Sh("git -C " + root_ + " rev-parse HEAD"), good);
  EXPECT_EQ(HttpGetBody(port_, "/health"), "ok");
  // Two incidents (the daemon's death, the failed commit with its rollback): a notice each at most,
  // also once git has been "held at" the good commit for longer than its grace (2 s).
  EXPECT_LE(FiringNotifications(), 2) << ReadFile(root_ + "/alerts.jsonl");
  EXPECT_FALSE(WaitUntil([&] { return FiringNotifications() > 2; }, 4s)) << ReadFile(root_ + "/alerts.jsonl");
}

// redundancyd is killed in the middle of a deploy and started again: the
// commit in place that never went through is run downstream again, so the
// apps end up on it; the site stays up meanwhile.
TEST_F(GameDayTest, RedundancydKilledDuringADeploy) {
  std::string dev = root_ + "/dev";
  Sh("git clone -q " + root_ + "/remote.git " + dev);
  std::string api = ReadFile(dev + "/apps/api.js");
  size_t hello = api.find("hello: 'world'");
  ASSERT_NE(hello, std::string::npos) << api;
  api.replace(hello, 14, "hello: 'v2'");
  WriteFile(dev + "/apps/api.js", api);
  std::string head = Commit(dev, "api says v2");
  SitePoller poller(port_);
  Sh("git -C " + dev + " push -q origin main");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d_->Status();
        return s.ok() && (s->pipeline().state() == "deploying" || s->pipeline().last_good() == head);
      },
      30s))
      << Dump();
  d_->Kill(SIGKILL);
  ASSERT_TRUE(d_->Start());
  ASSERT_TRUE(WaitUntil([&] { return HttpGetBody(port_, "/").find("v2") != std::string::npos; }, 60s))
      << Dump() << d_->Ctl("history").output;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d_->Status();
        return s.ok() && s->pipeline().last_good() == head;
      },
      30s))
      << Dump();
  poller.Stop();
  // A fork-mode app is down for a moment while it reloads; never longer.
  EXPECT_LT(poller.longest_outage_ms(), 2000);
}

// git is the source of truth: a committed lock file that gets corrupted is
// put back as committed (the corrupt one kept aside), with no operator.
TEST_F(GameDayTest, ACommittedLockFileCorruptedIsRestoredFromGit) {
  const std::string lock =
      "{\"name\": \"redundancy-demo\", \"version\": \"1.0.0\", \"lockfileVersion\": 3, \"requires\": true,\n"
      " \"packages\": {\"\": {\"name\": \"redundancy-demo\", \"version\": \"1.0.0\"}}}\n";
  WriteFile(root_ + "/package-lock.json", lock);
  Sh("cd " + root_ +
     " && git add package-lock.json && git -c user.name=t -c user.email=t@example.com commit -q -m lock && "
     "git push -q origin main");
  d_->Ctl("check build");
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  WriteFile(root_ + "/package-lock.json.new", "{ this is not json");
  fs::rename(root_ + "/package-lock.json.new", root_ + "/package-lock.json");
  d_->Ctl("check build");
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(root_ + "/package-lock.json") == lock; }, 20s)) << Dump();
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  bool kept = false;
  for (const auto& e : fs::directory_iterator(d_->state_dir() + "/build/broken")) {
    kept |= ReadFile(e.path().string()) == "{ this is not json";
  }
  EXPECT_TRUE(kept) << "the corrupt lock file is kept aside";
  EXPECT_NE(d_->Ctl("history").output.find("restored package-lock.json from git HEAD"), std::string::npos);
}

// The operator's deliberate acts are kept: a stopped app stays stopped, a
// deleted one stays deleted; nobody is paged for them.
TEST_F(GameDayTest, OperatorStopAndDeleteAreKept) {
  ASSERT_EQ(site_->Pm2("stop worker"), 0);
  ASSERT_TRUE(d_->WaitCheck("pm2:worker", v1::HEALTH_OK, 10s, "stopped on purpose")) << Dump();
  EXPECT_FALSE(WaitUntil([&] { return (*site_->App("worker"))["pm2_env"].value("status", "") != "stopped"; }, 3s));
  ASSERT_EQ(site_->Pm2("delete worker"), 0);
  ASSERT_TRUE(d_->WaitCheck("pm2:worker", v1::HEALTH_OK, 10s, "deleted by an operator")) << Dump();
  EXPECT_FALSE(WaitUntil([&] { return site_->App("worker").has_value(); }, 3s)) << "the delete was undone";
  EXPECT_EQ(HttpGetBody(port_, "/health"), "ok");
  EXPECT_EQ(FiringNotifications(), 0) << ReadFile(root_ + "/alerts.jsonl");
}

// The PM2 agent dies in the middle of restoring a dead daemon: its
// successor finishes the job, once.
TEST_F(GameDayTest, AgentKilledDuringARecovery) {
  SitePoller poller(port_);
  auto fault = std::chrono::steady_clock::now();
  KillPm2Daemon();
  auto agent = d_->Agent("pm2");
  ASSERT_TRUE(agent);
  process::Signal(agent->pid(), SIGKILL);
  auto back = TimeToServe(fault, 20s);
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  poller.Stop();
  EXPECT_LT(back.count(), 10'000) << Dump();
  int apis = 0;
  for (const auto& a : site_->List()) apis += a.value("name", "") == "api";
  EXPECT_EQ(apis, 1) << "restored twice";
}

// git cannot reach its remote and the PM2 daemon dies: git's trouble is no
// reason to leave the site down.
TEST_F(GameDayTest, RemoteUnreachableAndPm2DaemonDeath) {
  ASSERT_TRUE(TakeTheRemoteAway()) << Dump();
  KillPm2DaemonAndExpectTheSiteBack();
  fs::rename(root_ + "/remote.git.away", root_ + "/remote.git");
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
}

// A good commit pushed upstream is deployed (git -> build -> PM2 reload)
// with nobody paged: "behind" right after a fetch is what the sync ends.
TEST_F(GameDayTest, APushIsDeployedWithoutANotification) {
  std::string dev = root_ + "/dev";
  Sh("git clone -q " + root_ + "/remote.git " + dev);
  WriteFile(dev + "/apps/worker.js", ReadFile(dev + "/apps/worker.js") + "// a new line\n");
  std::string head = Commit(dev, "worker: a new line");
  SitePoller poller(port_);
  Sh("git -C " + dev + " push -q origin main");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = d_->CheckOf("git:origin/main");
        return c && c->status() == v1::HEALTH_OK && c->summary().find(head.substr(0, 12)) != std::string::npos;
      },
      30s))
      << Dump();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  poller.Stop();
  EXPECT_EQ(poller.failures(), 0);
  EXPECT_EQ(FiringNotifications(), 0) << ReadFile(root_ + "/alerts.jsonl");
}

// An app in a crash loop (every start dies: its port is taken) is one
// incident; once the cause is gone the site is back within seconds (not
// after the backoff, nor never once redundancy gave up), and the crash's own
// error, with who holds the port, is in the history and the alert.
TEST_F(GameDayTest, AnAppCrashLoopEndsWhenItsCauseDoes) {
  CrashLoopTheApi(/*until_given_up=*/true);
  ASSERT_TRUE(WaitAllOk(20s)) << Dump();
  std::string history = d_->Ctl("history").output;
  EXPECT_NE(history.find("EADDRINUSE"), std::string::npos) << history;
  EXPECT_NE(ReadFile(root_ + "/alerts.jsonl").find("EADDRINUSE"), std::string::npos)
      << ReadFile(root_ + "/alerts.jsonl");
  EXPECT_EQ(FiringNotifications(), 1) << ReadFile(root_ + "/alerts.jsonl");
  EXPECT_NE(history.find("is held by pid " + std::to_string(getpid())), std::string::npos)
      << "who holds the port: " << history;
  EXPECT_NE(history.find("is free again: restarting it now"), std::string::npos) << history;
}

// A commit that breaks the build is pushed while an app crash-loops: the
// app comes back as soon as it can (the deploy does not hold it), the bad
// commit is rolled back without touching it.
TEST_F(GameDayTest, ABrokenCommitAndAnAppCrashLoop) {
  std::string good = Sh("git -C " + root_ + " rev-parse HEAD");
  std::string dev = CommitABrokenBuild();
  ASSERT_TRUE(TakeApiPort()) << Dump();
  Sh("git -C " + dev + " push -q origin main");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = d_->CheckOf("pm2:api");
        return c && c->status() == v1::HEALTH_FAILED;
      },
      20s))
      << Dump();
  FreeApiPort();
  auto back = TimeToServe(std::chrono::steady_clock::now(), 15s);
  EXPECT_LT(back.count(), 5000) << Dump() << d_->Ctl("history").output;
  ASSERT_TRUE(WaitRolledBack()) << Dump() << d_->Ctl("history").output;
  EXPECT_EQ(Sh("git -C " + root_ + " rev-parse HEAD"), good);
  ASSERT_TRUE(WaitUntil([&] { return HttpGetBody(port_, "/health") == "ok"; }, 10s)) << Dump();
  // The app's crash loop and the failed commit: one notice each at most.
  EXPECT_FALSE(WaitUntil([&] { return FiringNotifications() > 2; }, 4s)) << ReadFile(root_ + "/alerts.jsonl");
}

// git cannot reach its remote while an app crash-loops: the app is
// recovered regardless, and git's own trouble ends when the remote is back.
TEST_F(GameDayTest, RemoteUnreachableAndAnAppCrashLoop) {
  ASSERT_TRUE(TakeTheRemoteAway()) << Dump();
  CrashLoopTheApi(/*until_given_up=*/false);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = d_->CheckOf("pm2:api");
        return c && c->status() == v1::HEALTH_OK;
      },
      10s))
      << Dump();
  fs::rename(root_ + "/remote.git.away", root_ + "/remote.git");
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
}

}  // namespace
}  // namespace redundancy::testing
