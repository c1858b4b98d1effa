// The operator's toolbox through the binaries: restart, unknown commands,
// log filters.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/probe.h"
#include "common/process/process.h"
#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

std::string LocalStamp(int64_t epoch_s) {
  time_t t = static_cast<time_t>(epoch_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + ".123";
}

TEST(ToolboxTest, RestartStopsAndStartsADaemonNobodySupervises) {
  Daemon d(Sys("git") + Sys("build"));
  // Not running: restart starts it.
  CtlResult first = d.Ctl("restart");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("redundancyd was not running; starting it"), std::string::npos) << first.output;
  auto before = d.Status();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->launcher().kind(), "alone");
  auto json = nlohmann::json::parse(d.Ctl("status --json").output);
  EXPECT_EQ(json["launcher"]["kind"], "alone");
  auto agents = d.AgentPids();
  CtlResult again = d.Ctl("restart");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("redundancyd restarted (pid " + std::to_string(before->pid()) + " -> "),
            std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("stop, then start"), std::string::npos) << again.output;
  auto after = d.Status();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->pid(), before->pid());
  EXPECT_FALSE(IsRunning(before->pid()));
  for (pid_t p : agents) EXPECT_FALSE(IsRunning(p)) << "the old agents went with the old daemon";
  for (const auto& a : after->agents()) EXPECT_EQ(a.state(), "ready");
  EXPECT_EQ(d.Ctl("stop").exit_code, 0);
  EXPECT_FALSE(IsRunning(after->pid()));
}

TEST(ToolboxTest, AnUnknownCommandNamesTheClosestOne) {
  Daemon d(Sys("git"));
  CtlResult r = d.Ctl("stauts");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "redundancyctl: unknown command 'stauts' (did you mean 'status'?); `redundancyctl --help` lists them\n");
  CtlResult nested = d.Ctl("config valdate x");
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_EQ(nested.output,
            "redundancyctl: unknown command 'config valdate' (did you mean 'config validate'?); `redundancyctl config "
            "--help` lists them\n");
  CtlResult far = d.Ctl("frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.output, "redundancyctl: unknown command 'frobnicate'; `redundancyctl --help` lists them\n");
  // Plain output when not a terminal: no colour codes, whatever the health.
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  EXPECT_EQ(d.Ctl("status").output.find("\x1b["), std::string::npos);
}

TEST(ToolboxTest, LogsBySinceGrepAndAsJson) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  EXPECT_EQ(d.Ctl("pause git").exit_code, 0);
  EXPECT_EQ(d.Ctl("resume git").exit_code, 0);
  ASSERT_TRUE(
      WaitUntil([&] { return d.Ctl("logs -n 500").output.find("control resume git") != std::string::npos; }, 5s));
  CtlResult grep = d.Ctl("logs -n 500 --grep 'control (pause|resume) git'");
  ASSERT_EQ(grep.exit_code, 0) << grep.output;
  EXPECT_EQ(std::count(grep.output.begin(), grep.output.end(), '\n'), 2) << grep.output;
  EXPECT_NE(grep.output.find("control pause git"), std::string::npos);
  EXPECT_EQ(d.Ctl("logs --grep '(('").exit_code, 2);
  EXPECT_EQ(d.Ctl("logs --grep " + std::string(2000, 'a')).exit_code, 2) << "at most 1 KB";
  // A pattern that backtracks exponentially in a naive matcher finishes.
  std::string out;
  EXPECT_EQ(RunShell("timeout 20 " + BinDir() + "/redundancyctl --config " + d.config_path() +
                         " logs -n 500 --grep '(.*)*x$$'",
                     &out),
            0)
      << out;

  // An agent's log with lines from two hours and one minute ago (and a
  // continuation line that belongs to the older one).
  int64_t now = time(nullptr);
  std::string log_dir = d.dir().path() + "/.redundancy/logs";
  std::ofstream(log_dir + "/agent-queue.log") << LocalStamp(now - 7200) << " warning [42] old trouble\n"
                                              << "  at a stack line\n"
                                              << LocalStamp(now - 60) << " info [43] recent news\n";
  CtlResult since = d.Ctl("logs queue --since 1h");
  ASSERT_EQ(since.exit_code, 0) << since.output;
  EXPECT_EQ(since.output, LocalStamp(now - 60) + " info [43] recent news\n");
  CtlResult all = d.Ctl("logs queue --since 3h");
  EXPECT_EQ(std::count(all.output.begin(), all.output.end(), '\n'), 3) << all.output;
  CtlResult json = d.Ctl("logs queue --json --grep trouble");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["message"], "old trouble");
  EXPECT_EQ(j["file"], log_dir + "/agent-queue.log");
  EXPECT_EQ(d.Ctl("logs queue --since soon").exit_code, 2);
}

