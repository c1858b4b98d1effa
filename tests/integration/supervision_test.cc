// Supervision end to end: the real redundancyd and real agent processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

// pm2_home inside the test's workspace: a test never touches ~/.pm2.
std::string AllSystems() {
  return "  git: {interval: 1s}\n  build: {interval: 1s}\n  pm2: {interval: 1s, pm2_home: .pm2-test}\n"
         "  netlify: {interval: 1s}\n  workflows: {interval: 1s}\n";
}

std::string TestSystems() {
  return "  git: {interval: 1s, agent: " + TestAgent() + "}\n  build: {interval: 1s, agent: " + TestAgent() + "}\n";
}

TEST(SupervisionTest, EveryBuiltInAgentBecomesReady) {
  Daemon d(AllSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->agents_size(), 5);
  // Every agent reports its first checks.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto st = d.Status();
        if (!st.ok()) return false;
        for (const auto& sys : st->systems()) {
          if (sys.checks_size() == 0) return false;
        }
        return true;
      },
      5s));
  auto st = d.Status();
  for (const auto& sys : st->systems()) {
    // Real agents: the workspace is no git checkout and runs no PM2, so git is failed; what is
    // downstream shows its own health, or blocked where a failed check waits for git.
    if (sys.name() == "git") {
      EXPECT_EQ(sys.health(), v1::HEALTH_FAILED);
      EXPECT_NE(sys.checks(0).summary().find("not a git checkout"), std::string::npos) << sys.checks(0).summary();
    } else if (sys.name() == "build" || sys.name() == "pm2" || sys.name() == "netlify") {
      EXPECT_NE(sys.health(), v1::HEALTH_UNKNOWN) << sys.name();
      bool waits = false;
      for (const auto& c : sys.checks()) waits |= c.status() == v1::HEALTH_FAILED;
      if (sys.health() == v1::HEALTH_BLOCKED) {
        EXPECT_TRUE(waits) << sys.name() << " is blocked with nothing waiting";
      }
    } else {
      // workflows: the workspace has no .github/workflows.
      EXPECT_EQ(sys.name(), "workflows");
      EXPECT_EQ(sys.health(), v1::HEALTH_DEGRADED) << sys.name();
      EXPECT_NE(sys.checks(0).summary().find("no workflows in"), std::string::npos) << sys.checks(0).summary();
    }
  }
}

TEST(SupervisionTest, Pm2AgentWithNoDaemonAndNothingToRestoreStartsNothing) {
  Daemon d(AllSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  // pm2 depends on build, which depends on the (failed) git: it is checked, but blocked from recovery.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->systems(2).checks_size() > 0 &&
               s->systems(2).checks(0).summary().find("not running") != std::string::npos;
      },
      5s));
  // Several check intervals: the agent must not have started a daemon of its own.
  EXPECT_FALSE(WaitUntil([&] { return std::filesystem::exists(d.dir().path() + "/.pm2-test/pm2.pid"); }, 2500ms));
}

TEST(SupervisionTest, KilledAgentIsReplacedByAReadyOne) {
  Daemon d(TestSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  pid_t old_pid = d.Agent("git")->pid();
  ASSERT_TRUE(process::Signal(old_pid, SIGKILL));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("git");
        return a && a->pid() != old_pid && a->pid() > 0 && a->state() == "ready";
      },
      5s));
  auto a = d.Agent("git");
  EXPECT_EQ(a->restarts(), 1u);
  EXPECT_EQ(a->last_exit(), "killed by SIGKILL");
  EXPECT_FALSE(IsRunning(old_pid));
  EXPECT_EQ(d.Agent("build")->restarts(), 0u) << "one_for_one: the other agent is untouched";
}

