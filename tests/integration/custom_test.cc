// Custom systems end to end: the real redundancyd and redundancy-agent-custom
// watching real processes (python3's http.server on 127.0.0.1, Debian's
// monitoring plugins, a real PM2 for the dependency), recovered by their own
// steps, with what the plugins measured in /metrics.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/probe.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kPlugins[] = "/usr/lib/nagios/plugins";

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

int Events(const Daemon& d, const std::string& kind, const std::string& target) {
  auto h = d.Control(v1::ControlRequest::HISTORY);
  int n = 0;
  if (!h.ok()) return 0;
  for (const auto& r : h->history()) n += r.kind() == "event:" + kind && r.target() == target;
  return n;
}

std::optional<v1::HealthStatus> HealthOf(const Daemon& d, const std::string& system) {
  auto s = d.Status();
  if (!s.ok()) return std::nullopt;
  for (const auto& sys : s->systems()) {
    if (sys.name() == system) return sys.health();
  }
  return std::nullopt;
}

// A python3 -m http.server that the test (and the recover step) start in the
// background, known by its pid file; stopped by pid at the end.
class Server {
 public:
  Server(const TempDir& dir, int port) : dir_(dir), port_(port) {
    dir.Write("site/index.html", "hello from the site\n");
  }
  ~Server() {
    for (pid_t p : started_) {
      if (p > 0) kill(p, SIGKILL);
    }
    pid_t now = ReadPid(PidFile());
    if (now > 0) kill(now, SIGKILL);
  }
  // The command line that starts it (the recover step runs the same).
  std::string Command() const {
    return "nohup python3 -m http.server " + std::to_string(port_) + " --bind 127.0.0.1 --directory " + dir_.path() +
           "/site >/dev/null 2>&1 & echo $! > " + PidFile();
  }
  bool Start() {
    if (std::system(("sh -c '" + Command() + "'").c_str()) != 0) return false;
    started_.push_back(ReadPid(PidFile()));
    return WaitUntil([&] { return ProbeTcp("127.0.0.1:" + std::to_string(port_), Millis(500)).ok; }, 10s);
  }
  std::string PidFile() const { return dir_.path() + "/server.pid"; }
  pid_t Pid() const { return ReadPid(PidFile()); }
  void Remember(pid_t p) { started_.push_back(p); }

 private:
  const TempDir& dir_;
  int port_;
  std::vector<pid_t> started_;
};

