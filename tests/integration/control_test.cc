// The control socket and redundancyctl end to end.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/constants.h"
#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

TEST(ControlTest, StatusJsonCarriesTheDesignFields) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(WaitUntil([&] { return d.Status()->systems(1).checks_size() == 1; }, 5s));
  CtlResult r = d.Ctl("status --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["orchestrator"]["pid"], d.pid());
  EXPECT_TRUE(j["orchestrator"]["uptime_s"].is_number());
  EXPECT_TRUE(j["orchestrator"]["version"].is_string());
  EXPECT_EQ(j["agents"][0]["name"], "git");
  EXPECT_EQ(j["agents"][0]["state"], "ready");
  EXPECT_EQ(j["agents"][0]["restarts"], 0);
  EXPECT_EQ(j["systems"][1]["name"], "build");
  EXPECT_EQ(j["systems"][1]["depends_on"][0], "git");
  EXPECT_EQ(j["systems"][1]["health"], "ok");
  EXPECT_EQ(j["systems"][1]["checks"][0]["target"], "build:test");
  EXPECT_EQ(j["systems"][1]["checks"][0]["status"], "ok");
  CtlResult table = d.Ctl("status");
  EXPECT_NE(table.output.find("build:test"), std::string::npos) << table.output;
}

TEST(ControlTest, CheckReportsHealthInItsExitCode) {
  Daemon d(Sys("git") + Sys("build", ", auto_recover: false"));
  d.SetMode("build status failed\nbuild recover_fixes\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  EXPECT_EQ(d.Ctl("check git").exit_code, 0);
  CtlResult bad = d.Ctl("check build --json");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  auto j = nlohmann::json::parse(bad.output);
  EXPECT_EQ(j["systems"][1]["health"], "failed");
  EXPECT_EQ(d.Ctl("check").exit_code, 1);
  CtlResult rec = d.Ctl("recover build:test");
  EXPECT_EQ(rec.exit_code, 0) << rec.output;
  EXPECT_NE(rec.output.find("build:test recovered: the test agent fixed it"), std::string::npos) << rec.output;
  EXPECT_EQ(d.Ctl("check build").exit_code, 0);
  // Nothing to do is said, with exit 1.
  CtlResult idle = d.Ctl("recover build:test");
  EXPECT_EQ(idle.exit_code, 1) << idle.output;
  EXPECT_NE(idle.output.find("nothing done: build:test is ok"), std::string::npos) << idle.output;
  EXPECT_EQ(d.Ctl("check nosuch").exit_code, 2);
}

TEST(ControlTest, FailedUpstreamBlocksDownstream) {
  Daemon d(Sys("git") + Sys("build", ", auto_recover: false"));
  d.SetMode("git status failed\nbuild status failed\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->systems(1).health() == v1::HEALTH_BLOCKED;
      },
      5s));
  EXPECT_EQ(d.Status()->systems(0).health(), v1::HEALTH_FAILED);
}

TEST(ControlTest, PauseAndResume) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  EXPECT_EQ(d.Ctl("pause git").exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return d.Status()->systems(0).paused(); }, 3s));
  // A restarted agent comes back paused.
  process::Signal(d.Agent("git")->pid(), SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return d.Agent("git")->restarts() == 1 && d.Agent("git")->state() == "ready"; }, 5s));
  ASSERT_TRUE(WaitUntil([&] { return d.Status()->systems(0).paused(); }, 3s));
  EXPECT_EQ(d.Ctl("resume git").exit_code, 0);
  ASSERT_TRUE(WaitUntil([&] { return !d.Status()->systems(0).paused(); }, 3s));
  EXPECT_EQ(d.Ctl("pause nosuch").exit_code, 2);
}