TEST(SupervisionTest, StoppedAgentIsDeclaredHungAndReplaced) {
  Daemon d(TestSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  pid_t old_pid = d.Agent("git")->pid();
  ASSERT_TRUE(process::Signal(old_pid, SIGSTOP));
  // heartbeat_interval 100ms x (liveness 3 + 1) + stop_grace 300ms = 700ms; allow for a loaded machine.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("git");
        return a && a->pid() != old_pid && a->state() == "ready";
      },
      700ms + 3s));
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(old_pid); }, 2s));
  auto h = d.Control(v1::ControlRequest::HISTORY);
  ASSERT_TRUE(h.ok());
  bool hung = false;
  bool clean_exit = false;
  for (const auto& r : h->history()) {
    hung |= (r.kind() == "agent_hung" && r.system() == "git");
    // Continued with a SIGTERM waiting, it leaves cleanly: it does not blame
    // the orchestrator for the silence it was frozen through.
    if (r.kind() == "agent_exit" && r.system() == "git" &&
        r.detail().find(std::to_string(old_pid)) != std::string::npos)
      clean_exit = r.detail().find("exited 0") != std::string::npos;
  }
  EXPECT_TRUE(hung);
  EXPECT_TRUE(clean_exit) << "the stopped agent's exit was not a clean one";
  EXPECT_EQ(d.ReadLogs().find("has not answered"), std::string::npos) << "a frozen agent blamed the orchestrator";
}

TEST(SupervisionTest, AgentSelfStoppingIsCaughtToo) {
  Daemon d("  git: {interval: 1s, agent: " + TestAgent() + "}\n");
  d.SetMode("git hang_after 300ms\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAgentState("git", "ready", 5s));
  pid_t first = d.Agent("git")->pid();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("git");
        return a && a->pid() != first && a->pid() > 0;
      },
      5s));
}

TEST(SupervisionTest, CrashLoopEndsGaveUpAndStaysDownUntilRestartAgent) {
  Daemon d("  git: {interval: 1s, agent: " + TestAgent() + "}\n  build: {interval: 1s, agent: " + TestAgent() + "}\n",
           FastOrchestratorYaml(/*max_restarts=*/3));
  d.SetMode("git crash_after 30ms\ngit exit_code 7\nbuild status failed\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAgentState("git", "gave_up", 10s));
  // Nobody checks git now: it is failed (not its last "ok"), and build's failed work waits for it.
  EXPECT_TRUE(d.WaitCheck("agent:git", v1::HEALTH_FAILED, 5s, "was given up on"));
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->systems(0).health() == v1::HEALTH_FAILED && s->systems(1).health() == v1::HEALTH_BLOCKED;
      },
      5s))
      << d.Ctl("status").output;
  auto a = d.Agent("git");
  EXPECT_EQ(a->pid(), 0);
  EXPECT_EQ(a->last_exit(), "exited 7");
  uint32_t restarts = a->restarts();
  // No further restarts: the count holds over several backoff periods (max 200 ms).
  EXPECT_FALSE(WaitUntil([&] { return d.Agent("git")->restarts() != restarts; }, 1s));
  EXPECT_EQ(d.Ctl("status").exit_code, 1) << "a gave_up agent makes status unhealthy";
  // The operator fixes the cause and restarts it.
  d.SetMode("");
  CtlResult r = d.Ctl("restart-agent git");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(d.WaitAgentState("git", "ready", 5s));
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->systems(0).health() == v1::HEALTH_OK;
      },
      5s));
  auto h = d.Control(v1::ControlRequest::HISTORY);
  bool gave_up = false;
  for (const auto& row : h->history()) gave_up |= row.kind() == "agent_gave_up";
  EXPECT_TRUE(gave_up);
}

TEST(SupervisionTest, AgentNeverReadyIsRestartedAfterStartTimeout) {
  std::string orch =
      "orchestrator:\n  heartbeat_interval: 100ms\n  start_timeout: 500ms\n  stop_grace: 200ms\n"
      "  agent_restart: {backoff_initial: 20ms, backoff_max: 100ms, max_restarts: 50, within: 60s}\n";
  Daemon d("  git: {interval: 1s, agent: " + TestAgent() + "}\n", orch);
  d.SetMode("git no_ready\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("git");
        return a && a->restarts() >= 1;
      },
      5s));
  EXPECT_NE(d.Agent("git")->last_exit(), "");
}

