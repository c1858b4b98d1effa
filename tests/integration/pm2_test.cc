// The PM2 agent end to end: real redundancyd, real agent, real PM2 in a
// private PM2_HOME, tiny Node apps from tests/fixtures/pm2.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/probe.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

class Pm2AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Pm2Available()) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  }
  // Writes the ecosystem file, starts the apps in a private PM2, then redundancyd.
  void Start(const std::string& apps_js, const std::string& pm2_yaml_extra = "", bool start_apps = true,
             const std::string& restart_delay = "200ms") {
    d_ = std::make_unique<Daemon>("  pm2: {interval: 500ms, pm2_home: " + Home() + ", restart_delay: " + restart_delay +
                                  ", " + "ecosystem: ecosystem.config.js" + pm2_yaml_extra + "}\n");
    d_->dir().Write("ecosystem.config.js", "const app = " + Quote(Pm2Fixture("app.js")) +
                                               ";\nmodule.exports = {apps: [\n" + apps_js + "\n]};\n");
    pm2_ = std::make_unique<Pm2Home>(Home());
    if (start_apps) {
      std::string out;
      ASSERT_EQ(pm2_->Pm2("start " + d_->dir().path() + "/ecosystem.config.js", &out), 0) << out;
    }
    ASSERT_TRUE(d_->Start());
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  void TearDown() override {
    d_.reset();    // redundancyd (and the agent) first, so nothing restarts PM2 behind us
    pm2_.reset();  // then PM2 and its apps
  }
  std::string Home() const { return home_dir_.path() + "/pm2"; }
  static std::string Quote(const std::string& s) { return "'" + s + "'"; }
  std::string Flag(const std::string& name) const { return d_->dir().path() + "/" + name; }

  std::optional<v1::CheckStatus> CheckOf(const std::string& target) const { return d_->CheckOf(target); }
  bool WaitCheck(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout,
                 const std::string& summary_has = "") const {
    return d_->WaitCheck(target, want, timeout, summary_has);
  }
  int Events(const std::string& kind, const std::string& target = "") const {
    auto h = d_->Control(v1::ControlRequest::HISTORY);
    int n = 0;
    if (!h.ok()) return 0;
    for (const auto& r : h->history()) n += r.kind() == "event:" + kind && (target.empty() || r.target() == target);
    return n;
  }
  std::string Dump() const { return d_->Ctl("status").output + d_->Ctl("history").output; }

  TempDir home_dir_;
  std::unique_ptr<Daemon> d_;
  std::unique_ptr<Pm2Home> pm2_;
};

TEST_F(Pm2AgentTest, ReportsEveryAppWithItsFigures) {
  Start(
      "{name: 'web', script: app, env: {ALLOC_MB: '1'}},\n{name: 'sleeper', script: '/bin/sleep', args: '100000', "
      "interpreter: 'none'}");
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  ASSERT_TRUE(WaitCheck("pm2:sleeper", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  auto daemon = CheckOf("pm2:daemon");
  ASSERT_TRUE(daemon);
  EXPECT_NE(daemon->summary().find("via " + Home() + "/rpc.sock"), std::string::npos) << daemon->summary();
  EXPECT_TRUE(WaitCheck("pm2:ecosystem:ecosystem.config.js", v1::HEALTH_OK, 5s));
  auto web = CheckOf("pm2:web");
  EXPECT_NE(web->summary().find("restarts 0 (ours 0)"), std::string::npos) << web->summary();
  EXPECT_NE(web->summary().find("MB"), std::string::npos);
}

TEST_F(Pm2AgentTest, AutorestartOffAppKilledIsRestartedByTheAgent) {
  Start("{name: 'quiet', script: '/bin/sleep', args: '100000', interpreter: 'none', autorestart: false}");
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 10s, "online pid"));
  pid_t first = pm2_->App("quiet")->value("pid", 0);
  ASSERT_GT(first, 0);
  process::Signal(first, SIGKILL);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = pm2_->App("quiet");
        return a && (*a)["pm2_env"].value("status", "") == "online" && a->value("pid", 0) != first;
      },
      10s))
      << Dump();
  EXPECT_GE(Events("recovered", "pm2:quiet"), 1);
  EXPECT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 5s, "(ours 1)")) << Dump();
}