TEST(ControlTest, MissingDaemonIsExitThreeWithAClearMessage) {
  TempDir dir;
  dir.Write("redundancy.yaml", "systems: {}\n");
  std::string out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl --config " + dir.path() + "/redundancy.yaml status", &out), 3);
  EXPECT_NE(out.find("is redundancyd running?"), std::string::npos) << out;
  // No config at all is a usage error that says so, not an unreachable daemon.
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl --config " + dir.path() + "/typo.yaml status", &out), 2);
  EXPECT_NE(out.find("no config file at " + dir.path() + "/typo.yaml"), std::string::npos) << out;
  // A directory is not a config file.
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl config validate " + dir.path(), &out), 2);
  EXPECT_NE(out.find("is a directory"), std::string::npos) << out;
}

// Writes raw bytes to a Unix socket, as a broken or hostile peer would.
void SendRawBytes(const std::string& path, const std::string& bytes) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) (void)!write(fd, bytes.data(), bytes.size());
  close(fd);
}

TEST(ControlTest, GarbageAndForgedEnvelopesAreIgnored) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  pid_t git_pid = d.Agent("git")->pid();
  std::string run = d.state_dir() + "/run";
  // Not even ZMTP.
  for (const char* sock : {"/agents.sock", "/control.sock"}) {
    SendRawBytes(run + sock, std::string("\xff\x00\x00garbage\r\n", 12));
    SendRawBytes(run + sock, std::string(100000, 'A'));
  }
  // Valid ZMTP, invalid payloads, and envelopes that lie.
  transport::Context ctx;
  // One that reuses the real agent's routing id (libzmq refuses the duplicate)...
  transport::Dealer twin(ctx, d.agents_endpoint(), "git/" + std::to_string(git_pid));
  ASSERT_TRUE(twin.Connect().ok());
  twin.SendRaw("twin");
  // ...and an imposter under its own id.
  transport::Dealer evil(ctx, d.agents_endpoint(), "imposter");
  ASSERT_TRUE(evil.Connect().ok());
  evil.SendRaw("not a protobuf \xff\xfe");
  evil.SendRaw("");
  v1::Envelope forged;
  forged.mutable_hello()->set_agent("git");
  forged.mutable_hello()->set_pid(git_pid);  // claims the real agent's pid: peer credentials say otherwise
  evil.Send(forged);
  forged.mutable_hello()->set_agent("evil");
  evil.Send(forged);
  v1::Envelope report;
  report.mutable_health_report()->set_system("git");
  auto* c = report.mutable_health_report()->add_checks();
  c->set_target("git:forged");
  c->set_status(v1::HEALTH_FAILED);
  evil.Send(report);
  v1::Envelope ctl;
  ctl.mutable_control_request()->set_op(v1::ControlRequest::STOP);
  evil.Send(ctl);  // a control request on the agents socket
  transport::Dealer evil_ctl(ctx, d.control_endpoint(), "x");
  ASSERT_TRUE(evil_ctl.Connect().ok());
  evil_ctl.SendRaw("garbage");
  v1::Envelope hb;
  hb.mutable_heartbeat()->set_seq(1);
  evil_ctl.Send(hb);  // an agent message on the control socket
  // The daemon answers, the real agents keep their connections, nothing forged got in.
  ASSERT_TRUE(WaitUntil([&] { return d.Status().ok(); }, 3s));
  // Longer than heartbeat_interval x liveness: a stolen identity would make the real agent look hung.
  EXPECT_FALSE(WaitUntil([&] { return d.Agent("git")->pid() != git_pid; }, 1s));
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->agents(0).state(), "ready");
  for (const auto& chk : s->systems(0).checks()) EXPECT_NE(chk.target(), "git:forged");
  EXPECT_TRUE(IsRunning(d.pid()));
  EXPECT_NE(d.ReadLogs().find("forged Hello"), std::string::npos);
}