TEST(SupervisionTest, KillingTheDaemonTakesEveryAgentDownWithinTwoSeconds) {
  Daemon d(AllSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  auto pids = d.AgentPids();
  ASSERT_EQ(pids.size(), 5u);
  d.Kill(SIGKILL);
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (pid_t p : pids)
          if (IsRunning(p)) return false;
        return true;
      },
      2s));
}

// An agent's helpers (a build's shell and what it started in the background)
// are never orphaned: they go with the agent, killed -9 or stopped with redundancyd.
TEST(SupervisionTest, HelpersOfAnAgentNeverOutliveIt) {
  for (bool kill_daemon : {false, true}) {
    SCOPED_TRACE(kill_daemon ? "kill -9 of redundancyd" : "kill -9 of the agent");
    Daemon d("  build: {interval: 1h, validate: \"sh helper.sh\"}\n");
    d.dir().Write("package.json", "{\"name\": \"x\", \"version\": \"1.0.0\"}\n");
    d.dir().Write("helper.sh", "echo $$ > helper.pid\nsleep 600 &\necho $! > grandchild.pid\nwait\n");
    ASSERT_TRUE(d.Start());
    ASSERT_TRUE(d.WaitAllReady(10s));
    std::vector<pid_t> helpers;
    ASSERT_TRUE(WaitUntil(
        [&] {
          helpers.clear();
          for (const char* f : {"/helper.pid", "/grandchild.pid"}) {
            pid_t p = std::atoi(ReadFile(d.dir().path() + f).c_str());
            if (p > 0) helpers.push_back(p);
          }
          return helpers.size() == 2;
        },
        10s));
    for (pid_t p : helpers) ASSERT_TRUE(IsRunning(p));
    if (kill_daemon) {
      d.Kill(SIGKILL);
    } else {
      process::Signal(d.Agent("build")->pid(), SIGKILL);
    }
    EXPECT_TRUE(WaitUntil(
        [&] {
          for (pid_t p : helpers)
            if (IsRunning(p)) return false;
          return true;
        },
        5s))
        << "a helper outlived its agent";
    for (pid_t p : helpers)
      if (IsRunning(p)) process::Signal(p, SIGKILL);
  }
}

TEST(SupervisionTest, AgentsExitWhenTheDaemonStopsAnswering) {
  // A frozen orchestrator is alive (no PDEATHSIG), so only the agents'
  // own heartbeat liveness can notice it.
  Daemon d(TestSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  auto pids = d.AgentPids();
  process::Signal(d.pid(), SIGSTOP);
  // Asked after 0.95 s of its silence (liveness 10 x 100 ms, less half a
  // beat), then every beat: gone after ten unanswered questions, about 2 s.
  bool gone = WaitUntil(
      [&] {
        for (pid_t p : pids)
          if (IsRunning(p)) return false;
        return true;
      },
      6s);
  process::Signal(d.pid(), SIGCONT);
  EXPECT_TRUE(gone);
}

TEST(SupervisionTest, SigtermShutsDownGracefully) {
  Daemon d(AllSystems());
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  auto pids = d.AgentPids();
  process::Signal(d.pid(), SIGTERM);
  EXPECT_EQ(d.WaitExit(5s), 0);
  for (pid_t p : pids) EXPECT_FALSE(IsRunning(p)) << p;
  std::string logs = d.ReadLogs();
  EXPECT_NE(logs.find("agent git: agent_exit"), std::string::npos);
  EXPECT_EQ(logs.find("killed by SIGKILL"), std::string::npos) << "agents obeyed SHUTDOWN; none needed SIGKILL";
}

TEST(SupervisionTest, MissingAgentBinaryGivesUpWithAClearReason) {
  // A binary that is missing at start is a config error (CustomConfigTest);
  // one removed while running is found when the agent has to start again.
  TempDir bin;
  std::string agent = bin.path() + "/agent";
  std::filesystem::copy_file(TestAgent(), agent);
  Daemon d("  git: {interval: 1s, agent: " + agent + "}\n", FastOrchestratorYaml(2));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAgentState("git", "ready", 10s));
  std::filesystem::remove(agent);
  kill(d.Agent("git")->pid(), SIGKILL);
  ASSERT_TRUE(d.WaitAgentState("git", "gave_up", 10s));
  EXPECT_NE(d.Agent("git")->last_exit().find(agent), std::string::npos) << d.Agent("git")->last_exit();
  Daemon missing("  git: {interval: 1s, agent: /nonexistent/agent}\n");
  auto refused = missing.Ctl("config validate " + missing.config_path());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("systems.git.agent: /nonexistent/agent does not exist"), std::string::npos)
      << refused.output;
}