TEST_F(Pm2AgentTest, IntentionalStopIsLeftAlone) {
  Start("{name: 'quiet', script: '/bin/sleep', args: '100000', interpreter: 'none', autorestart: false}");
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 10s, "online pid"));
  ASSERT_EQ(pm2_->Pm2("stop quiet"), 0);
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 5s, "stopped on purpose")) << Dump();
  // Several check intervals later it is still stopped, and nobody tried to recover it.
  EXPECT_FALSE(WaitUntil([&] { return (*pm2_->App("quiet"))["pm2_env"].value("status", "") != "stopped"; }, 2s));
  EXPECT_EQ(Events("recovered"), 0);
}

TEST_F(Pm2AgentTest, PausedAppIsLeftAloneUntilResumed) {
  Start("{name: 'quiet', script: '/bin/sleep', args: '100000', interpreter: 'none', autorestart: false}");
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 10s, "online pid"));
  ASSERT_EQ(d_->Ctl("pause pm2:quiet").exit_code, 0);
  process::Signal(pm2_->App("quiet")->value("pid", 0), SIGKILL);
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 5s, "paused")) << Dump();
  EXPECT_FALSE(WaitUntil([&] { return (*pm2_->App("quiet"))["pm2_env"].value("status", "") == "online"; }, 1500ms));
  ASSERT_EQ(d_->Ctl("resume pm2:quiet").exit_code, 0);
  EXPECT_TRUE(WaitUntil([&] { return (*pm2_->App("quiet"))["pm2_env"].value("status", "") == "online"; }, 10s))
      << Dump();
}

TEST_F(Pm2AgentTest, ErroredAppIsRecoveredOnceItsCauseIsGone) {
  home_dir_.Write("fail", "");
  Start("{name: 'flaky', script: app, max_restarts: 1, min_uptime: 2000, env: {FAIL_FLAG: '" + home_dir_.path() +
            "/fail'}}",
        ", max_restart_attempts: 50");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = pm2_->App("flaky");
        return a && (*a)["pm2_env"].value("status", "") == "errored";
      },
      20s))
      << "PM2 gives up on it: " << Dump();
  std::filesystem::remove(home_dir_.path() + "/fail");
  ASSERT_TRUE(WaitCheck("pm2:flaky", v1::HEALTH_OK, 20s, "online")) << Dump();
  // The app can be online a moment before the agent's event reaches the history.
  EXPECT_TRUE(WaitUntil([&] { return Events("recovered", "pm2:flaky") >= 1; }, 5s)) << Dump();
}

TEST_F(Pm2AgentTest, GivesUpAfterTheBudget) {
  home_dir_.Write("fail", "");
  Start("{name: 'doomed', script: app, max_restarts: 1, min_uptime: 2000, env: {FAIL_FLAG: '" + home_dir_.path() +
            "/fail'}}",
        ", max_restart_attempts: 2");
  ASSERT_TRUE(WaitUntil([&] { return Events("gave_up", "pm2:doomed") == 1; }, 40s)) << Dump();
  EXPECT_EQ(Events("recovered", "pm2:doomed"), 2);
  ASSERT_TRUE(WaitCheck("pm2:doomed", v1::HEALTH_FAILED, 5s, "gave up after 2 attempts")) << Dump();
  // No more attempts while given up.
  EXPECT_FALSE(WaitUntil([&] { return Events("recovered", "pm2:doomed") > 2; }, 2s));
}