TEST(CustomSystemTest, AKilledServerIsRestartedByItsRecoverStep) {
  int port = FreePort();
  int http_port = FreePort();
  TempDir site;
  Server server(site, port);
  ASSERT_TRUE(server.Start());
  std::string p = std::to_string(port);
  Daemon d(
      "  web:\n"
      "    kind: custom\n"
      "    interval: 300ms\n"
      "    checks:\n"
      "      - name: port\n"
      "        tcp: 127.0.0.1:" +
          p +
          "\n"
          "        timeout: 1s\n"
          "      - name: page\n"
          "        http: {url: 'http://127.0.0.1:" +
          p +
          "/index.html', expect_status: 200, expect_body: hello}\n"
          "    recovery: {backoff_initial: 100ms}\n"
          "    recover:\n"
          "      - exec: '" +
          server.Command() +
          "'\n"
          "        shell: true\n"
          "      - restart_check_after: 10s\n",
      FastOrchestratorYaml(5, false) + "http: {listen: '127.0.0.1:" + std::to_string(http_port) + "'}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("web:page", v1::HEALTH_OK, 15s)) << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("web:port", v1::HEALTH_OK, 5s)) << d.Ctl("status").output;
  // The latency of the page is a metric.
  std::string metrics;
  EXPECT_TRUE(WaitUntil(
      [&] {
        metrics = HttpGet("http://127.0.0.1:" + std::to_string(http_port) + "/metrics", {}, Millis(5000)).body;
        return metrics.find("redundancy_check_latency_ms{system=\"web\",target=\"web:page\"}") != std::string::npos;
      },
      5s))
      << metrics;

  pid_t first = server.Pid();
  ASSERT_GT(first, 0);
  kill(first, SIGKILL);
  // Whichever check saw it first is recovered (the shared steps bring both back).
  auto recovered = [&] { return Events(d, "recovered", "web:port") + Events(d, "recovered", "web:page"); };
  ASSERT_TRUE(WaitUntil([&] { return recovered() >= 1; }, 20s)) << d.Ctl("status").output << d.Ctl("history").output;
  ASSERT_TRUE(d.WaitCheck("web:port", v1::HEALTH_OK, 10s)) << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("web:page", v1::HEALTH_OK, 10s)) << d.Ctl("status").output;
  pid_t second = server.Pid();
  server.Remember(second);
  EXPECT_NE(second, first);
  EXPECT_TRUE(IsRunning(second));
  // One incident, one recovery: the shared steps ran once for both checks.
  // One recovery: a `recovered` per check it brought back, the steps run once.
  EXPECT_LE(Events(d, "recovered", "web:port"), 1) << d.Ctl("history").output;
  EXPECT_LE(Events(d, "recovered", "web:page"), 1) << d.Ctl("history").output;
  std::ifstream agent_log(d.dir().path() + "/.redundancy/logs/agent-web.log");
  std::string log_text(std::istreambuf_iterator<char>(agent_log), {});
  size_t step_runs = 0;
  for (size_t at = 0; (at = log_text.find("web: step 1 (exec", at)) != std::string::npos; ++at) ++step_runs;
  EXPECT_EQ(step_runs, 1u) << log_text;
  EXPECT_EQ(Events(d, "recovery_failed", "web:port") + Events(d, "recovery_failed", "web:page"), 0)
      << d.Ctl("history").output;
  EXPECT_EQ(Events(d, "gave_up", "web:port"), 0);
  // The server a recovery started outlives redundancyd (it is the site's, not ours).
  d.Kill(SIGTERM);
  EXPECT_EQ(d.WaitExit(10s), 0);
  EXPECT_TRUE(IsRunning(second));
}

