// The whole product as deployed, in each documented layout (README,
// "Deployment layouts"): under an outer PM2, under an emulated systemd
// service (its own cgroup, KillMode=mixed), and alone. Whatever happens to
// redundancyd (stop, restart, kill -9), the watched PM2 daemon keeps its pid
// and the site keeps answering an HTTP client that polls it every 50 ms.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/site_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class LayoutTest : public SiteTest {};

TEST_F(LayoutTest, UnderPm2StopRestartAndKillNeverTouchTheSite) {
  Pm2Home outer(root_ + "/outer-pm2");
  std::string env = "PM2_HOME=" + outer.home() + " REDUNDANCY_CONFIG=" + d_->config_path() + " ";
  std::string out;
  // Without REDUNDANCY_CONFIG the ecosystem file refuses to start anything.
  EXPECT_NE(RunShell("PM2_HOME=" + outer.home() + " pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js", &out), 0);
  EXPECT_NE(out.find("REDUNDANCY_CONFIG"), std::string::npos) << out;
  ASSERT_EQ(RunShell(env + "pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js", &out), 0) << out;
  ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  ASSERT_EQ(d_->CheckOf("pm2:ecosystem:ecosystem.config.js")->status(), v1::HEALTH_OK);
  ExpectCleanEnvironments();
  pid_t god = site_->DaemonPid();
  pid_t api = site_->App("api")->value("pid", 0);
  ASSERT_GT(god, 0);
  SitePoller poller(port_);

  // pm2 stop: redundancyd and its agents go, the site's PM2 stays.
  pid_t first = DaemonPid();
  ASSERT_EQ(RunShell(env + "pm2 stop redundancyd", &out), 0) << out;
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(first) && AgentsOf(d_->state_dir()).empty(); }, 20s));
  EXPECT_TRUE(IsRunning(god));
  // pm2 restart: back, one set of agents.
  ASSERT_EQ(RunShell(env + "pm2 restart redundancyd", &out), 0) << out;
  ASSERT_TRUE(WaitUntil(
      [&] {
        pid_t p = DaemonPid();
        return p > 0 && p != first;
      },
      20s));
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  ExpectOneSetOfAgents();
  // kill -9: PM2 starts it again; its agents die with it (PDEATHSIG).
  pid_t second = DaemonPid();
  process::Signal(second, SIGKILL);
  ASSERT_TRUE(WaitUntil(
      [&] {
        pid_t p = DaemonPid();
        return p > 0 && p != second;
      },
      30s))
      << Dump();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  ASSERT_TRUE(WaitUntil([&] { return AgentsOf(d_->state_dir()).size() == 5; }, 10s));
  ExpectOneSetOfAgents();
  // And pm2 restart once more, while the site is polled.
  ASSERT_EQ(RunShell(env + "pm2 restart redundancyd", &out), 0) << out;
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  // redundancyctl stop says that PM2 will start it again, and PM2 does.
  pid_t third = DaemonPid();
  auto stop = d_->Ctl("stop");
  EXPECT_NE(stop.output.find("`pm2 stop redundancyd` stops it for good"), std::string::npos) << stop.output;
  ASSERT_TRUE(WaitUntil(
      [&] {
        pid_t p = DaemonPid();
        return p > 0 && p != third;
      },
      30s))
      << Dump();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();

  poller.Stop();
  EXPECT_GT(poller.requests(), 10);
  EXPECT_EQ(poller.failures(), 0) << "the site failed " << poller.failures() << " of " << poller.requests()
                                  << " requests";
  EXPECT_EQ(site_->DaemonPid(), god) << "the watched PM2 daemon was replaced";
  EXPECT_TRUE(IsRunning(god));
  EXPECT_EQ(site_->App("api")->value("pid", 0), api) << "the app was restarted";
  // redundancyd is nobody's app but the outer PM2's: the site's PM2 never got it.
  EXPECT_FALSE(site_->App("redundancyd").has_value());
  // Info lines reach PM2's out log, not its error log.
  std::string outlog, errlog;  // redundancyd-out-0.log and redundancyd-error-0.log (instances: 1)
  for (const auto& f : fs::directory_iterator(outer.home() + "/logs")) {
    std::string name = f.path().filename();
    if (name.rfind("redundancyd-out", 0) == 0) outlog += ReadFile(f.path());
    if (name.rfind("redundancyd-error", 0) == 0) errlog += ReadFile(f.path());
  }
  EXPECT_NE(outlog.find("started (pid"), std::string::npos) << outlog.substr(0, 2000) << "\n--- error log ---\n"
                                                            << errlog.substr(0, 2000);
  EXPECT_EQ(errlog.find(" info "), std::string::npos) << errlog.substr(0, 2000);
}