// status --watch in a real terminal (tmux from Debian): drawn, redrawn when
// health changes, left with q; and plain when not a terminal.
TEST(ToolboxTest, StatusWatchIsALiveViewInATerminal) {
  if (access("/usr/bin/tmux", X_OK) != 0) GTEST_SKIP() << "tmux is not installed (scripts/setup.sh installs it)";
  Daemon d("  git: {interval: 100ms, auto_recover: false, agent: " + TestAgent() + "}\n");
  std::string flag = d.dir().Write("git-status", "ok");
  d.SetMode("git status_file " + flag + "\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("git:test", v1::HEALTH_OK, 10s));
  std::string sock = d.dir().path() + "/tmux.sock";
  std::string tmux = "tmux -S " + sock + " ";
  std::string out;
  ASSERT_EQ(RunShell(tmux + "new-session -d -x 160 -y 50 '" + BinDir() + "/redundancyctl --config " + d.config_path() +
                         " status --watch --interval 200ms'",
                     &out),
            0)
      << out;
  struct KillServer {
    std::string cmd;
    ~KillServer() {
      std::string ignored;
      RunShell(cmd, &ignored);
    }
  } kill_server{tmux + "kill-server"};
  auto pane = [&] {
    std::string p;
    RunShell(tmux + "capture-pane -p", &p);
    return p;
  };
  ASSERT_TRUE(WaitUntil([&] { return pane().find("git:test") != std::string::npos; }, 10s)) << pane();
  EXPECT_NE(pane().find("OPEN INCIDENTS"), std::string::npos) << pane();
  EXPECT_NE(pane().find("q quits"), std::string::npos) << pane();
  d.dir().Write("git-status", "failed");
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::string p = pane();
        return p.find("git:test") != std::string::npos && p.find("failed") != std::string::npos;
      },
      10s))
      << pane();
  // In colour on a terminal (failed is red)...
  std::string escapes;
  RunShell(tmux + "capture-pane -e -p", &escapes);
  EXPECT_NE(escapes.find("\x1b[31mfailed"), std::string::npos) << escapes;
  // A key that leaves the view ends the session with it.
  auto leaves_with = [&](const std::string& key) {
    RunShell(tmux + "send-keys " + key, &out);
    return WaitUntil([&] { return RunShell(tmux + "has-session 2>/dev/null", &out) != 0; }, 5s);
  };
  EXPECT_TRUE(leaves_with("q")) << "q leaves the view (and the session with it)";
  // ...but not with NO_COLOR.
  ASSERT_EQ(RunShell(tmux + "new-session -d -x 160 -y 50 'NO_COLOR=1 " + BinDir() + "/redundancyctl --config " +
                         d.config_path() + " status --watch --interval 200ms'",
                     &out),
            0)
      << out;
  ASSERT_TRUE(WaitUntil([&] { return pane().find("git:test") != std::string::npos; }, 10s)) << pane();
  std::string plain_pane;
  RunShell(tmux + "capture-pane -e -p", &plain_pane);
  EXPECT_EQ(plain_pane.find("\x1b[31m"), std::string::npos) << plain_pane;
  EXPECT_TRUE(leaves_with("C-c")) << "Ctrl-C leaves it too";

  // Not a terminal: the plain status every interval, no colour codes.
  std::string file = d.dir().path() + "/watch.out";
  process::SpawnSpec spec;
  spec.exe = "/bin/sh";
  spec.args = {"-c", "exec " + BinDir() + "/redundancyctl --config " + d.config_path() +
                         " status --watch --interval 150ms > " + file};
  auto pid = process::Spawn(spec);
  ASSERT_TRUE(pid.ok()) << pid.error();
  KillOnExit stop{*pid};
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::string text = ReadFile(file);
        size_t screens = 0;
        for (size_t at = 0; (at = text.find("=== ", at)) != std::string::npos; ++at) ++screens;
        return screens >= 3;
      },
      5s));
  std::string plain = ReadFile(file);
  EXPECT_NE(plain.find("git:test"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("\x1b["), std::string::npos) << "no escape codes off a terminal";
}