TEST(CustomSystemTest, MonitoringPluginsGiveHealthAndPerfdataInMetrics) {
  if (access((std::string(kPlugins) + "/check_disk").c_str(), X_OK) != 0)
    GTEST_SKIP() << "monitoring-plugins-basic is not installed (scripts/setup.sh installs it)";
  int port = FreePort();
  int closed = FreePort();
  int http_port = FreePort();
  TempDir site;
  Server server(site, port);
  ASSERT_TRUE(server.Start());
  std::string plugins = kPlugins;
  Daemon d(
      "  host:\n"
      "    kind: custom\n"
      "    interval: 500ms\n"
      "    checks:\n"
      "      - name: disk\n"
      "        exec: [" +
          plugins +
          "/check_disk, -w, '1', -c, '1', -p, /]\n"
          "      - name: tcp\n"
          "        exec: [" +
          plugins + "/check_tcp, -H, 127.0.0.1, -p, '" + std::to_string(port) +
          "']\n"
          "      - name: closed\n"
          "        exec: [" +
          plugins + "/check_tcp, -H, 127.0.0.1, -p, '" + std::to_string(closed) + "']\n",
      FastOrchestratorYaml(5, false) + "http: {listen: '127.0.0.1:" + std::to_string(http_port) + "'}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("host:disk", v1::HEALTH_OK, 15s)) << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("host:tcp", v1::HEALTH_OK, 5s, "TCP OK")) << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("host:closed", v1::HEALTH_FAILED, 5s, "Connection refused")) << d.Ctl("status").output;
  std::string m;
  ASSERT_TRUE(WaitUntil(
      [&] {
        m = HttpGet("http://127.0.0.1:" + std::to_string(http_port) + "/metrics", {}, Millis(5000)).body;
        return m.find("target=\"host:tcp\",label=\"time\"") != std::string::npos;
      },
      10s))
      << m;
  // check_disk: the mount point as label, its unit; check_tcp: the connect time in seconds.
  EXPECT_TRUE(std::regex_search(m, std::regex("redundancy_check_perfdata\\{system=\"host\",target=\"host:disk\","
                                              "label=\"/\",uom=\"[KMGT]?B\"\\} [0-9.e+]+\n")))
      << m;
  EXPECT_TRUE(std::regex_search(m, std::regex("redundancy_check_perfdata\\{system=\"host\",target=\"host:tcp\","
                                              "label=\"time\",uom=\"s\"\\} [0-9.e+-]+\n")))
      << m;
  EXPECT_NE(m.find("redundancy_check_exit_code{system=\"host\",target=\"host:closed\"} 2"), std::string::npos) << m;
  // A failed check without recover steps is not retried for ever: nothing to run.
  auto closed_check = d.CheckOf("host:closed");
  ASSERT_TRUE(closed_check);
  EXPECT_EQ(Events(d, "recovery_failed", "host:closed"), 0);
  // `check` through the binary says the same.
  auto ctl = d.Ctl("check host");
  EXPECT_EQ(ctl.exit_code, 1) << ctl.output;
  EXPECT_NE(ctl.output.find("host:closed"), std::string::npos) << ctl.output;
}

TEST(CustomSystemTest, AHangingCheckTimesOutAndLeavesNoProcessBehind) {
  TempDir work;
  std::string dir = work.path();
  // ($$ in the config is a literal $: $$$$ is the shell's $$.)
  Daemon d(
      "  stuck:\n"
      "    kind: custom\n"
      "    interval: 1h\n"
      "    checks:\n"
      "      - name: hang\n"
      "        exec: 'echo $$$$ > " +
      dir + "/sh.pid; sleep 300 & echo $! > " + dir +
      "/child.pid; wait'\n"
      "        shell: true\n"
      "        timeout: 700ms\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("stuck:hang", v1::HEALTH_FAILED, 15s, "timed out after 700ms")) << d.Ctl("status").output;
  pid_t sh = ReadPid(dir + "/sh.pid");
  pid_t child = ReadPid(dir + "/child.pid");
  ASSERT_GT(sh, 0);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(sh) && !IsRunning(child); }, 5s))
      << "left running: sh " << sh << " " << IsRunning(sh) << ", sleep " << child << " " << IsRunning(child);
  // The agent itself is fine: still ready, and answers the next check.
  EXPECT_EQ(d.Agent("stuck")->state(), "ready");
  if (IsRunning(child)) kill(child, SIGKILL);
  if (IsRunning(sh)) kill(sh, SIGKILL);
}

// Uid of a process, from /proc (-1 when it is gone).
long UidOf(pid_t pid) {
  std::string uid = ProcStatus(pid, "Uid");
  return uid.empty() ? -1 : std::stol(uid);
}

// A check with `user:` runs as that user, with its group and groups (switched
// in the vfork child by raw system calls), and nobody else changes identity:
// the agent and redundancyd stay root check after check.
TEST(CustomSystemTest, ACheckRunsAsItsUserAndNothingElseDoes) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  const passwd* pw = getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  const std::string want =
      std::to_string(pw->pw_uid) + ":" + std::to_string(pw->pw_gid) + " groups " + std::to_string(pw->pw_gid);
  Daemon d(
      "  who:\n"
      "    kind: custom\n"
      "    interval: 200ms\n"
      "    checks:\n"
      "      - name: id\n"
      "        exec: 'echo \"$$(id -u):$$(id -g) groups $$(id -G)\"'\n"
      "        shell: true\n"
      "        user: nobody\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("who:id", v1::HEALTH_OK, 15s, want)) << d.Ctl("status").output;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(d.WaitReports("who", 1, 10s));
    EXPECT_EQ(UidOf(d.Agent("who")->pid()), 0);
    EXPECT_EQ(UidOf(d.pid()), 0);
  }
  EXPECT_TRUE(d.WaitCheck("who:id", v1::HEALTH_OK, 5s, want));
}

