// The daemon's glue, in one process and fast: the real Daemon with real
// AgentRuntimes on threads (ThreadLauncher) over inproc:// sockets, and
// agents whose checks the test scripts. What needs real processes (process
// groups, signals, PM2) stays in tests/integration.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "common/config.h"
#include "common/event_kinds.h"
#include "orchestrator/daemon.h"
#include "tests/daemon/thread_launcher.h"
#include "tests/unit/scratch_dir.h"

namespace redundancy {
namespace {

using namespace std::chrono_literals;

// What the fake agents report and what they were asked to do.
struct Script {
  std::mutex mu;
  std::map<std::string, std::vector<v1::CheckResult>> checks;  // system -> its checks (default: one ok)
  std::map<std::string, std::vector<std::string>> recovered;   // system -> targets asked for ("" = all failed)
  bool heal = true;                                            // a recovery makes every check ok
  // The pipeline: git's HEAD (a label of its check), a commit to announce on
  // its next check, and what each system was asked to deploy or roll back to.
  std::string head = "c0ffee0000000000000000000000000000000000";
  std::string announce;
  std::set<std::string> bad;  // revisions whose build step fails
  std::map<std::string, std::vector<std::string>> deployed, rolled_back;

  std::vector<std::string> Deployed(const std::string& system) {
    std::lock_guard lock(mu);
    return deployed[system];
  }
  std::vector<std::string> RolledBack(const std::string& system) {
    std::lock_guard lock(mu);
    return rolled_back[system];
  }
  void Push(const std::string& revision, bool breaks_the_build = false) {
    std::lock_guard lock(mu);
    announce = revision;
    if (breaks_the_build) bad.insert(revision);
  }

  void Set(const std::string& system, std::vector<v1::CheckResult> c) {
    std::lock_guard lock(mu);
    checks[system] = std::move(c);
  }
  std::vector<std::string> Recovered(const std::string& system) {
    std::lock_guard lock(mu);
    return recovered[system];
  }
};

class FakeAgent : public Agent {
 public:
  FakeAgent(Script* script, std::string system) : script_(script), system_(std::move(system)) {}
  std::string Kind() const override { return "fake"; }
  Status Configure(const AgentContext& ctx) override {
    ctx_ = ctx;
    return Status::Ok();
  }
  std::vector<v1::CheckResult> Check() override {
    std::lock_guard lock(script_->mu);
    if (system_ == "git") {
      if (!script_->announce.empty()) {
        script_->head = script_->announce;
        script_->announce.clear();
        v1::Event e;
        e.set_target("git:repo");
        e.set_kind(events::kNewRevision);
        e.set_revision(script_->head);
        e.set_detail("pushed by the test");
        ctx_.emit_event(e);
      }
      v1::CheckResult c = MakeCheck("git:repo", v1::HEALTH_OK, "at " + script_->head.substr(0, 7));
      (*c.mutable_labels())["head"] = script_->head;
      return {c};
    }
    auto it = script_->checks.find(system_);
    if (it == script_->checks.end()) return {MakeCheck(system_ + ":main", v1::HEALTH_OK, "fine")};
    return it->second;
  }
  Status Deploy(const std::string& revision) override {
    std::lock_guard lock(script_->mu);
    script_->deployed[system_].push_back(revision);
    if (system_ == "build" && script_->bad.count(revision)) return Status::Error("the build fails on " + revision);
    return Status::Ok();
  }
  Status Rollback(const std::string& revision, const std::string& reason) override {
    std::lock_guard lock(script_->mu);
    script_->rolled_back[system_].push_back(revision);
    script_->head = revision;
    return Status::Ok();
  }
  Status Recover(const std::string& target, bool forced) override {
    std::lock_guard lock(script_->mu);
    script_->recovered[system_].push_back(target);
    if (!script_->heal) return Status::Error("cannot");
    for (auto& c : script_->checks[system_]) {
      if (c.status() == v1::HEALTH_FAILED && (target.empty() || c.target() == target)) {
        c.set_status(v1::HEALTH_OK);
        ctx_.emit(c.target(), events::kRecovered, "healed by the test");
      }
    }
    return Status::Ok();
  }

