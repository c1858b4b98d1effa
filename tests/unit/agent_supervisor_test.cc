#include "orchestrator/agent_supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

namespace redundancy {
namespace {

using std::chrono::milliseconds;

// Records what the supervisor asks for; spawns hand out increasing pids.
class FakeOps : public AgentOps {
 public:
  Result<pid_t> Spawn(const std::string& agent) override {
    spawns.push_back(agent);
    if (fail_spawn) return Result<pid_t>::Error("cannot execute /nowhere");
    return next_pid++;
  }
  void Signal(pid_t pid, int sig) override { signals.emplace_back(pid, sig); }
  void SendShutdown(const std::string& agent) override { shutdowns.push_back(agent); }
  void Record(const std::string&, const std::string& kind, const std::string&) override { records.push_back(kind); }
  void Probe(const std::string& agent) override { probes.push_back(agent); }
  bool Recorded(const std::string& kind) const {
    return std::find(records.begin(), records.end(), kind) != records.end();
  }

  std::vector<std::string> spawns, shutdowns, records, probes;
  std::vector<std::pair<pid_t, int>> signals;
  pid_t next_pid = 100;
  bool fail_spawn = false;
};

class AgentSupervisorTest : public ::testing::Test {
 protected:
  AgentSupervisorTest() {
    RestartPolicyConfig rp;
    rp.backoff_initial = milliseconds(100);
    rp.backoff_max = milliseconds(1000);
    rp.max_restarts = 3;
    rp.within = milliseconds(10'000);
    rp.stable_after = milliseconds(2000);
    SupervisionTimes t;
    t.heartbeat_interval = milliseconds(100);
    t.heartbeat_liveness = 3;
    t.start_timeout = milliseconds(1000);
    t.stop_grace = milliseconds(200);
    sup = std::make_unique<AgentSupervisor>("git", &ops, t, RestartPolicy(rp, [] { return 0.5; }));
  }
  SteadyTime now() const { return clock.Now(); }
  void Advance(int ms) {
    clock.Advance(milliseconds(ms));
    sup->Tick(now());
  }
  void StartReady() {
    sup->Start(now());
    sup->OnAlive(now());
    sup->OnReady(now());
  }

  FakeClock clock;
  FakeOps ops;
  std::unique_ptr<AgentSupervisor> sup;
};

TEST_F(AgentSupervisorTest, StoppedToStartingOnStart) {
  EXPECT_EQ(sup->state(), AgentState::kStopped);
  sup->Start(now());
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  EXPECT_EQ(sup->pid(), 100);
  EXPECT_TRUE(ops.Recorded("agent_start"));
}

TEST_F(AgentSupervisorTest, StartingToReadyOnReady) {
  StartReady();
  EXPECT_EQ(sup->state(), AgentState::kReady);
  EXPECT_TRUE(ops.Recorded("agent_ready"));
}

TEST_F(AgentSupervisorTest, FirstExitRestartsAtOnce) {
  StartReady();
  sup->OnExit("killed by SIGKILL", now());
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  EXPECT_EQ(ops.spawns.size(), 2u);
  EXPECT_EQ(sup->pid(), 101);
  EXPECT_EQ(sup->restarts(), 1);
  EXPECT_EQ(sup->last_exit(), "killed by SIGKILL");
}

TEST_F(AgentSupervisorTest, SecondQuickExitBacksOffThenSpawns) {
  StartReady();
  sup->OnExit("exited 3", now());
  sup->OnExit("exited 3", now());
  EXPECT_EQ(sup->state(), AgentState::kBackoff);
  ASSERT_TRUE(sup->NextDeadline().has_value());
  EXPECT_EQ(*sup->NextDeadline() - now(), milliseconds(100));  // backoff_initial, jitter 0.5 -> x1.0
  Advance(99);
  EXPECT_EQ(sup->state(), AgentState::kBackoff);
  Advance(1);
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  EXPECT_EQ(ops.spawns.size(), 3u);
}

TEST_F(AgentSupervisorTest, BackoffDoublesUpToMax) {
  sup->Start(now());
  std::vector<int64_t> delays;
  RestartPolicyConfig rp;
  rp.backoff_initial = milliseconds(100);
  rp.backoff_max = milliseconds(300);
  rp.max_restarts = 100;
  sup->SetPolicy(rp);
  for (int i = 0; i < 5; ++i) {
    sup->OnExit("exited 1", now());
    if (sup->state() == AgentState::kBackoff) {
      delays.push_back(std::chrono::duration_cast<milliseconds>(*sup->NextDeadline() - now()).count());
      clock.Advance(milliseconds(delays.back()));
      sup->Tick(now());
    }
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{100, 200, 300, 300}));
}

TEST_F(AgentSupervisorTest, BudgetSpentGivesUp) {
  StartReady();
  for (int i = 0; i < 4 && sup->state() != AgentState::kGaveUp; ++i) {
    sup->OnExit("exited 3", now());
    if (sup->state() == AgentState::kBackoff) Advance(2000);
  }
  EXPECT_EQ(sup->state(), AgentState::kGaveUp);
  EXPECT_TRUE(ops.Recorded("agent_gave_up"));
  size_t spawns = ops.spawns.size();
  Advance(60'000);
  EXPECT_EQ(ops.spawns.size(), spawns) << "a gave_up agent must not be restarted";
  EXPECT_FALSE(sup->NextDeadline().has_value());
}

TEST_F(AgentSupervisorTest, BudgetCountsLateExitsToo) {
  // Exits of agents that ran a while (past stable_after) still count within the window.
  StartReady();
  for (int i = 0; i < 4; ++i) {
    Advance(2100);  // stable each time: restarts are immediate
    ASSERT_NE(sup->state(), AgentState::kGaveUp) << i;
    sup->OnExit("exited 1", now());
    if (sup->state() == AgentState::kStarting) sup->OnReady(now());
  }
  EXPECT_EQ(sup->state(), AgentState::kGaveUp);
}

TEST_F(AgentSupervisorTest, ExitsOutsideWindowAreForgotten) {
  StartReady();
  for (int i = 0; i < 10; ++i) {
    Advance(5000);
    sup->OnExit("exited 1", now());
    ASSERT_NE(sup->state(), AgentState::kGaveUp) << i;
    if (sup->state() == AgentState::kBackoff) Advance(1000);
    sup->OnReady(now());
  }
}

TEST_F(AgentSupervisorTest, StableRunResetsBackoffStreak) {
  StartReady();
  sup->OnExit("exited 1", now());
  sup->OnReady(now());
  Advance(100);
  sup->OnAlive(now());
  Advance(100);
  sup->OnAlive(now());
  // Keep it alive past stable_after.
  for (int i = 0; i < 25; ++i) {
    Advance(100);
    sup->OnAlive(now());
  }
  sup->OnExit("exited 1", now());
  EXPECT_EQ(sup->state(), AgentState::kStarting) << "after a stable run the restart is immediate again";
}

TEST_F(AgentSupervisorTest, MissedHeartbeatsDeclareHungThenKill) {
  StartReady();
  Advance(299);
  EXPECT_EQ(sup->state(), AgentState::kReady);
  Advance(1);
  EXPECT_EQ(sup->state(), AgentState::kStopping);
  EXPECT_TRUE(ops.Recorded("agent_hung"));
  ASSERT_GE(ops.signals.size(), 1u);
  EXPECT_EQ(ops.signals[0], std::make_pair(pid_t{100}, SIGTERM));
  Advance(199);
  EXPECT_EQ(std::count(ops.signals.begin(), ops.signals.end(), std::make_pair(pid_t{100}, SIGKILL)), 0);
  Advance(1);
  EXPECT_EQ(std::count(ops.signals.begin(), ops.signals.end(), std::make_pair(pid_t{100}, SIGKILL)), 1);
  sup->OnExit("killed by SIGKILL", now());
  EXPECT_EQ(sup->state(), AgentState::kStarting) << "a hung agent is restarted";
}

TEST_F(AgentSupervisorTest, ASilentAgentIsProbedOnceBeforeItIsHung) {
  StartReady();
  EXPECT_EQ(sup->NextDeadline(), now() + milliseconds(250))
      << "the probe: (liveness - 1) and a half intervals, so a beat on time never races it";
  Advance(249);
  EXPECT_TRUE(ops.probes.empty());
  Advance(1);
  EXPECT_EQ(ops.probes, std::vector<std::string>{"git"});
  EXPECT_EQ(sup->NextDeadline(), now() + milliseconds(50)) << "then the hang";
  Advance(25);
  EXPECT_EQ(ops.probes.size(), 1u) << "one probe per silence";
  // The answer: alive again, and a later silence gets its own probe.
  sup->OnAlive(now());
  Advance(250);
  EXPECT_EQ(ops.probes.size(), 2u);
  Advance(50);
  EXPECT_EQ(sup->state(), AgentState::kStopping) << "no answer to the probe: hung";
}

TEST_F(AgentSupervisorTest, AnAgentThatTalksIsNeverProbed) {
  StartReady();
  for (int i = 0; i < 50; ++i) {
    Advance(150);
    sup->OnAlive(now());
  }
  EXPECT_TRUE(ops.probes.empty());
  EXPECT_EQ(sup->state(), AgentState::kReady);
}

TEST_F(AgentSupervisorTest, HeartbeatsKeepItReady) {
  StartReady();
  for (int i = 0; i < 50; ++i) {
    Advance(100);
    sup->OnAlive(now());
  }
  EXPECT_EQ(sup->state(), AgentState::kReady);
}

TEST_F(AgentSupervisorTest, StartTimeoutTerminates) {
  sup->Start(now());
  Advance(999);
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  Advance(1);
  EXPECT_EQ(sup->state(), AgentState::kStopping);
}

TEST_F(AgentSupervisorTest, StopSendsShutdownThenKillsAfterGrace) {
  StartReady();
  sup->Stop(now());
  EXPECT_EQ(sup->state(), AgentState::kStopping);
  EXPECT_EQ(ops.shutdowns, std::vector<std::string>{"git"});
  Advance(200);
  EXPECT_EQ(ops.signals.back(), std::make_pair(pid_t{100}, SIGKILL));
  sup->OnExit("killed by SIGKILL", now());
  EXPECT_EQ(sup->state(), AgentState::kStopped);
  EXPECT_EQ(ops.spawns.size(), 1u);
}

TEST_F(AgentSupervisorTest, StopFromBackoffOrGaveUpIsImmediate) {
  StartReady();
  sup->OnExit("exited 1", now());
  sup->OnExit("exited 1", now());
  ASSERT_EQ(sup->state(), AgentState::kBackoff);
  sup->Stop(now());
  EXPECT_EQ(sup->state(), AgentState::kStopped);
}

TEST_F(AgentSupervisorTest, OperatorRestartRevivesGaveUp) {
  StartReady();
  for (int i = 0; i < 6 && sup->state() != AgentState::kGaveUp; ++i) {
    sup->OnExit("exited 3", now());
    if (sup->state() == AgentState::kBackoff) Advance(2000);
  }
  ASSERT_EQ(sup->state(), AgentState::kGaveUp);
  sup->Restart(now());
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  sup->OnExit("exited 3", now());
  EXPECT_EQ(sup->state(), AgentState::kStarting) << "a fresh budget and streak after the operator acts";
}

TEST_F(AgentSupervisorTest, OperatorRestartOfRunningAgentTerminatesAndRespawns) {
  StartReady();
  sup->Restart(now());
  EXPECT_EQ(sup->state(), AgentState::kStopping);
  EXPECT_EQ(ops.signals.front(), std::make_pair(pid_t{100}, SIGTERM));
  sup->OnExit("exited 0", now());
  EXPECT_EQ(sup->state(), AgentState::kStarting);
  EXPECT_EQ(sup->pid(), 101);
}

TEST_F(AgentSupervisorTest, SpawnFailureBacksOffAndEventuallyGivesUp) {
  ops.fail_spawn = true;
  sup->Start(now());
  EXPECT_EQ(sup->state(), AgentState::kBackoff);
  EXPECT_TRUE(ops.Recorded("agent_spawn_failed"));
  for (int i = 0; i < 20 && sup->state() != AgentState::kGaveUp; ++i) Advance(1000);
  EXPECT_EQ(sup->state(), AgentState::kGaveUp);
}

}  // namespace
}  // namespace redundancy