TEST(ControlTest, ReloadWithBrokenConfigKeepsTheOldOne) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  d.WriteConfig("workspace: .\n" + FastOrchestratorYaml() + "systems:\n  git: {interval: often}\n");
  CtlResult r = d.Ctl("reload");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("redundancy.yaml:10: systems.git.interval: 'often' is not a duration"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("unchanged"), std::string::npos);
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->agents_size(), 2) << "the old configuration still runs";
  EXPECT_EQ(s->agents(1).state(), "ready");
  // SIGHUP with the broken file: also rejected, daemon alive.
  process::Signal(d.pid(), SIGHUP);
  EXPECT_FALSE(WaitUntil([&] { return !d.Status().ok(); }, 500ms));
}

// Hostile configs, each of which once killed the daemon on reload or froze
// its loop: rejected at once with file:line, the old configuration kept, the
// daemon alive and supervising; SIGHUP the same.
TEST(ControlTest, ReloadOfHostileConfigsKeepsTheDaemonAndTheOldConfig) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  std::string bomb = "x: &a [a, a, a, a, a, a, a, a, a]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + "x: &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? ", " : "") + "*" + (c == 'b' ? "a" : prev);
    bomb += "]\n";
  }
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"logging: {max_size: 99999999999999999999TB}\n", "is too large"},
      {"logging: {max_size: 17179869184GB}\n", "is too large"},
      {"orchestrator: {heartbeat_interval: " + std::string(309, '9') + "s}\n", "a duration of 310 characters"},
      {"systems: &s {git: *s}\n", "a recursive alias"},
      {bomb, "the document expands to more than 20000 nodes"},
      {"http: {listen: 127.0.0.1:99999}\n", "the port must be a number from 1 to 65535"},
  };
  for (const auto& [yaml, message] : hostile) {
    d.WriteConfig("workspace: .\n" + yaml);
    auto t0 = std::chrono::steady_clock::now();
    CtlResult r = d.Ctl("reload");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("redundancy.yaml:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "the event loop was held";
    auto s = d.Status();
    ASSERT_TRUE(s.ok()) << "the daemon died on: " << yaml.substr(0, 80);
    EXPECT_EQ(s->agents_size(), 2) << "the old configuration still runs";
    process::Signal(d.pid(), SIGHUP);
    EXPECT_FALSE(WaitUntil([&] { return !d.Status().ok(); }, 300ms));
  }
  // Still supervising: a killed agent comes back.
  auto agent = d.Agent("git");
  ASSERT_TRUE(agent);
  process::Signal(agent->pid(), SIGKILL);
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto a = d.Agent("git");
        return a && a->pid() != agent->pid() && a->state() == "ready";
      },
      10s));
  std::string out;
  d.WriteConfig("workspace: .\nsystems: &s {git: *s}\n");
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl config validate " + d.config_path(), &out), 2) << out;
  EXPECT_NE(out.find("a recursive alias"), std::string::npos) << out;
}

TEST(ControlTest, ReloadAppliesAddsAndRemovesSystems) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  pid_t build_pid = d.Agent("build")->pid();
  d.WriteConfig("workspace: .\n" + FastOrchestratorYaml() + "systems:\n" + Sys("git") + Sys("workflows"));
  CtlResult r = d.Ctl("reload");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->agents_size() == 2 && s->agents(1).name() == "workflows" && s->agents(1).state() == "ready";
      },
      5s));
  EXPECT_TRUE(WaitUntil([&] { return !IsRunning(build_pid); }, 3s));
  // SIGHUP applies a valid config as well.
  d.WriteConfig("workspace: .\n" + FastOrchestratorYaml() + "systems:\n" + Sys("git"));
  process::Signal(d.pid(), SIGHUP);
  EXPECT_TRUE(WaitUntil([&] { return d.Status().ok() && d.Status()->agents_size() == 1; }, 5s));
}