// The threads that wait (redundancyd's and an agent's loops, ZeroMQ's) share
// one CPU; an agent's worker and everything started (a check's command) run
// on every CPU we were given (common/process/cpus.h).
TEST(CustomSystemTest, WaitingThreadsShareOneCpuAndWhatTheyStartDoesNot) {
  const std::string all = ProcStatus("/proc/self", "Cpus_allowed_list");
  cpu_set_t mine;
  CPU_ZERO(&mine);
  ASSERT_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
  if (CPU_COUNT(&mine) < 2) GTEST_SKIP() << "one CPU: nothing to keep together";
  Daemon d(
      "  cpus:\n"
      "    kind: custom\n"
      "    interval: 200ms\n"
      "    checks:\n"
      "      - name: allowed\n"
      "        exec: 'grep Cpus_allowed_list /proc/self/status'\n"
      "        shell: true\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("cpus:allowed", v1::HEALTH_OK, 15s, all)) << d.Ctl("status").output;
  const std::string daemon_cpus = ProcStatus(d.pid(), "Cpus_allowed_list");
  EXPECT_EQ(daemon_cpus.find_first_of(",-"), std::string::npos) << "redundancyd on " << daemon_cpus;
  pid_t agent = d.Agent("cpus")->pid();
  EXPECT_EQ(ProcStatus(agent, "Cpus_allowed_list"), daemon_cpus) << "the agent's loop shares redundancyd's CPU";
  int everywhere = 0;
  for (const auto& t : std::filesystem::directory_iterator("/proc/" + std::to_string(agent) + "/task"))
    everywhere += ProcStatus(t.path().string(), "Cpus_allowed_list") == all;
  EXPECT_EQ(everywhere, 1) << "the worker thread, and only it, runs on every CPU";
}

TEST(CustomSystemTest, RecoveriesBeyondTheLimitWaitTheirTurn) {
  TempDir work;
  std::string dir = work.path();
  std::string systems;
  for (const char* name : {"alpha", "beta", "gamma"}) {
    std::string n = name;
    systems += "  " + n +
               ":\n"
               "    kind: custom\n"
               "    interval: 200ms\n"
               "    checks: [{name: flag, file: {path: " +
               dir + "/" + n +
               ".flag}}]\n"
               "    recover:\n"
               "      - exec: 'echo start " +
               n + " >> " + dir + "/log; sleep 0.4; echo end " + n + " >> " + dir + "/log; touch " + dir + "/" + n +
               ".flag'\n"
               "        shell: true\n";
  }
  std::string orchestrator = FastOrchestratorYaml(50, false);
  orchestrator.insert(orchestrator.find("  heartbeat_interval"), "  max_concurrent_recoveries: 1\n");
  Daemon d(systems, orchestrator + "http: {listen: ''}\n");
  ASSERT_TRUE(d.Start());
  for (const char* t : {"alpha:flag", "beta:flag", "gamma:flag"})
    ASSERT_TRUE(d.WaitCheck(t, v1::HEALTH_OK, 30s)) << t << "\n" << d.Ctl("status").output;
  std::ifstream in(dir + "/log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  // One at a time: every start is followed by its own end.
  for (size_t i = 0; i < lines.size(); i += 2) {
    ASSERT_EQ(lines[i].substr(0, 6), "start ") << lines[i];
    EXPECT_EQ(lines[i + 1], "end " + lines[i].substr(6)) << "overlapping recoveries:\n"
                                                         << lines[i] << "\n"
                                                         << lines[i + 1];
  }
  EXPECT_NE(d.ReadLogs().find("(orchestrator.max_concurrent_recoveries)"), std::string::npos);
}

// An agent of the operator's own, built out of tree against the installed
// package (examples/agent), run by redundancyd under `agent:`.
TEST(OutOfTreeAgentTest, TheExampleBuiltAgainstTheInstalledPackageIsSupervised) {
  TempDir work;
  std::string prefix = work.path() + "/prefix";
  std::string build = work.path() + "/build";
  std::string log = work.path() + "/cmake.log";
  auto run = [&](const std::string& cmd) { return std::system((cmd + " >>" + log + " 2>&1").c_str()) == 0; };
  auto log_text = [&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string cmake = CMAKE_COMMAND;
  ASSERT_TRUE(run(cmake + " --install " + REDUNDANCY_BUILD_DIR + " --component sdk --prefix " + prefix)) << log_text();
  ASSERT_TRUE(run(cmake + " -S " + SOURCE_DIR + "/examples/agent -B " + build + " -DCMAKE_PREFIX_PATH=" + prefix))
      << log_text();
  ASSERT_TRUE(run(cmake + " --build " + build + " -j2")) << log_text();
  std::string agent = build + "/redundancy-example-agent";
  ASSERT_EQ(access(agent.c_str(), X_OK), 0) << log_text();

  std::string spool = work.path() + "/spool";
  Daemon d(
      "  spool:\n"
      "    agent: " +
      agent +
      "\n"
      "    interval: 300ms\n"
      "    dir: " +
      spool +
      "\n"
      "    max_files: 1\n");
  ASSERT_TRUE(d.Start());
  // Missing -> recovered by the agent's own Recover -> ok; then over max_files -> degraded.
  ASSERT_TRUE(WaitUntil([&] { return Events(d, "recovered", "spool:dir") == 1; }, 15s)) << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("spool:dir", v1::HEALTH_OK, 5s, "0 files waiting")) << d.Ctl("status").output;
  std::ofstream(spool + "/a") << "1";
  std::ofstream(spool + "/b") << "2";
  ASSERT_TRUE(d.WaitCheck("spool:dir", v1::HEALTH_DEGRADED, 5s, "2 files waiting (max 1)")) << d.Ctl("status").output;
  // A crashed agent of one's own is restarted like the built-in ones.
  pid_t first = d.Agent("spool")->pid();
  kill(first, SIGKILL);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("spool");
        return a && a->pid() != first && a->state() == "ready";
      },
      10s));
}

