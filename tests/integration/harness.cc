#include "tests/integration/harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/log_rotation.h"

namespace redundancy::testing {

std::string BinDir() { return REDUNDANCY_BIN_DIR; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/redundancy-test-XXXXXX";
  path_ = mkdtemp(tmpl);
}
// A PM2 daemon whose PM2_HOME is in `dir`, still running: one an agent was
// starting when its test stopped it (the daemon comes up after the test's
// `pm2 kill` found no pid file). It would spin on a deleted home for ever.
static void KillPm2DaemonsUnder(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      if (var.rfind("PM2_HOME=" + dir + "/", 0) == 0) {
        kill(std::stoi(name), SIGKILL);
        break;
      }
    }
  }
}

TempDir::~TempDir() {
  KillPm2DaemonsUnder(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}
std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p) << content;
  return p;
}

bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string ProcStatus(const std::string& proc_dir, const std::string& key) {
  std::ifstream in(proc_dir + "/status");
  const std::string prefix = key + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    size_t from = line.find_first_not_of(" \t", prefix.size());
    return from == std::string::npos ? "" : line.substr(from);
  }
  return "";
}

std::string ProcStatus(pid_t pid, const std::string& key) { return ProcStatus("/proc/" + std::to_string(pid), key); }

bool IsRunning(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

std::string FastOrchestratorYaml(int max_restarts, bool http_off) {
  return "orchestrator:\n"
         "  heartbeat_interval: 100ms\n"
         "  heartbeat_liveness: 10\n"  // 1 s: a loaded test machine stalls a process for 300 ms
         "  start_timeout: 5s\n"
         "  stop_grace: 300ms\n"
         "  agent_restart: {backoff_initial: 20ms, backoff_max: 200ms, max_restarts: " +
         std::to_string(max_restarts) + ", within: 60s, stable_after: 1s}\n" +
         (http_off ? "http: {listen: \"\"}\n" : "");
}

std::string TestAgent() { return BinDir() + "/redundancy-test-agent"; }

std::string Sys(const std::string& name, const std::string& extra) {
  return "  " + name + ": {interval: 1s, agent: " + TestAgent() + extra + "}\n";
}

Daemon::Daemon(std::string systems_yaml, std::string extra_yaml) {
  chmod(dir_.path().c_str(), 0755);
  WriteConfig("workspace: .\n" + (extra_yaml.empty() ? FastOrchestratorYaml() : extra_yaml) + "systems:\n" +
              systems_yaml);
  SetMode("");
}

Daemon::~Daemon() {
  // A daemon started in the background (redundancyctl start) is not our child: find it by its pid file.
  std::ifstream pidfile(state_dir() + "/run/redundancyd.pid");
  pid_t background = 0;
  if (pidfile >> background && background != pid_ && IsRunning(background)) {
    auto pids = AgentPids();
    process::Signal(background, SIGKILL);
    WaitUntil([&] { return !IsRunning(background); }, std::chrono::seconds(3));
    for (pid_t p : pids)
      if (IsRunning(p)) process::Signal(p, SIGKILL);
  }
  if (pid_ > 0 && IsRunning(pid_)) {
    auto pids = AgentPids();
    Kill(SIGKILL);
    // PR_SET_PDEATHSIG takes the agents down with it; make sure.
    WaitUntil(
        [&] {
          for (pid_t p : pids)
            if (IsRunning(p)) return false;
          return true;
        },
        std::chrono::seconds(3));
    for (pid_t p : pids)
      if (IsRunning(p)) process::Signal(p, SIGKILL);
  }
}

void Daemon::WriteConfig(const std::string& content) const { dir_.Write("redundancy.yaml", content); }
void Daemon::SetMode(const std::string& content) const { dir_.Write("agent-mode", content); }

bool Daemon::Start(const std::vector<std::pair<std::string, std::string>>& env) {
  process::SpawnSpec spec;
  spec.exe = BinDir() + "/redundancyd";
  spec.args = {"--config", config_path()};
  spec.env = env;
  spec.env.emplace_back("REDUNDANCY_TEST_AGENT_MODE_FILE", ModeFile());
  auto pid = process::Spawn(spec);
  if (!pid.ok()) {
    ADD_FAILURE() << pid.error();
    return false;
  }
  pid_ = *pid;
  return WaitUntil([&] { return Status().ok(); }, std::chrono::seconds(10));
}

int Daemon::WaitExit(std::chrono::milliseconds timeout) {
  int code = -1;
  bool done = WaitUntil(
      [&] {
        for (const auto& e : process::ReapAll()) {
          if (e.pid == pid_) {
            code = e.signal ? 128 + e.signal : e.code;
            return true;
          }
        }
        return false;
      },
      timeout);
  if (done) pid_ = 0;
  return code;
}

void Daemon::Kill(int sig) {
  if (pid_ <= 0) return;
  process::Signal(pid_, sig);
  if (sig == SIGKILL) WaitExit(std::chrono::seconds(5));
}

Result<v1::ControlResponse> Daemon::Control(v1::ControlRequest::Op op, const std::string& arg) const {
  v1::ControlRequest req;
  req.set_op(op);
  req.set_arg(arg);
  return Control(req);
}

Result<v1::ControlResponse> Daemon::Control(const v1::ControlRequest& req) const {
  return transport::Call(control_endpoint(), req, std::chrono::milliseconds(2000));
}

Result<v1::StatusSnapshot> Daemon::Status() const {
  auto r = Control(v1::ControlRequest::STATUS);
  if (!r.ok()) return r.status();
  return r->status();
}

int RunShell(const std::string& cmd, std::string* out) {
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    if (out) out->append(buf, n);
  }
  int status = pclose(f);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Sh(const std::string& cmd) {
  static const char kIdentity[] =
      "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com ";
  std::string out;
  int rc = RunShell(kIdentity + cmd, &out);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return out;
}

std::vector<std::pair<std::string, std::string>> NpmTestEnv(const std::string& root) {
  return {{"npm_config_offline", "true"},
          {"npm_config_registry", "http://127.0.0.1:9/"},
          {"npm_config_cache", root + "/npm-cache"},
          {"npm_config_update_notifier", "false"},
          {"npm_config_audit", "false"},
          {"npm_config_fund", "false"}};
}

std::string NpmTestEnvPrefix(const std::string& root) {
  std::string s;
  for (const auto& [k, v] : NpmTestEnv(root)) s += k + "=" + v + " ";
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string Commit(const std::string& repo, const std::string& message) {
  Sh("git -C " + repo + " add -A && git -C " + repo + " commit -q -m '" + message + "'");
  return GitHead(repo);
}

std::string GitHead(const std::string& repo) {
  std::string head = Sh("git -C " + repo + " rev-parse HEAD");
  while (!head.empty() && head.back() == '\n') head.pop_back();
  return head;
}

std::string PushMessage(const std::string& dev, const std::string& message, bool broken) {
  WriteFile(dev + "/src/index.js", "module.exports = () => '" + message + "';\n");
  if (broken)
    WriteFile(dev + "/BUILD_FAIL", "");
  else
    std::filesystem::remove(dev + "/BUILD_FAIL");
  std::string rev = Commit(dev, broken ? "break the build" : "say " + message);
  Sh("git -C " + dev + " push -q origin main");
  return rev;
}

CtlResult Daemon::Ctl(const std::string& args) const {
  CtlResult r;
  r.exit_code = RunShell(BinDir() + "/redundancyctl --config " + config_path() + " " + args, &r.output);
  return r;
}

std::optional<v1::CheckStatus> Daemon::CheckOf(const std::string& target) const {
  auto s = Status();
  if (!s.ok()) return std::nullopt;
  for (const auto& sys : s->systems()) {
    for (const auto& c : sys.checks()) {
      if (c.target() == target) return c;
    }
  }
  return std::nullopt;
}

bool Daemon::WaitCheck(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout,
                       const std::string& summary_has) const {
  return WaitUntil(
      [&] {
        auto c = CheckOf(target);
        return c && c->status() == want && c->summary().find(summary_has) != std::string::npos;
      },
      timeout);
}

bool Daemon::WaitReports(const std::string& system, int n, std::chrono::milliseconds timeout) const {
  auto last = [&]() -> int64_t {
    auto s = Status();
    if (!s.ok()) return 0;
    for (const auto& sys : s->systems()) {
      if (sys.name() == system) return sys.last_report_ms();
    }
    return 0;
  };
  for (int i = 0; i < n; ++i) {
    const int64_t seen = last();
    if (!WaitUntil([&] { return last() > seen; }, timeout)) return false;
  }
  return true;
}

std::optional<v1::AgentStatus> Daemon::Agent(const std::string& name) const {
  auto s = Status();
  if (!s.ok()) return std::nullopt;
  for (const auto& a : s->agents()) {
    if (a.name() == name) return a;
  }
  return std::nullopt;
}

bool Daemon::WaitAgentState(const std::string& name, const std::string& state,
                            std::chrono::milliseconds timeout) const {
  return WaitUntil(
      [&] {
        auto a = Agent(name);
        return a && a->state() == state;
      },
      timeout);
}

bool Daemon::WaitAllReady(std::chrono::milliseconds timeout) const {
  return WaitUntil(
      [&] {
        auto s = Status();
        if (!s.ok() || s->agents_size() == 0) return false;
        for (const auto& a : s->agents()) {
          if (a.state() != "ready") return false;
        }
        return true;
      },
      timeout);
}

std::vector<pid_t> Daemon::AgentPids() const {
  std::vector<pid_t> out;
  auto s = Status();
  if (!s.ok()) return out;
  for (const auto& a : s->agents()) {
    if (a.pid() > 0) out.push_back(a.pid());
  }
  return out;
}

KillOnExit::~KillOnExit() {
  if (pid <= 0) return;
  process::Signal(pid, SIGKILL);
  WaitUntil(
      [&] {
        process::ReapAll();
        return !IsRunning(pid);
      },
      std::chrono::seconds(5));
}

std::string Daemon::ReadLogs() const {
  std::string all;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_dir() + "/logs", ec))
    all += ReadMaybeGzip(e.path().string());
  return all;
}

}  // namespace redundancy::testing