// Voluntary context switches of each thread of `pid` ("tid name" -> count):
// each is a wake-up.
std::map<std::string, long> WakeUpsByThread(pid_t pid) {
  std::map<std::string, long> out;
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(t.path() / "status");
    std::string key, name;
    while (in >> key) {
      long v;
      if (key == "Name:") in >> name;
      if (key == "voluntary_ctxt_switches:" && in >> v) out[t.path().filename().string() + " " + name] = v;
    }
  }
  return out;
}

// The threads that woke between two samples, for a failure message.
std::string WokenThreads(const std::map<std::string, long>& before, const std::map<std::string, long>& after) {
  std::string out;
  for (const auto& [thread, n] : after) {
    auto it = before.find(thread);
    long delta = n - (it == before.end() ? 0 : it->second);
    if (delta > 0) out += " [" + thread + " +" + std::to_string(delta) + "]";
  }
  return out;
}

// Nothing due, nothing done: with checks an hour apart and a heartbeat only
// after 10 s of silence, neither redundancyd nor its agents wake up at all
// (the loops sleep until a deadline, a message or a watched descriptor).
TEST(SupervisionTest, AnIdleDaemonAndItsAgentsDoNotWakeUp) {
  Daemon d(
      "  workflows: {interval: 1h}\n  netlify: {interval: 1h}\n  git: {interval: 1h, agent: " + TestAgent() + "}\n",
      "orchestrator: {heartbeat_interval: 10s, heartbeat_liveness: 3}\nhttp: {listen: \"\"}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        if (!s.ok() || s->systems_size() != 3) return false;
        for (const auto& sys : s->systems())
          if (sys.health() == v1::HEALTH_UNKNOWN) return false;
        return true;
      },
      10s));
  // The pids come from a status request, itself a wake-up (and, on a loaded
  // machine, a late one): ask first, then let it and the first checks'
  // replies and logs settle before counting.
  // Silent agents beat on multiples of the interval (10 s) of the monotonic
  // clock, which steady_clock reads: count between two of those.
  std::vector<pid_t> pids = d.AgentPids();
  pids.push_back(d.pid());
  auto start = std::chrono::steady_clock::now() + 1s;
  auto phase = start.time_since_epoch() % 10s;
  if (phase < 1s) start += 1s - phase;
  if (phase > 6s) start += 11s - phase;
  std::this_thread::sleep_until(start);
  std::map<pid_t, std::map<std::string, long>> before;
  for (pid_t p : pids) before[p] = WakeUpsByThread(p);
  std::this_thread::sleep_for(3s);
  for (pid_t p : pids) {
    // The old loops woke every second and sent heartbeats every 500 ms: 6+ here.
    long woke = 0;
    auto after = WakeUpsByThread(p);
    for (const auto& [thread, n] : after) woke += n - (before[p].count(thread) ? before[p][thread] : 0);
    EXPECT_LE(woke, 2) << "pid " << p << (p == d.pid() ? " (redundancyd)" : " (an agent)")
                       << WokenThreads(before[p], after);
  }
}

}  // namespace
}  // namespace redundancy::testing