TEST_F(Pm2AgentTest, BackupStandsInForAGivenUpCriticalAppAndGoesWhenItIsBack) {
  int port = FreePort(), backup_port = FreePort();
  Start("{name: 'api', script: app, max_restarts: 1, min_uptime: 2000, env: {PORT: '" + std::to_string(port) +
            "', FAIL_FLAG: '" + home_dir_.path() + "/fail'}}",
        ", max_restart_attempts: 1, backup_processes: true, critical: [api], backup_env: {PORT: '" +
            std::to_string(backup_port) + "'}");
  ASSERT_TRUE(WaitCheck("pm2:api", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  home_dir_.Write("fail", std::to_string(port));  // the primary's port is broken, not the backup's
  process::Signal(pm2_->App("api")->value("pid", 0), SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return Events("backup_started", "pm2:backup-api") == 1; }, 40s)) << Dump();
  // The backup serves, steadily, on its own port.
  ASSERT_TRUE(WaitCheck("pm2:backup-api", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  EXPECT_TRUE(WaitUntil(
      [&] {
        return ProbeHttp("http://127.0.0.1:" + std::to_string(backup_port) + "/health", Millis(500)).http_status == 200;
      },
      10s));
  EXPECT_EQ(Events("backup_started", "pm2:backup-api"), 1);
  auto b = pm2_->App("backup-api");
  EXPECT_EQ((*b)["pm2_env"]["env"].value("PORT", ""), std::to_string(backup_port)) << "backup_env applied";
  // The operator fixes the primary and asks for it.
  std::filesystem::remove(home_dir_.path() + "/fail");
  CtlResult r = d_->Ctl("recover pm2:api");
  EXPECT_NE(r.exit_code, 3) << r.output;
  ASSERT_TRUE(WaitUntil([&] { return !pm2_->App("backup-api").has_value(); }, 30s)) << Dump();
  EXPECT_EQ((*pm2_->App("api"))["pm2_env"].value("status", ""), "online");
  EXPECT_EQ(Events("backup_removed", "pm2:backup-api"), 1);
}

// A crash loop says why (its stderr and exit code, in the check, the history
// and so the alert), and gets no backup: the backup would run the same code.
TEST_F(Pm2AgentTest, ACrashLoopSaysWhyAndGetsNoBackupOfTheSameCode) {
  home_dir_.Write("fail", "");
  Start("{name: 'api', script: app, max_restarts: 1, min_uptime: 2000, env: {FAIL_FLAG: '" + home_dir_.path() +
            "/fail', FAIL_MESSAGE: 'Error: boom at startup'}}",
        ", max_restart_attempts: 1, backup_processes: true, critical: [api]");
  ASSERT_TRUE(WaitUntil([&] { return Events("gave_up", "pm2:api") == 1; }, 40s)) << Dump();
  auto c = CheckOf("pm2:api");
  ASSERT_TRUE(c);
  EXPECT_NE(c->summary().find("last error: Error: boom at startup"), std::string::npos) << c->summary();
  EXPECT_NE(c->details().find("Error: boom at startup"), std::string::npos) << c->details();
  EXPECT_TRUE(WaitUntil([&] { return Events("backup_skipped", "pm2:api") == 1; }, 5s)) << Dump();
  EXPECT_EQ(Events("backup_started"), 0);
  EXPECT_FALSE(pm2_->App("backup-api").has_value());
  auto h = d_->Ctl("history");
  EXPECT_NE(h.output.find("boom at startup"), std::string::npos) << h.output;
  // And the app's own logs, through redundancyctl.
  auto logs = d_->Ctl("logs api -n 5");
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("-error"), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("Error: boom at startup"), std::string::npos) << logs.output;
  EXPECT_EQ(d_->Ctl("logs no-such-app").exit_code, 2);
}

TEST_F(Pm2AgentTest, HealthProbeFailuresRestartTheApp) {
  int port = FreePort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  Start("{name: 'web', script: app, env: {PORT: '" + std::to_string(port) + "', UNHEALTHY_FLAG: '" + home_dir_.path() +
            "/sick'}}",
        ", health: {web: {url: '" + url + "', timeout: 500ms, failures: 2}}");
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  pid_t first = pm2_->App("web")->value("pid", 0);
  home_dir_.Write("sick", "");
  ASSERT_TRUE(WaitUntil([&] { return Events("recovered", "pm2:web") >= 1; }, 15s)) << Dump();
  std::filesystem::remove(home_dir_.path() + "/sick");
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto a = pm2_->App("web");
        return a && a->value("pid", 0) != first && (*a)["pm2_env"].value("status", "") == "online";
      },
      10s));
  EXPECT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 10s, "online")) << Dump();
}

TEST_F(Pm2AgentTest, MemoryAboveTheLimitRestartsTheApp) {
  Start("{name: 'hog', script: app, env: {ALLOC_MB: '80'}}", ", max_memory: 40MB, memory_samples: 2");
  ASSERT_TRUE(WaitUntil([&] { return Events("recovered", "pm2:hog") >= 1; }, 20s)) << Dump();
  auto h = d_->Ctl("history");
  EXPECT_NE(h.output.find("above max_memory"), std::string::npos) << h.output;
}

TEST_F(Pm2AgentTest, RestartStormIsContained) {
  // PM2 restarts an app that lives longer than min_uptime forever.
  Start("{name: 'storm', script: app, min_uptime: 100, env: {CRASH_AFTER_MS: '300'}}",
        ", restart_storm: {restarts: 3, within: 10s}", true, "2s");
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return Events("storm_stopped", "pm2:storm") >= 1; }, 15s)) << Dump();
  // Let 10 s pass in all, then count every restart PM2 did.
  WaitUntil([&] { return std::chrono::steady_clock::now() - t0 >= 10s; }, 11s);
  int restarts = (*pm2_->App("storm"))["pm2_env"].value("restart_time", 0);
  // Uncontained it restarts every ~0.4 s: ~25 in 10 s.
  EXPECT_LE(restarts, 12) << Dump();
  // While it backs off, nobody asks for a recovery that would do nothing
  // (a loop of them cost a core between agent, redundancyd and PM2).
  std::string logs = d_->ReadLogs();
  int idle = 0;
  for (size_t at = logs.find("nothing done"); at != std::string::npos; at = logs.find("nothing done", at + 1)) ++idle;
  EXPECT_LE(idle, 10) << "recoveries asked for during the backoff";
}