// What tools print is any bytes: a report or a recovery's reply with them
// still arrives (protobuf would refuse it), and a recovery in backoff is not
// asked for again and again.
TEST(CustomSystemTest, HostileOutputIsReportedAndBackoffIsQuiet) {
  TempDir work;
  std::string plugin = work.Write(
      "plugin.sh",
      "#!/bin/sh\nprintf 'CRIT \\377\\376 caf\\303 | "
      "a=1;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\303\\251;2 \\377=3\\n'\nexit 2\n");
  std::string step =
      work.Write("step.sh", "#!/bin/sh\nprintf 'restart failed: \\377\\376 \\320\\235\\320\\265\\n'\nexit 1\n");
  chmod(plugin.c_str(), 0755);
  chmod(step.c_str(), 0755);
  Daemon d(
      "  odd:\n"
      "    kind: custom\n"
      "    interval: 200ms\n"
      "    checks: [{name: p, exec: [" +
      plugin +
      "]}]\n"
      "    recover: [{exec: [" +
      step +
      "]}]\n"
      "    recovery: {max_attempts: 3, backoff_initial: 1500ms}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("odd:p", v1::HEALTH_FAILED, 10s, "CRIT")) << d.Ctl("status").output;
  ASSERT_TRUE(WaitUntil([&] { return Events(d, "recovery_failed", "odd:p") >= 2; }, 15s)) << d.Ctl("history").output;
  EXPECT_TRUE(WaitUntil([&] { return Events(d, "gave_up", "odd:p") == 1; }, 15s)) << d.Ctl("history").output;
  EXPECT_EQ(Events(d, "recovery_failed", "odd:p"), 3);
  std::string logs = d.ReadLogs();
  EXPECT_EQ(logs.find("not an Envelope"), std::string::npos) << "a message was dropped";
  // Backoff: the daemon waited for it rather than asking twice a second.
  std::ifstream in(d.dir().path() + "/.redundancy/logs/agent-odd.log");
  std::string agent_log(std::istreambuf_iterator<char>(in), {});
  size_t asks = 0;
  for (size_t at = 0; (at = agent_log.find("recover (all)", at)) != std::string::npos; ++at) ++asks;
  EXPECT_LE(asks, 4u) << agent_log;
}

class CustomDependencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Pm2Available()) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  }
};