TEST(ControlTest, ReloadRevivesAGaveUpAgent) {
  Daemon d(Sys("git"), FastOrchestratorYaml(2));
  d.SetMode("git crash_after 20ms\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAgentState("git", "gave_up", 10s));
  d.SetMode("");
  EXPECT_EQ(d.Ctl("reload").exit_code, 0);
  EXPECT_TRUE(d.WaitAgentState("git", "ready", 5s));
}

TEST(ControlTest, AnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another uid";
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv missing";
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  // A copy of redundancyctl that uid 65534 can execute wherever the checkout lives.
  std::string ctl = d.dir().path() + "/redundancyctl";
  std::filesystem::copy_file(BinDir() + "/redundancyctl", ctl);
  chmod(ctl.c_str(), 0755);
  std::string as_nobody = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " + ctl + " --socket " +
                          d.state_dir() + "/run/control.sock ";
  auto run = [](const std::string& cmd, std::string* out) {
    out->clear();
    return RunShell(cmd, out);
  };
  std::string out;
  ASSERT_EQ(run(as_nobody + "--help", &out), 0) << out;
  // 1. The 0700 run directory keeps other users out.
  EXPECT_EQ(run(as_nobody + "stop", &out), 3) << out;
  // 2. Even when the file system lets them through, SO_PEERCRED does not.
  chmod((d.state_dir()).c_str(), 0755);
  chmod((d.state_dir() + "/run").c_str(), 0755);
  chmod((d.state_dir() + "/run/control.sock").c_str(), 0777);
  EXPECT_EQ(run(as_nobody + "stop", &out), 2) << out;
  EXPECT_NE(out.find("permission denied"), std::string::npos) << out;
  EXPECT_TRUE(d.Status().ok()) << "still running: the stop was refused";
  auto h = d.Control(v1::ControlRequest::HISTORY);
  bool denied = false;
  for (const auto& r : h->history())
    denied |= (r.kind() == "control_denied" && r.detail().find("uid 65534") != std::string::npos);
  EXPECT_TRUE(denied);
}

TEST(ControlTest, HistorySurvivesKillNine) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  process::Signal(d.Agent("git")->pid(), SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return d.Agent("git")->restarts() == 1; }, 5s));
  EXPECT_EQ(d.Ctl("pause git").exit_code, 0);
  d.Kill(SIGKILL);
  ASSERT_TRUE(d.Start());
  CtlResult r = d.Ctl("history --since 1h --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = nlohmann::json::parse(r.output);
  int starts = 0;
  bool killed = false, audit = false;
  for (const auto& row : rows) {
    starts += row["kind"] == "daemon_start";
    killed |=
        row["kind"] == "agent_exit" && row["detail"].get<std::string>().find("killed by SIGKILL") != std::string::npos;
    audit |= row["kind"] == "control" && row["detail"].get<std::string>().find("pause git") != std::string::npos;
  }
  EXPECT_EQ(starts, 2);
  EXPECT_TRUE(killed);
  EXPECT_TRUE(audit);
  EXPECT_EQ(d.Ctl("history --since soon").exit_code, 2);
}

TEST(ControlTest, StartDaemonisesWithPidFileAndStopEndsIt) {
  Daemon d(Sys("git") + Sys("build"));
  CtlResult r = d.Ctl("start");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("redundancyd started"), std::string::npos);
  std::ifstream pidfile(d.state_dir() + "/run/redundancyd.pid");
  pid_t pid = 0;
  pidfile >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(IsRunning(pid));
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->pid(), pid);
  for (const auto& a : s->agents()) EXPECT_EQ(a.state(), "ready") << "start returns once every agent is ready";
  auto agents = d.AgentPids();
  // A second start is refused: one daemon per state_dir.
  CtlResult again = d.Ctl("start");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_EQ(again.output, "redundancyctl: redundancyd already runs for this config (pid " + std::to_string(pid) +
                              "); `redundancyctl restart` restarts it\n");
  CtlResult stop = d.Ctl("stop");
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_FALSE(IsRunning(pid));
  for (pid_t p : agents) EXPECT_TRUE(WaitUntil([&] { return !IsRunning(p); }, 2s));
  EXPECT_FALSE(std::filesystem::exists(d.state_dir() + "/run/redundancyd.pid"));
}