 private:
  Script* script_;
  std::string system_;
  AgentContext ctx_;
};

v1::CheckResult Failed(const std::string& target, bool restore = false) {
  v1::CheckResult c = MakeCheck(target, v1::HEALTH_FAILED, "broken by the test");
  c.set_restore(restore);
  return c;
}

class InProcessDaemon {
 public:
  // `mute`: systems whose agent starts but never connects.
  explicit InProcessDaemon(std::set<std::string> mute = {})
      : launcher_(&ctx_, [this, mute](const std::string& system) -> std::unique_ptr<Agent> {
          if (mute.count(system)) return nullptr;
          return std::make_unique<FakeAgent>(&script, system);
        }) {}

  ~InProcessDaemon() {
    if (thread_.joinable()) {
      (void)Call(v1::ControlRequest::STOP);
      thread_.join();
    }
  }

  void Start(bool auto_recover = true, const std::string& extra_yaml = "") {
    static std::atomic<int> n{0};
    int id = ++n;
    std::string yaml =
        "state_dir: " + dir_.path() +
        "/state\n"
        "http: {listen: \"\"}\n" +
        extra_yaml +
        "orchestrator:\n"
        "  heartbeat_interval: 20ms\n  heartbeat_liveness: 5\n  start_timeout: 300ms\n  stop_grace: 300ms\n"
        "  agent_restart: {backoff_initial: 10ms, backoff_max: 20ms, max_restarts: 2}\n"
        "systems:\n"
        "  git: {interval: 50ms}\n"
        "  build: {interval: 50ms}\n"
        "  pm2: {interval: 50ms, auto_recover: " +
        std::string(auto_recover ? "true" : "false") + "}\n";
    auto config = ParseConfig(yaml, dir_.path() + "/redundancy.yaml", dir_.path());
    ASSERT_TRUE(config.ok()) << config.error();
    DaemonOptions options;
    options.launcher = &launcher_;
    options.context = &ctx_;
    options.agents_endpoint = "inproc://agents-" + std::to_string(id);
    control_ = "inproc://control-" + std::to_string(id);
    options.control_endpoint = control_;
    daemon_ = std::make_unique<Daemon>(config.value(), options, &clock_);
    thread_ = std::thread([this] { code_ = daemon_->Run(); });
  }

  Result<v1::ControlResponse> Call(v1::ControlRequest::Op op, const std::string& arg = "") {
    v1::ControlRequest req;
    req.set_op(op);
    req.set_arg(arg);
    return transport::Call(ctx_, control_, req, 2000ms);
  }

  v1::StatusSnapshot Status() {
    auto r = Call(v1::ControlRequest::STATUS);
    return r.ok() ? r->status() : v1::StatusSnapshot{};
  }

  static const v1::AgentStatus* AgentOf(const v1::StatusSnapshot& s, const std::string& name) {
    for (const auto& a : s.agents()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  static v1::HealthStatus HealthOf(const v1::StatusSnapshot& s, const std::string& name) {
    for (const auto& sys : s.systems()) {
      if (sys.name() == name) return sys.health();
    }
    return v1::HEALTH_UNKNOWN;
  }

  bool AllReady() {
    auto s = Status();
    if (s.agents_size() != 3) return false;
    for (const auto& a : s.agents()) {
      if (a.state() != "ready") return false;
    }
    return true;
  }

  std::vector<std::string> HistoryKinds() {
    v1::ControlRequest req;
    req.set_op(v1::ControlRequest::HISTORY);
    req.set_limit(1000);
    auto r = transport::Call(ctx_, control_, req, 2000ms);
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& h : r->history()) out.push_back(h.kind() + " " + h.system() + " " + h.target());
    }
    return out;
  }

  int StopAndWait() {
    auto r = Call(v1::ControlRequest::STOP);
    EXPECT_TRUE(r.ok()) << r.error();
    thread_.join();
    return code_;
  }

  Script script;
  ThreadLauncher& launcher() { return launcher_; }