TEST_F(Pm2AgentTest, KilledDaemonIsReplacedAndEveryAppComesBackExactlyOnce) {
  Start(
      "{name: 'web', script: app},\n"
      "{name: 'orphan', script: '/bin/sleep', args: '424242', interpreter: 'none'},\n"
      "{name: 'resting', script: '/bin/sleep', args: '434343', interpreter: 'none'}");
  ASSERT_TRUE(WaitCheck("pm2:orphan", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  ASSERT_EQ(pm2_->Pm2("stop resting"), 0);
  ASSERT_TRUE(WaitCheck("pm2:resting", v1::HEALTH_OK, 5s, "stopped on purpose")) << Dump();
  pid_t god = pm2_->DaemonPid();
  pid_t orphan = pm2_->App("orphan")->value("pid", 0);
  ASSERT_TRUE(process::Signal(god, SIGKILL));
  // A quiet non-Node app survives its daemon as an orphan.
  ASSERT_TRUE(WaitUntil([&] { return pm2_->DaemonPid() != god && pm2_->DaemonRunning(); }, 10s)) << Dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto l = pm2_->List();
        return l.size() == 3 && pm2_->App("orphan") &&
               (*pm2_->App("orphan"))["pm2_env"].value("status", "") == "online" &&
               (*pm2_->App("web"))["pm2_env"].value("status", "") == "online";
      },
      10s))
      << Dump();
  EXPECT_FALSE(IsRunning(orphan)) << "the orphan of the dead daemon was killed";
  EXPECT_EQ((*pm2_->App("resting"))["pm2_env"].value("status", ""), "stopped") << "still stopped on purpose";
  std::string ps;
  RunShell("ps -eo args | grep -c '^/bin/sleep 424242$'", &ps);
  EXPECT_EQ(std::stoi(ps), 1) << "exactly one instance";
  EXPECT_EQ(Events("daemon_restored", "pm2:daemon"), 1);
  // The agent keeps its loop on one CPU; the daemon it started, and so the
  // site's apps, get every CPU back (common/process/cpus.h).
  const std::string all = ProcStatus(getpid(), "Cpus_allowed_list");
  EXPECT_EQ(ProcStatus(pm2_->DaemonPid(), "Cpus_allowed_list"), all) << "the new PM2 daemon runs on every CPU";
  EXPECT_EQ(ProcStatus(pm2_->App("web")->value("pid", 0), "Cpus_allowed_list"), all) << "and so do its apps";
}

TEST_F(Pm2AgentTest, ExpectedAppThatPm2NoLongerListsIsStartedAgain) {
  Start("{name: 'web', script: app},\n{name: 'other', script: '/bin/sleep', args: '100000', interpreter: 'none'}",
        ", respect_operator: false");
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  ASSERT_EQ(pm2_->Pm2("delete web"), 0);
  // It is in the ecosystem file, so it is expected: started again, once.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = pm2_->App("web");
        return a && (*a)["pm2_env"].value("status", "") == "online";
      },
      15s))
      << Dump();
  // The app can be online a moment before the agent's event reaches the history.
  EXPECT_TRUE(WaitUntil([&] { return Events("recovered", "pm2:web") >= 1; }, 5s));
  int webs = 0;
  for (const auto& a : pm2_->List()) webs += a.value("name", "") == "web";
  EXPECT_EQ(webs, 1);
}