// Without fleet: in the config nothing of a fleet shows, and its commands say why they cannot answer.
TEST(ControlTest, FleetCommandsWithoutAFleetSayWhy) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  for (const char* cmd : {"fleet status", "fleet history", "fleet status --json"}) {
    CtlResult r = d.Ctl(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("not part of a fleet"), std::string::npos) << cmd << ": " << r.output;
  }
  CtlResult st = d.Ctl("status --json");
  EXPECT_EQ(st.output.find("\"fleet\""), std::string::npos) << st.output;
  EXPECT_EQ(d.Ctl("status").output.find("FLEET"), std::string::npos);
}

TEST(ControlTest, ConfigValidateExitCodes) {
  TempDir dir;
  std::string good = dir.Write("good.yaml", "systems:\n  git: {}\n");
  std::string bad = dir.Write("bad.yaml", "systems:\n  git: {interval: 5}\n  docker: {}\n");
  auto run = [](const std::string& args, std::string* out) {
    return RunShell(BinDir() + "/redundancyctl " + args, out);
  };
  std::string out;
  EXPECT_EQ(run("config validate " + good, &out), 0) << out;
  out.clear();
  EXPECT_EQ(run("config validate " + bad, &out), 2);
  EXPECT_NE(out.find(bad + ":2: systems.git.interval: '5' has no unit"), std::string::npos) << out;
  EXPECT_NE(out.find(bad + ":3: systems.docker: unknown system"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("config validate " + dir.path() + "/missing.yaml", &out), 2);
  EXPECT_NE(out.find("missing.yaml: cannot be read: No such file or directory"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("config validate " + dir.path() + " 2>&1", &out), 2);
  EXPECT_NE(out.find(": is a directory, not a regular file"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("config validate /dev/zero 2>&1", &out), 2);
  EXPECT_NE(out.find("/dev/zero: is a character device, not a regular file"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("frobnicate", &out), 2);
}

TEST(ControlTest, SecretsNeverReachLogsStatusOrHistory) {
  const std::string secret = "ghp_SuperSecretToken123";
  Daemon d("  workflows: {interval: 1s, agent: " + TestAgent() +
           ", github: {repo: a/b, token: \"${REDUNDANCY_TEST_SECRET}\"}}\n");
  d.SetMode("workflows leak_settings\n");
  ASSERT_TRUE(d.Start({{"REDUNDANCY_TEST_SECRET", secret}, {"DEBUG_REDUNDANCY", "true"}}));
  ASSERT_TRUE(d.WaitAllReady(10s));
  // The agent did try to leak it: its summary carries its settings, redacted.
  ASSERT_TRUE(WaitUntil([&] { return d.Status()->systems(0).checks_size() == 1; }, 5s));
  EXPECT_NE(d.Status()->systems(0).checks(0).summary().find("token: ***"), std::string::npos)
      << d.Status()->systems(0).checks(0).summary();
  EXPECT_EQ(d.Ctl("check").exit_code, 0);
  EXPECT_EQ(d.Ctl("reload").exit_code, 0);
  std::string everything = d.ReadLogs() + d.Ctl("status --json").output + d.Ctl("history --json").output;
  EXPECT_NE(d.ReadLogs().find("debug"), std::string::npos) << "debug logging is on";
  EXPECT_EQ(everything.find(secret), std::string::npos);
}

TEST(ControlTest, FailedChecksAreRecoveredAutomaticallyUnlessPausedOrBlocked) {
  Daemon d(Sys("git") + Sys("build"));
  d.SetMode("build status failed\nbuild recover_fixes\n");
  ASSERT_TRUE(d.Start());
  // Nobody asks: the orchestrator requests the recovery, the agent performs it.
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto s = d.Status();
        return s.ok() && s->systems_size() == 2 && s->systems(1).health() == v1::HEALTH_OK;
      },
      5s));
}

TEST(ControlTest, BlockedSystemIsNotRecovered) {
  Daemon d(Sys("git") + Sys("build"));
  d.SetMode("git status failed\nbuild status failed\nbuild recover_fixes\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(WaitUntil([&] { return d.Status()->systems(1).health() == v1::HEALTH_BLOCKED; }, 5s));
  // build stays blocked (its own check still failed): no recovery ran behind the failed upstream.
  EXPECT_FALSE(WaitUntil([&] { return d.Status()->systems(1).checks(0).status() == v1::HEALTH_OK; }, 1500ms));
}

TEST(ControlTest, LogsShowsAndFollowsTheDaemonsAndAnAgentsLog) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  CtlResult daemon_log = d.Ctl("logs -n 500");
  EXPECT_EQ(daemon_log.exit_code, 0);
  EXPECT_NE(daemon_log.output.find(std::string("redundancyd ") + kVersion + " started"), std::string::npos)
      << daemon_log.output;
  CtlResult two = d.Ctl("logs -n 2");
  EXPECT_EQ(std::count(two.output.begin(), two.output.end(), '\n'), 2) << two.output;
  CtlResult agent_log = d.Ctl("logs git");
  EXPECT_EQ(agent_log.exit_code, 0);
  EXPECT_EQ(agent_log.output.find(std::string("redundancyd ") + kVersion + " started"), std::string::npos)
      << "the agent's own log";
  EXPECT_EQ(d.Ctl("logs nosuch").exit_code, 2);
  EXPECT_EQ(d.Ctl("logs netlify").exit_code, 1) << "no such log yet";
  // -f prints what is logged after it started.
  std::string out = d.dir().path() + "/follow.out";
  process::SpawnSpec spec;
  spec.exe = "/bin/sh";
  spec.args = {"-c", "exec " + BinDir() + "/redundancyctl --config " + d.config_path() + " logs -n 1 -f > " + out};
  auto pid = process::Spawn(spec);
  ASSERT_TRUE(pid.ok()) << pid.error();
  KillOnExit stop{*pid};
  ASSERT_TRUE(WaitUntil([&] { return !ReadFile(out).empty(); }, 5s));
  EXPECT_EQ(d.Ctl("pause git").exit_code, 0);
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(out).find("control pause git") != std::string::npos; }, 5s))
      << ReadFile(out);
}

