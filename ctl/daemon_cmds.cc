#include "ctl/daemon_cmds.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/config.h"
#include "common/constants.h"
#include "common/paths.h"
#include "common/process/process.h"
#include "common/transport/transport.h"
#include "ctl/cli_util.h"

namespace redundancy::ctl {
namespace {

Result<v1::StatusSnapshot> Running(const DaemonTarget& t, std::chrono::milliseconds timeout) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::STATUS);
  auto resp = transport::Call(t.endpoint, req, timeout);
  if (!resp.ok()) return Result<v1::StatusSnapshot>::Error(resp.error());
  return resp->status();
}

std::string SelfDir() {
  std::error_code ec;
  return std::filesystem::canonical("/proc/self/exe", ec).parent_path().string();
}

// Runs a supervisor's command (systemctl, pm2) in the foreground; "" or why it failed.
std::string RunTool(const std::string& exe, const std::vector<std::string>& args,
                    const std::vector<std::pair<std::string, std::string>>& env) {
  process::SpawnSpec spec;
  spec.exe = exe;
  spec.args = args;
  spec.env = env;
  spec.die_with_parent = false;
  auto ran = process::RunCapture(spec, std::chrono::seconds(120), 64 * 1024);
  if (!ran.ok()) return ran.error();
  if (ran->timed_out) return exe + " did not finish in 120 s";
  if (ran->exit.code != 0) {
    std::string out = ran->output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return exe + " " + ran->exit.Describe() + (out.empty() ? "" : ": " + out);
  }
  return "";
}

// Waits for a daemon other than `old_pid` to answer; its snapshot.
Result<v1::StatusSnapshot> WaitNewDaemon(const DaemonTarget& t, int old_pid, std::chrono::seconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = Running(t, std::chrono::milliseconds(1000));
    if (s.ok() && s->pid() != old_pid) return s;
    last = s.ok() ? "still pid " + std::to_string(s->pid()) : s.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Result<v1::StatusSnapshot>::Error(last);
}

}  // namespace

int StartDaemon(const DaemonTarget& t, bool debug) {
  std::error_code ec;
  std::string config = std::filesystem::absolute(t.config, ec).string();
  if (auto c = LoadConfig(config); !c.ok()) {
    std::cerr << c.error() << "\n";
    return kExitUsage;
  }
  // One daemon per state_dir: say which one already runs.
  if (auto running = Running(t, std::chrono::milliseconds(1000)); running.ok()) {
    std::cerr << "redundancyctl: redundancyd already runs for this config (pid " << running->pid()
              << "); `redundancyctl restart` restarts it\n";
    return kExitUnhealthy;
  }
  process::SpawnSpec spec;
  spec.exe = SelfDir() + "/redundancyd";
  spec.args = {"--config", config, "--daemon"};
  if (debug) spec.args.push_back("--debug");
  spec.die_with_parent = false;
  auto exit = process::RunAndWait(spec);
  if (!exit.ok()) {
    std::cerr << "redundancyctl: " << exit.error() << "\n";
    return kExitUnhealthy;
  }
  if (exit->code != 0) {
    // Another start won the race for the pid file, or the daemon failed: say which, on one line.
    if (auto running = Running(t, std::chrono::milliseconds(1000)); running.ok()) {
      std::cerr << "redundancyctl: redundancyd already runs for this config (pid " << running->pid() << ")\n";
    } else {
      std::cerr << "redundancyctl: redundancyd did not start (" << exit->Describe() << "); see " << LogDirOf(config)
                << "/redundancyd.log\n";
    }
    return kExitUnhealthy;
  }
  auto s = Running(t, kControlTimeout);
  if (!s.ok()) {
    std::cerr << "redundancyctl: redundancyd started but does not answer: " << s.error() << "\n";
    return kExitUnreachable;
  }
  std::cout << "redundancyd started (pid " << s->pid() << ", pid file " << Paths(StateDirOf(config)).PidFile() << ")\n";
  return kExitOk;
}

int StopDaemon(const DaemonTarget& t) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::STOP);
  auto resp = transport::Call(t.endpoint, req, kControlTimeout);
  if (!resp.ok()) {
    std::cerr << "redundancyctl: " << resp.error() << "\n";
    return kExitUnreachable;
  }
  if (!resp->error().empty()) {
    std::cerr << "redundancyctl: " << resp->error() << "\n";
    return resp->exit_code() ? resp->exit_code() : kExitUnhealthy;
  }
  if (!resp->message().empty()) std::cout << resp->message() << "\n";  // e.g. that PM2 will start it again
  pid_t pid = resp->status().pid();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (process::Alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (process::Alive(pid)) {
    std::cerr << "redundancyctl: redundancyd (pid " << pid << ") is still running\n";
    return kExitUnhealthy;
  }
  return kExitOk;
}

int RestartDaemon(const DaemonTarget& t, bool debug) {
  auto before = Running(t, std::chrono::milliseconds(2000));
  if (!before.ok()) {
    std::cout << "redundancyd was not running; starting it\n";
    return StartDaemon(t, debug);
  }
  const v1::Launcher& l = before->launcher();
  int old_pid = before->pid();
  std::string how;
  if (l.kind() == "systemd" && !l.unit().empty()) {
    std::vector<std::string> args;
    if (l.user_unit()) args.push_back("--user");
    args.insert(args.end(), {"restart", l.unit()});
    how = "systemctl " + std::string(l.user_unit() ? "--user " : "") + "restart " + l.unit();
    if (std::string why = RunTool("systemctl", args, {}); !why.empty()) {
      std::cerr << "redundancyctl: " << how << " failed: " << why << "\n";
      return kExitUnhealthy;
    }
  } else if (l.kind() == "pm2" && !l.unit().empty()) {
    how = "pm2 restart " + l.unit() + " (PM2_HOME " + l.pm2_home() + ")";
    const char* pm2 = std::getenv("REDUNDANCY_PM2_BIN");
    if (std::string why = RunTool(pm2 && *pm2 ? pm2 : "pm2", {"restart", l.unit()}, {{"PM2_HOME", l.pm2_home()}});
        !why.empty()) {
      std::cerr << "redundancyctl: " << how << " failed: " << why << "\n";
      return kExitUnhealthy;
    }
  } else {
    how = "stop, then start";
    if (int code = StopDaemon(t); code != kExitOk) return code;
    if (int code = StartDaemon(t, debug); code != kExitOk) return code;
  }
  auto after = WaitNewDaemon(t, old_pid, std::chrono::seconds(60));
  if (!after.ok()) {
    std::cerr << "redundancyctl: restarted with " << how << ", but no new redundancyd answers: " << after.error()
              << "\n";
    return kExitUnreachable;
  }
  std::cout << "redundancyd restarted (pid " << old_pid << " -> " << after->pid() << ", " << how << ")\n";
  return kExitOk;
}

}  // namespace redundancy::ctl