// redundancyd inside the PM2 it watches: never restored, killed or counted.
TEST_F(LayoutTest, InsideTheWatchedPm2ItNeverRestoresOrKillsItself) {
  std::string env = "PM2_HOME=" + site_->home() + " REDUNDANCY_CONFIG=" + d_->config_path() + " ";
  std::string out;
  ASSERT_EQ(RunShell("cd " + root_ + " && " + env + "pm2 start ecosystem.config.js && " + env +
                         "pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js",
                     &out),
            0)
      << out;
  ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  EXPECT_FALSE(d_->CheckOf("pm2:redundancyd").has_value()) << "redundancyd watches itself";
  // The PM2 daemon dies: the agent replaces it and restores the apps, but
  // neither kills its own orchestrator (an orphan now) nor starts a second one.
  pid_t daemon = DaemonPid();
  pid_t god = site_->DaemonPid();
  process::Signal(god, SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return site_->DaemonPid() != god && site_->DaemonRunning(); }, 30s)) << Dump();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  EXPECT_TRUE(IsRunning(daemon)) << "the agent killed redundancyd as an orphan of the dead daemon";
  EXPECT_EQ(DaemonPid(), daemon);
  EXPECT_FALSE(site_->App("redundancyd").has_value()) << "redundancyd was restored as an app of the new daemon";
  ExpectOneSetOfAgents();
  // Orphaned by the dead daemon, it is stopped by pid; PM2 no longer knows it.
  process::Signal(daemon, SIGTERM);
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(daemon) && AgentsOf(d_->state_dir()).empty(); }, 20s));
}

// As systemd runs it: redundancyd in a cgroup of its own, PM2 as its own unit
// (systems.pm2.daemon_unit; a systemctl stand-in records the calls and starts
// PM2 in another cgroup), stopped the way KillMode=mixed stops it.
TEST_F(LayoutTest, UnderSystemdAStopOfTheServiceLeavesPm2AndTheApps) {
  const std::string cgroot = "/sys/fs/cgroup/unified";
  std::string svc = cgroot + "/redundancy-test-svc-" + std::to_string(getpid());
  std::string unit = cgroot + "/redundancy-test-pm2-" + std::to_string(getpid());
  std::error_code ec;
  if (!fs::create_directory(svc, ec) || !fs::create_directory(unit, ec)) {
    fs::remove(svc, ec);
    GTEST_SKIP() << "no writable cgroup v2 hierarchy at " << cgroot;
  }
  auto procs = [](const std::string& cg) {
    std::vector<pid_t> out;
    std::ifstream in(cg + "/cgroup.procs");
    pid_t p;
    while (in >> p) out.push_back(p);
    return out;
  };
  struct CgroupCleanup {
    std::function<std::vector<pid_t>(const std::string&)> procs;
    std::vector<std::string> groups;
    ~CgroupCleanup() {
      for (const auto& g : groups) {
        for (pid_t p : procs(g)) process::Signal(p, SIGKILL);
        WaitUntil([&] { return procs(g).empty(); }, 5s);
        std::error_code e;
        fs::remove(g, e);
      }
    }
  } cleanup{procs, {svc, unit}};

  std::string calls = root_ + "/systemctl.calls";
  WriteFile(root_ + "/bin/systemctl", "#!/bin/sh\necho \"$@\" >> " + calls +
                                          "\n"
                                          "case \"$1\" in restart|start) echo $$ > " +
                                          unit + "/cgroup.procs && PM2_HOME=" + site_->home() +
                                          " exec pm2 ping >/dev/null ;; esac\n");
  Sh("chmod +x " + root_ + "/bin/systemctl");
  WriteConfig(", daemon_unit: pm2-site.service, systemctl_bin: " + root_ + "/bin/systemctl");

  auto start = [&] {
    process::SpawnSpec spec;
    spec.exe = "/bin/sh";
    spec.args = {"-c", "echo $$ > " + svc + "/cgroup.procs && exec " + BinDir() + "/redundancyd --config " +
                           d_->config_path() + " --foreground"};
    spec.env = {{"INVOCATION_ID", "0123456789abcdef"}, {"NOTIFY_SOCKET", root_ + "/no-notify.sock"}};
    auto pid = process::Spawn(spec);
    EXPECT_TRUE(pid.ok());
    return pid.ok() ? *pid : 0;
  };
  // What systemd does on `systemctl stop` with KillMode=mixed: SIGTERM to the
  // main process, then SIGKILL to everything left in the cgroup.
  auto stop = [&](pid_t main) {
    process::Signal(main, SIGTERM);
    int status = 0;
    bool exited = WaitUntil([&] { return waitpid(main, &status, WNOHANG) == main; }, 15s);
    EXPECT_TRUE(exited) << "redundancyd did not stop on SIGTERM";
    for (pid_t p : procs(svc)) process::Signal(p, SIGKILL);
    EXPECT_TRUE(WaitUntil([&] { return procs(svc).empty(); }, 5s));
  };

  pid_t main = start();
  ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  pid_t god = site_->DaemonPid();
  ASSERT_GT(god, 0);
  auto in_svc = procs(svc);
  EXPECT_EQ(std::count(in_svc.begin(), in_svc.end(), god), 0) << "the PM2 daemon lives in redundancyd's cgroup";
  auto in_unit = procs(unit);
  EXPECT_EQ(std::count(in_unit.begin(), in_unit.end(), god), 1) << "the PM2 daemon is not in its unit's cgroup";
  EXPECT_NE(ReadFile(calls).find("restart -- pm2-site.service"), std::string::npos) << ReadFile(calls);
  ExpectCleanEnvironments();

  SitePoller poller(port_);
  stop(main);
  EXPECT_TRUE(IsRunning(god));
  EXPECT_EQ(HttpGetBody(port_, "/health"), "ok");
  // systemctl restart, then a watchdog-style kill -9 and the Restart= that follows.
  main = start();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  ExpectOneSetOfAgents();
  process::Signal(main, SIGKILL);
  int status = 0;
  WaitUntil([&] { return waitpid(main, &status, WNOHANG) == main; }, 5s);
  for (pid_t p : procs(svc)) process::Signal(p, SIGKILL);
  main = start();
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  ExpectOneSetOfAgents();
  stop(main);

  poller.Stop();
  EXPECT_GT(poller.requests(), 10);
  EXPECT_EQ(poller.failures(), 0) << "the site failed " << poller.failures() << " of " << poller.requests()
                                  << " requests";
  EXPECT_EQ(site_->DaemonPid(), god);
  EXPECT_TRUE(IsRunning(god));
  // Started through systemd once (cold start), never again.
  std::string log = ReadFile(calls);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

// Alone: `redundancyctl start` detaches it; the PM2 daemon it starts is in a
// session of its own and outlives every stop and kill.
TEST_F(LayoutTest, AloneStartStopAndKillLeaveThePm2DaemonRunning) {
  auto start = d_->Ctl("start");
  ASSERT_EQ(start.exit_code, 0) << start.output;
  ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  pid_t god = site_->DaemonPid();
  EXPECT_EQ(getsid(god), god) << "the PM2 daemon is not in a session of its own";
  pid_t daemon = DaemonPid();
  for (pid_t p = ParentOf(god); p > 1; p = ParentOf(p))
    EXPECT_NE(p, daemon) << "the PM2 daemon descends from redundancyd";
  // A cold start raises no alert that resolves itself within seconds.
  auto history = d_->Ctl("history --json");
  EXPECT_EQ(history.output.find("alert_firing"), std::string::npos) << history.output.substr(0, 4000);
  SitePoller poller(port_);

  auto stopped = d_->Ctl("stop");
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_TRUE(WaitUntil([&] { return DaemonPid() == 0 && AgentsOf(d_->state_dir()).empty(); }, 20s));
  EXPECT_TRUE(IsRunning(god));
  ASSERT_EQ(d_->Ctl("start").exit_code, 0);
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  daemon = DaemonPid();
  process::Signal(daemon, SIGKILL);
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(daemon) && AgentsOf(d_->state_dir()).empty(); }, 10s))
      << "agents outlived a kill -9 of redundancyd";
  EXPECT_TRUE(IsRunning(god));
  ASSERT_EQ(d_->Ctl("start").exit_code, 0);
  ASSERT_TRUE(WaitAllOk(30s)) << Dump();
  ExpectOneSetOfAgents();
  EXPECT_EQ(d_->Ctl("stop").exit_code, 0);

  poller.Stop();
  EXPECT_GT(poller.requests(), 10);
  EXPECT_EQ(poller.failures(), 0) << "the site failed " << poller.failures() << " of " << poller.requests()
                                  << " requests";
  EXPECT_EQ(site_->DaemonPid(), god);
}