// Same-uid hygiene: an argument is bounded and printable, a duration in
// range; none of them reaches the history or forges a log line.
TEST(ControlTest, HostileArgumentsAreRefusedBeforeTheyAreRecorded) {
  Daemon d("  git: {interval: 1h, agent: " + TestAgent() + "}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  auto big = d.Control(v1::ControlRequest::PAUSE, std::string(1 << 20, 'a'));
  ASSERT_TRUE(big.ok()) << big.error();
  EXPECT_EQ(big->exit_code(), 2);
  EXPECT_NE(big->error().find("at most 4096"), std::string::npos) << big->error();
  auto forged = d.Control(v1::ControlRequest::PAUSE, "git\n2026-01-01T00:00:00.000 info [1] all clear\x1b[2J");
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->exit_code(), 2);
  v1::ControlRequest silence;
  silence.set_op(v1::ControlRequest::ALERT_SILENCE);
  silence.set_arg("git");
  silence.set_duration_ms(std::numeric_limits<int64_t>::max());
  auto forever = d.Control(silence);
  ASSERT_TRUE(forever.ok());
  EXPECT_EQ(forever->exit_code(), 2) << forever->error();
  EXPECT_TRUE(IsRunning(d.pid()));
  EXPECT_EQ(d.Ctl("status").exit_code, 0);
  std::string history = d.Ctl("history").output;
  EXPECT_EQ(history.find("aaaaaaaa"), std::string::npos) << "a refused argument is not stored";
  EXPECT_EQ(history.find("all clear"), std::string::npos);
  std::string logs = d.ReadLogs();
  EXPECT_EQ(logs.find(std::string(1000, 'a')), std::string::npos);
  EXPECT_EQ(logs.find("\n2026-01-01T00:00:00.000 info [1] all clear"), std::string::npos) << "a forged log line";
  EXPECT_EQ(logs.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace redundancy::testing