 private:
  ScratchDir dir_;
  transport::Context ctx_;
  RealClock clock_;
  ThreadLauncher launcher_;
  std::string control_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
  int code_ = -1;
};

// Polls `pred` every 5 ms until it holds or `limit` passes.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// Waits until `system` has reported for `span` more (several check
// intervals): time enough for anything its reports would set off.
void WaitReportsFor(InProcessDaemon& d, const std::string& system, std::chrono::milliseconds span) {
  auto last = [&] {
    auto status = d.Status();
    for (const auto& sys : status.systems()) {
      if (sys.name() == system) return sys.last_report_ms();
    }
    return int64_t{0};
  };
  int64_t from = last();
  ASSERT_TRUE(WaitFor([&] { return last() >= from + span.count(); })) << system << " stopped reporting";
}

bool Has(const std::vector<std::string>& rows, const std::string& prefix) {
  for (const auto& r : rows) {
    if (r.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(DaemonInProcessTest, AgentsBecomeReadyReportAndStopCleanly) {
  InProcessDaemon d;
  d.Start();
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  ASSERT_TRUE(WaitFor([&] { return InProcessDaemon::HealthOf(d.Status(), "pm2") == v1::HEALTH_OK; }));
  auto kinds = d.HistoryKinds();
  EXPECT_TRUE(Has(kinds, "daemon_start"));
  EXPECT_TRUE(Has(kinds, "agent_ready pm2"));
  EXPECT_TRUE(Has(kinds, "health pm2 pm2:main"));
  EXPECT_EQ(d.StopAndWait(), 0);
  for (const char* system : {"git", "build", "pm2"}) EXPECT_EQ(d.launcher().PidOf(system), 0) << system;
}

TEST(DaemonInProcessTest, AFailedCheckIsRecoveredAndTheAgentsEventIsRecorded) {
  InProcessDaemon d;
  d.Start();
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  d.script.Set("pm2", {Failed("pm2:api")});
  ASSERT_TRUE(WaitFor([&] { return !d.script.Recovered("pm2").empty(); }));
  ASSERT_TRUE(WaitFor([&] { return InProcessDaemon::HealthOf(d.Status(), "pm2") == v1::HEALTH_OK; }));
  EXPECT_TRUE(WaitFor([&] { return Has(d.HistoryKinds(), "event:recovered pm2 pm2:api"); }));
}

TEST(DaemonInProcessTest, UpstreamFailedHoldsForwardWorkButNotARestore) {
  InProcessDaemon d;
  d.Start();
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  d.script.heal = false;
  d.script.Set("build", {Failed("build:deps")});
  ASSERT_TRUE(WaitFor([&] { return InProcessDaemon::HealthOf(d.Status(), "build") == v1::HEALTH_FAILED; }));
  // pm2 depends on build: moving forward waits...
  d.script.Set("pm2", {Failed("pm2:reload")});
  ASSERT_TRUE(WaitFor([&] { return InProcessDaemon::HealthOf(d.Status(), "pm2") != v1::HEALTH_OK; }));
  WaitReportsFor(d, "pm2", 200ms);  // several check intervals: a recovery would have been asked for by now
  EXPECT_TRUE(d.script.Recovered("pm2").empty());
  // ...restoring what ran before does not.
  d.script.Set("pm2", {Failed("pm2:reload"), Failed("pm2:daemon", /*restore=*/true)});
  ASSERT_TRUE(WaitFor([&] { return !d.script.Recovered("pm2").empty(); }));
  EXPECT_EQ(d.script.Recovered("pm2")[0], "pm2:daemon");
}

TEST(DaemonInProcessTest, AKilledAgentIsStartedAgain) {
  InProcessDaemon d;
  d.Start();
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  pid_t before = d.launcher().PidOf("git");
  ASSERT_NE(before, 0);
  d.launcher().Signal(before, SIGKILL);
  ASSERT_TRUE(WaitFor([&] {
    pid_t now = d.launcher().PidOf("git");
    return now != 0 && now != before && d.AllReady();
  }));
  auto s = d.Status();
  EXPECT_EQ(InProcessDaemon::AgentOf(s, "git")->restarts(), 1u);
  EXPECT_NE(InProcessDaemon::AgentOf(s, "git")->last_exit().find("SIGKILL"), std::string::npos);
  EXPECT_TRUE(Has(d.HistoryKinds(), "agent_exit git"));
}

TEST(DaemonInProcessTest, AnAgentThatNeverConnectsIsGivenUpOnAndItsSystemFails) {
  InProcessDaemon d({"build"});
  d.Start();
  ASSERT_TRUE(WaitFor([&] {
    auto status = d.Status();
    auto* a = InProcessDaemon::AgentOf(status, "build");
    return a && a->state() == "gave_up";
  }));
  EXPECT_EQ(d.launcher().Spawns("build"), 3);  // the first start and max_restarts more
  auto s = d.Status();
  EXPECT_EQ(InProcessDaemon::HealthOf(s, "build"), v1::HEALTH_FAILED);
  auto kinds = d.HistoryKinds();
  EXPECT_TRUE(Has(kinds, "agent_hung build"));
  EXPECT_TRUE(Has(kinds, "agent_gave_up build"));
  // Downstream of a system nobody watches: not recovered forward.
  d.script.Set("pm2", {Failed("pm2:reload")});
  WaitReportsFor(d, "pm2", 200ms);
  EXPECT_TRUE(d.script.Recovered("pm2").empty());
}

TEST(DaemonInProcessTest, PauseHoldsRecoveryUntilResume) {
  InProcessDaemon d;
  d.Start();
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  auto paused = d.Call(v1::ControlRequest::PAUSE, "pm2");
  ASSERT_TRUE(paused.ok() && paused->ok()) << (paused.ok() ? paused->error() : paused.error());
  d.script.Set("pm2", {Failed("pm2:api")});
  WaitReportsFor(d, "git", 200ms);  // a paused system does not report
  EXPECT_TRUE(d.script.Recovered("pm2").empty());
  auto resumed = d.Call(v1::ControlRequest::RESUME, "pm2");
  ASSERT_TRUE(resumed.ok() && resumed->ok());
  EXPECT_TRUE(WaitFor([&] { return !d.script.Recovered("pm2").empty(); }));
}

TEST(DaemonInProcessTest, ControlRequestsThatWaitForTheAgentsAnswerWithWhatTheyDid) {
  InProcessDaemon d;
  d.Start(/*auto_recover=*/false);
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  auto checked = d.Call(v1::ControlRequest::CHECK);
  ASSERT_TRUE(checked.ok()) << checked.error();
  EXPECT_TRUE(checked->ok()) << checked->error();
  EXPECT_EQ(checked->exit_code(), 0);
  EXPECT_EQ(checked->status().agents_size(), 3);
  d.script.Set("pm2", {Failed("pm2:api")});
  ASSERT_TRUE(WaitFor([&] { return InProcessDaemon::HealthOf(d.Status(), "pm2") == v1::HEALTH_FAILED; }));
  EXPECT_TRUE(d.script.Recovered("pm2").empty()) << "auto_recover is off";
  auto recovered = d.Call(v1::ControlRequest::RECOVER, "pm2:api");
  ASSERT_TRUE(recovered.ok()) << recovered.error();
  EXPECT_EQ(recovered->exit_code(), 0) << recovered->error();
  EXPECT_NE(recovered->message().find("healed by the test"), std::string::npos) << recovered->message();
  auto unknown = d.Call(v1::ControlRequest::RECOVER, "nosuch:x");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->exit_code(), 2);
  auto hostile = d.Call(v1::ControlRequest::PAUSE, "pm2\n2026-01-01 forged line");
  ASSERT_TRUE(hostile.ok());
  EXPECT_EQ(hostile->exit_code(), 2) << "control characters are refused before anything is logged";
}

TEST(DaemonInProcessTest, APushGoesThroughTheStepsInOrderAndABrokenOneIsRolledBack) {
  InProcessDaemon d;
  d.Start(true, "pipeline: {rollback: true, rollback_on: [build, pm2]}\n");
  ASSERT_TRUE(WaitFor([&] { return d.AllReady(); }));
  // The code in place, healthy everywhere, is adopted as the last good commit.
  ASSERT_TRUE(WaitFor([&] { return Has(d.HistoryKinds(), "pipeline_good"); }));
  const std::string good = "1111111111111111111111111111111111111111";
  d.script.Push(good);
  ASSERT_TRUE(WaitFor([&] { return Has(d.HistoryKinds(), "pipeline_done"); }));
  EXPECT_EQ(d.script.Deployed("build"), std::vector<std::string>{good});
  EXPECT_EQ(d.script.Deployed("pm2"), std::vector<std::string>{good});  // after build: upstream first
  const std::string broken = "2222222222222222222222222222222222222222";
  d.script.Push(broken, /*breaks_the_build=*/true);
  ASSERT_TRUE(WaitFor([&] { return Has(d.HistoryKinds(), "pipeline_rollback"); }));
  EXPECT_EQ(d.script.RolledBack("git"), std::vector<std::string>{good});
  EXPECT_EQ(d.script.Deployed("pm2"), std::vector<std::string>{good})
      << "a commit whose build failed never reaches PM2";
  EXPECT_TRUE(Has(d.HistoryKinds(), "critical build pipeline"));
  // The rollback is followed by restoring: the good commit built again.
  EXPECT_TRUE(WaitFor([&] { return d.Status().pipeline().state() == "idle"; })) << d.Status().pipeline().state();
  EXPECT_EQ(d.script.Deployed("build"), (std::vector<std::string>{good, broken, good}));
}

}  // namespace
}  // namespace redundancy