// Launched with what PM2 and systemd put in an app's environment: none of it
// reaches an agent, and node children (the ecosystem check, npm run build) run.
TEST_F(LayoutTest, LauncherVariablesNeverReachTheChildren) {
  std::string outer = root_ + "/outer-pm2";
  ASSERT_TRUE(d_->Start({{"NODE_CHANNEL_FD", "3"},
                         {"NODE_CHANNEL_SERIALIZATION_MODE", "json"},
                         {"NODE_UNIQUE_ID", "1"},
                         {"pm_id", "7"},
                         {"PM2_HOME", outer},
                         {"name", "redundancyd"},
                         {"unique_id", "x"},
                         {"NOTIFY_SOCKET", root_ + "/no-notify.sock"},
                         {"WATCHDOG_PID", "1"},
                         {"WATCHDOG_USEC", "9000000"},
                         {"LISTEN_PID", "1"},
                         {"LISTEN_FDS", "1"},
                         {"INVOCATION_ID", "0123456789abcdef"}}));
  ASSERT_TRUE(WaitAllOk(60s)) << Dump();
  EXPECT_EQ(d_->CheckOf("pm2:ecosystem:ecosystem.config.js")->status(), v1::HEALTH_OK);
  EXPECT_EQ(d_->CheckOf("build:validate")->status(), v1::HEALTH_OK);
  ExpectCleanEnvironments();
  EXPECT_FALSE(fs::exists(outer)) << "a child used the outer PM2_HOME";
}

}  // namespace
}  // namespace redundancy::testing