// Completion in bash: the script `completion bash` prints, driven as bash
// drives it (COMP_WORDS, COMP_CWORD, compgen), with names from the daemon.
TEST(ToolboxTest, BashCompletionOfCommandsFlagsAndTheDaemonsNames) {
  Daemon d(Sys("git") + Sys("build"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  CtlResult script = d.Ctl("completion bash");
  ASSERT_EQ(script.exit_code, 0) << script.output;
  std::string file = d.dir().Write("completion.bash", script.output);
  auto complete = [&](const std::string& words, int cword) {
    std::string out;
    RunShell("PATH=" + BinDir() + ":$PATH bash -c 'source " + file + "; COMP_WORDS=(" + words +
                 "); COMP_CWORD=" + std::to_string(cword) + "; _redundancyctl; echo \"${COMPREPLY[*]}\"'",
             &out);
    return out;
  };
  std::string cfg = "--config " + d.config_path();
  // (In the order of `--help`.)
  EXPECT_EQ(complete("redundancyctl sta", 1), "status start\n");
  EXPECT_EQ(complete("redundancyctl " + cfg + " resta", 3), "restart-agent restart\n");
  EXPECT_EQ(complete("redundancyctl status --wa", 2), "--watch\n");
  EXPECT_EQ(complete("redundancyctl alerts si", 2), "silence\n");
  EXPECT_EQ(complete("redundancyctl completion ''", 2).substr(0, 8), "bash zsh");
  // Names from the running daemon.
  EXPECT_EQ(complete("redundancyctl " + cfg + " recover ''", 4), "git:test build:test\n");
  EXPECT_EQ(complete("redundancyctl " + cfg + " logs b", 4), "build\n");
  EXPECT_EQ(complete("redundancyctl " + cfg + " alerts silence g", 5), "git:test\n");
  // No daemon: commands still complete, names are just missing.
  EXPECT_EQ(complete("redundancyctl --config /nonexistent/r.yaml recover ''", 4).find("git"), std::string::npos);
  CtlResult zsh = d.Ctl("completion zsh");
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_NE(zsh.output.find("bashcompinit"), std::string::npos);
  EXPECT_EQ(d.Ctl("completion fish").exit_code, 2);
}

int FreeLocalPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Incidents through the real daemon: `report` (table and JSON) and the
// counters and histogram of /metrics agree with what happened. Two failures
// seconds apart are one incident for `report` (a failure back within a minute
// of its recovery reopens it) and two entries into failed for /metrics.
TEST(ToolboxTest, ReportAndIncidentMetricsFromTheHistory) {
  int port = FreeLocalPort();
  Daemon d("  git: {interval: 100ms, auto_recover: false, agent: " + TestAgent() + "}\n",
           FastOrchestratorYaml(50, false) + "http: {listen: '127.0.0.1:" + std::to_string(port) + "'}\n");
  std::string flag = d.dir().Write("git-status", "ok");
  d.SetMode("git status_file " + flag + "\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitCheck("git:test", v1::HEALTH_OK, 10s));
  for (int i = 0; i < 2; ++i) {
    d.dir().Write("git-status", "failed");
    ASSERT_TRUE(d.WaitCheck("git:test", v1::HEALTH_FAILED, 10s));
    std::this_thread::sleep_for(300ms);  // an outage of at least 300 ms
    d.dir().Write("git-status", "ok");
    ASSERT_TRUE(d.WaitCheck("git:test", v1::HEALTH_OK, 10s));
  }
  CtlResult json = d.Ctl("report --json --since 1h");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto j = nlohmann::json::parse(json.output);
  ASSERT_EQ(j["systems"].size(), 1u) << json.output;
  const auto& git = j["systems"][0];
  EXPECT_EQ(git["name"], "git");
  EXPECT_EQ(git["incidents"], 1) << json.output;
  EXPECT_LT(git["availability"].get<double>(), 100.0);
  EXPECT_GT(git["availability"].get<double>(), 0.0);
  EXPECT_GE(git["mean_time_to_recover_s"].get<double>(), 0.3);
  EXPECT_GE(git["longest_outage_s"].get<double>(), 0.3);
  ASSERT_EQ(git["targets"].size(), 1u);
  EXPECT_EQ(git["targets"][0]["target"], "git:test");
  EXPECT_EQ(git["targets"][0]["incidents"], 1);
  EXPECT_EQ(git["targets"][0]["top_causes"][0]["count"], 1) << json.output;
  // From the first failure to the recovery that lasted: both outages and the moment between.
  EXPECT_GE(git["mean_time_to_recover_s"].get<double>(), 0.6) << json.output;
  CtlResult table = d.Ctl("report");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.output.find("SYSTEM / TARGET"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("  git:test"), std::string::npos) << table.output;
  EXPECT_EQ(d.Ctl("report --since never").exit_code, 2);
  std::string metrics;
  ASSERT_TRUE(WaitUntil(
      [&] {
        metrics = HttpGet("http://127.0.0.1:" + std::to_string(port) + "/metrics", {}, Millis(5000)).body;
        return metrics.find("redundancy_recovery_duration_seconds_count{system=\"git\"} 2") != std::string::npos;
      },
      5s))
      << metrics;
  EXPECT_NE(metrics.find("redundancy_incidents_total{system=\"git\",target=\"git:test\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("redundancy_recovery_duration_seconds_bucket{system=\"git\",le=\"+Inf\"} 2"),
            std::string::npos)
      << metrics;
}

// The page's actions over plain HTTP: refused without auth, refused without
// the page's CSRF token, done and audited with them; the 24 h chart.
TEST(ToolboxTest, StatusPageActionsNeedAuthAndTheirTokenAndAreAudited) {
  int port = FreeLocalPort();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  {
    Daemon open(Sys("git"),
                FastOrchestratorYaml(50, false) + "http: {listen: '127.0.0.1:" + std::to_string(port) + "'}\n");
    ASSERT_TRUE(open.Start());
    ASSERT_TRUE(open.WaitAllReady(10s));
    auto page = HttpGet(base + "/", {}, Millis(5000));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.body.find("class=\"act\""), std::string::npos) << "no buttons without auth";
    auto refused = HttpPost(base + "/api/action", {"Content-Type: application/x-www-form-urlencoded"},
                            "action=pause&arg=git&csrf=x", Millis(5000));
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("need http.auth_token or http.basic_auth"), std::string::npos) << refused.body;
  }
  Daemon d(Sys("git"), FastOrchestratorYaml(50, false) + "http: {listen: '127.0.0.1:" + std::to_string(port) +
                           "', basic_auth: {username: alice, password: s3cret-pw}}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  std::string auth = "Authorization: Basic YWxpY2U6czNjcmV0LXB3";  // alice:s3cret-pw
  std::string body;
  ASSERT_TRUE(WaitUntil(
      [&] {
        body = HttpGet(base + "/", {auth}, Millis(5000)).body;
        return body.find("class=\"seg-ok\"") != std::string::npos;
      },
      10s))
      << body;
  EXPECT_NE(body.find("<svg class=\"chart\""), std::string::npos);
  const std::string marker = "name=\"csrf\" value=\"";
  size_t at = body.find(marker);
  ASSERT_NE(at, std::string::npos) << body;
  std::string csrf = body.substr(at + marker.size(), 32);
  EXPECT_NE(body.find("data-action=\"pause\" data-arg=\"git\""), std::string::npos) << body;
  std::vector<std::string> form = {auth, "Content-Type: application/x-www-form-urlencoded"};
  EXPECT_EQ(HttpPost(base + "/api/action", form, "action=pause&arg=git&csrf=forged", Millis(5000)).status, 403);
  EXPECT_EQ(HttpPost(base + "/api/action", {"Content-Type: application/x-www-form-urlencoded"},
                     "action=pause&arg=git&csrf=" + csrf, Millis(5000))
                .status,
            401)
      << "the token alone is not auth";
  EXPECT_EQ(HttpPost(base + "/api/action", form, "action=explode&arg=git&csrf=" + csrf, Millis(5000)).status, 400);
  auto done = HttpPost(base + "/api/action", form, "action=pause&arg=git&csrf=" + csrf, Millis(5000));
  EXPECT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers["location"], "/");
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->systems(0).paused());
  EXPECT_NE(d.Ctl("history").output.find("pause git by uid " + std::to_string(getuid())), std::string::npos);
  EXPECT_NE(d.Ctl("history").output.find("via http user alice"), std::string::npos) << d.Ctl("history").output;
  // Resumed from the page again: the button now says resume.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HttpGet(base + "/", {auth}, Millis(5000)).body.find("data-action=\"resume\"") != std::string::npos;
      },
      5s));
  EXPECT_EQ(HttpPost(base + "/api/action", form, "action=resume&arg=git&csrf=" + csrf, Millis(5000)).status, 303);
  EXPECT_FALSE(d.Status()->systems(0).paused());
  EXPECT_EQ(d.ReadLogs().find("s3cret-pw"), std::string::npos);
}

}  // namespace
}  // namespace redundancy::testing