// `pm2 delete` by an operator is a deliberate act: recorded, left alone, also
// across an agent restart, until `redundancyctl recover` asks for the app back.
TEST_F(Pm2AgentTest, AnAppTheOperatorDeletedIsLeftDeleted) {
  Start("{name: 'web', script: app},\n{name: 'other', script: '/bin/sleep', args: '100000', interpreter: 'none'}");
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 10s, "online pid")) << Dump();
  ASSERT_EQ(pm2_->Pm2("delete web"), 0);
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 5s, "deleted by an operator")) << Dump();
  EXPECT_TRUE(WaitUntil([&] { return Events("operator_deleted", "pm2:web") == 1; }, 5s)) << Dump();
  EXPECT_FALSE(WaitUntil([&] { return pm2_->App("web").has_value(); }, 3s)) << "the operator's delete was undone";
  ASSERT_EQ(d_->Ctl("restart-agent pm2").exit_code, 0);
  ASSERT_TRUE(d_->WaitAgentState("pm2", "ready", 10s));
  EXPECT_FALSE(WaitUntil([&] { return pm2_->App("web").has_value(); }, 3s)) << "undone after an agent restart";
  EXPECT_EQ(Events("recovered", "pm2:web"), 0);
  // The operator asks for it back.
  auto r = d_->Ctl("recover pm2:web");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitCheck("pm2:web", v1::HEALTH_OK, 15s, "online pid")) << Dump();
}

TEST_F(Pm2AgentTest, FallsBackToTheCliWhenTheSocketCannotBeUsed) {
  Start("{name: 'quiet', script: '/bin/sleep', args: '100000', interpreter: 'none', autorestart: false}",
        ", rpc_socket: /nonexistent/rpc.sock");
  ASSERT_TRUE(WaitCheck("pm2:daemon", v1::HEALTH_DEGRADED, 15s, "via the pm2 CLI")) << Dump();
  ASSERT_TRUE(WaitCheck("pm2:quiet", v1::HEALTH_OK, 15s, "online pid")) << Dump();
  pid_t first = pm2_->App("quiet")->value("pid", 0);
  process::Signal(first, SIGKILL);
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto a = pm2_->App("quiet");
        return a && (*a)["pm2_env"].value("status", "") == "online" && a->value("pid", 0) != first;
      },
      20s))
      << Dump();
}

TEST_F(Pm2AgentTest, EcosystemProblemsAreReportedWithLines) {
  Start(
      "{name: 'ok', script: app},\n{name: 'bad', scrpt: 'x.js', max_memory_restart: 'lots', cron_restart: '61 * * * "
      "*'},\n"
      "{name: 'ok', script: app}",
      "", /*start_apps=*/false);
  ASSERT_TRUE(WaitCheck("pm2:ecosystem:ecosystem.config.js", v1::HEALTH_FAILED, 15s)) << Dump();
  auto s = d_->Ctl("status --json");
  for (const char* want : {"missing 'script'", "unknown key 'scrpt'", "max_memory_restart 'lots'",
                           "cron_restart '61 * * * *'", "duplicate name"}) {
    auto h = d_->Status();
    bool found = false;
    for (const auto& sys : h->systems()) {
      for (const auto& c : sys.checks()) found |= c.details().find(want) != std::string::npos;
    }
    EXPECT_TRUE(found) << want;
  }
}

// The ecosystem file is read again when it changes, and while it could not
// be loaded: a package.json broken for a moment (node refuses to import the
// file then) is not a failure that outlives its fix. An app added to the file
// is not started by a check (the checkout may be ahead of its build): the
// pipeline's deploy starts it (PipelineTest.AnAppACommitAddsIsStartedByTheDeploy).
TEST_F(Pm2AgentTest, AnEcosystemFileIsReadAgainWhenItOrWhatItNeedsChanges) {
  Start("{name: 'web', script: app}");
  ASSERT_TRUE(WaitCheck("pm2:ecosystem:ecosystem.config.js", v1::HEALTH_OK, 10s, "1 app(s)")) << Dump();
  d_->dir().Write("package.json", "{ not json");
  d_->dir().Write("ecosystem.config.js",
                  "const app = " + Quote(Pm2Fixture("app.js")) +
                      ";\nmodule.exports = {apps: [\n{name: 'web', script: app},\n"
                      "{name: 'extra', script: '/bin/sleep', args: '100000', interpreter: 'none'}\n]};\n");
  ASSERT_TRUE(WaitCheck("pm2:ecosystem:ecosystem.config.js", v1::HEALTH_FAILED, 10s)) << Dump();
  EXPECT_FALSE(pm2_->App("extra").has_value()) << "started from a file that did not load";
  d_->dir().Write("package.json", "{}\n");
  EXPECT_TRUE(WaitCheck("pm2:ecosystem:ecosystem.config.js", v1::HEALTH_OK, 10s, "2 app(s)")) << Dump();
  EXPECT_FALSE(WaitUntil([&] { return pm2_->App("extra").has_value(); }, 2s)) << "started by a check";
  EXPECT_FALSE(CheckOf("pm2:extra").has_value()) << "a failed check for an app nobody deployed yet";
}

}  // namespace
}  // namespace redundancy::testing