// A custom system downstream of pm2 waits while pm2 is failed (blocked), and
// recovers as soon as pm2 is back.
TEST_F(CustomDependencyTest, IsBlockedWhilePm2FailsAndRecoversAfterIt) {
  TempDir home;
  std::string pm2_home = home.path() + "/pm2";
  home.Write("fail", "");
  home.Write("proxy.conf", "listen 8080\n");
  Daemon d("  pm2: {interval: 500ms, pm2_home: " + pm2_home +
           ", restart_delay: 200ms, max_restart_attempts: 1, ecosystem: ecosystem.config.js}\n"
           "  proxy:\n"
           "    kind: custom\n"
           "    interval: 300ms\n"
           "    depends_on: [pm2]\n"
           "    checks: [{name: config, file: {path: " +
           home.path() +
           "/proxy.conf}}]\n"
           "    recover: [{exec: [touch, " +
           home.path() + "/proxy.conf]}]\n");
  d.dir().Write("ecosystem.config.js", "module.exports = {apps: [{name: 'web', script: '" + Pm2Fixture("app.js") +
                                           "', max_restarts: 1, min_uptime: 2000, env: {FAIL_FLAG: '" + home.path() +
                                           "/fail'}}]};\n");
  Pm2Home pm2(pm2_home);
  std::string out;
  ASSERT_EQ(pm2.Pm2("start " + d.dir().path() + "/ecosystem.config.js", &out), 0) << out;
  ASSERT_TRUE(d.Start());
  // pm2 gives up on the crashing app: pm2 failed, proxy blocked, its recovery held back.
  ASSERT_TRUE(d.WaitCheck("proxy:config", v1::HEALTH_OK, 15s)) << d.Ctl("status").output;
  ASSERT_TRUE(WaitUntil([&] { return Events(d, "gave_up", "pm2:web") == 1; }, 40s)) << d.Ctl("history").output;
  ASSERT_TRUE(WaitUntil([&] { return HealthOf(d, "pm2") == v1::HEALTH_FAILED; }, 10s)) << d.Ctl("status").output;
  // Now the proxy breaks too.
  std::remove((home.path() + "/proxy.conf").c_str());
  ASSERT_TRUE(WaitUntil([&] { return HealthOf(d, "proxy") == v1::HEALTH_BLOCKED; }, 10s))
      << d.Ctl("status").output << d.Ctl("history").output;
  EXPECT_FALSE(WaitUntil([&] { return Events(d, "recovered", "proxy:config") > 0; }, 2s));
  EXPECT_EQ(HealthOf(d, "proxy"), v1::HEALTH_BLOCKED);
  // The app's cause goes and an operator resumes it: pm2 ok, then the proxy's step runs.
  std::remove((home.path() + "/fail").c_str());
  auto recover = d.Ctl("recover pm2:web");
  ASSERT_TRUE(WaitUntil([&] { return HealthOf(d, "pm2") == v1::HEALTH_OK; }, 30s))
      << recover.output << d.Ctl("status").output;
  ASSERT_TRUE(d.WaitCheck("proxy:config", v1::HEALTH_OK, 15s)) << d.Ctl("status").output << d.Ctl("history").output;
  EXPECT_EQ(Events(d, "recovered", "proxy:config"), 1);
}

}  // namespace
}  // namespace redundancy::testing
