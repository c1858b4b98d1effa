#include "tests/integration/site_harness.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace redundancy::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

SitePoller::SitePoller(int port) : port_(port), thread_([this] { Run(); }) {}

SitePoller::~SitePoller() { Stop(); }

void SitePoller::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void SitePoller::Run() {
  auto down_since = std::chrono::steady_clock::time_point{};
  // Bounded: at most 20 minutes of polling.
  for (int i = 0; i < 24'000 && !stop_; ++i) {
    ++requests_;
    auto now = std::chrono::steady_clock::now();
    if (HttpGetBody(port_, "/health") != "ok") {
      ++failures_;
      if (down_since == std::chrono::steady_clock::time_point{}) down_since = now;
      int64_t ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - down_since).count();
      if (ms > longest_ms_) longest_ms_ = ms;
    } else {
      down_since = {};
    }
    std::this_thread::sleep_for(50ms);
  }
}

std::map<std::string, std::string> EnvironOf(pid_t pid) {
  std::map<std::string, std::string> out;
  std::string raw = ReadFile("/proc/" + std::to_string(pid) + "/environ");
  std::stringstream ss(raw);
  std::string kv;
  while (std::getline(ss, kv, '\0')) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

pid_t ParentOf(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  int ppid = 0;
  char state;
  std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid);
  return ppid;
}

std::vector<pid_t> AgentsOf(const std::string& state_dir) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    pid_t pid = std::stoi(name);
    std::string cmd = ReadFile("/proc/" + name + "/cmdline");
    if (cmd.find("redundancy-agent-") != std::string::npos &&
        cmd.find(state_dir + "/run/agents.sock") != std::string::npos && IsRunning(pid)) {
      out.push_back(pid);
    }
  }
  // An agent forking a helper has, for a moment before the exec, a child
  // with its very command line: that is not a second agent.
  std::vector<pid_t> agents;
  for (pid_t p : out) {
    if (std::find(out.begin(), out.end(), ParentOf(p)) == out.end()) agents.push_back(p);
  }
  return agents;
}

void SiteTest::SetUp() {
  if (!Pm2Available()) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  d_ = std::make_unique<Daemon>("");
  root_ = d_->dir().path();
  port_ = FreePort();
  Sh("cp -r " SOURCE_DIR "/examples/demo/. " + root_);
  WriteFile(root_ + "/ecosystem.config.js",
            "module.exports = {apps: [\n"
            "  {name: 'api', script: 'apps/api.js', env: {PORT: " +
                std::to_string(port_) +
                "}},\n"
                "  {name: 'worker', script: 'apps/worker.js'},\n]};\n");
  // The site's PM2_HOME outlives redundancyd's directory, so that TearDown
  // can still find and stop that PM2 after redundancyd is gone.
  site_ = std::make_unique<Pm2Home>(pm2_dir_.path() + "/site-pm2");
  WriteConfig("");
  Sh("git init -q --bare -b main " + root_ + "/remote.git");
  Sh("cd " + root_ +
     " && printf "
     "'outer-pm2/\\nremote.git/\\nagent-mode\\nbin/\\nsystemctl.calls\\nredundancy.yaml\\n*.jsonl\\ndev/\\n' >> "
     ".gitignore && "
     "git init -q -b main && git add -A && git commit -q -m site && git remote add origin " +
     root_ +
     "/remote.git && "
     "git push -q origin main && git branch -q --set-upstream-to=origin/main main");
}

void SiteTest::TearDown() {
  // redundancyd first: a PM2 killed under a running agent would be started again.
  d_.reset();
  site_.reset();
}

void SiteTest::WriteConfig(const std::string& pm2_extra) {
  d_->WriteConfig("workspace: .\nstate_dir: .redundancy\n" + FastOrchestratorYaml() + ExtraYaml() +
                  "systems:\n"
                  "  git: {interval: 2s, remote: origin, branch: main, strategy: pull}\n"
                  "  build: {interval: 10m, validate: \"npm run build --if-present\", artifacts: [dist/built.txt], "
                  "sources: [apps]}\n"
                  "  pm2: {interval: 2s, pm2_home: " +
                  site_->home() + ", ecosystem: ecosystem.config.js, restart_delay: 200ms" + pm2_extra +
                  "}\n"
                  "  workflows: {interval: 5m}\n"
                  "  netlify: {interval: 10m, regenerate_manifest: true}\n");
}

bool SiteTest::WaitAllOk(std::chrono::milliseconds timeout) {
  return WaitUntil(
      [&] {
        auto s = d_->Status();
        if (!s.ok() || s->systems_size() != 5 || s->agents_size() != 5) return false;
        for (const auto& a : s->agents()) {
          if (a.state() != "ready") return false;
        }
        for (const auto& sys : s->systems()) {
          if (sys.health() != v1::HEALTH_OK) return false;
        }
        return HttpGetBody(port_, "/health") == "ok";
      },
      timeout);
}

std::string SiteTest::Dump() {
  auto r = d_->Ctl("status");
  return r.output + "\n--- log ---\n" + d_->ReadLogs().substr(0, 20000);
}

pid_t SiteTest::DaemonPid() {
  std::ifstream in(d_->state_dir() + "/run/redundancyd.pid");
  pid_t pid = 0;
  return (in >> pid) && IsRunning(pid) ? pid : 0;
}

void SiteTest::ExpectOneSetOfAgents() {
  pid_t daemon = DaemonPid();
  ASSERT_GT(daemon, 0);
  auto agents = AgentsOf(d_->state_dir());
  EXPECT_EQ(agents.size(), 5u);
  for (pid_t a : agents) EXPECT_EQ(ParentOf(a), daemon) << "agent " << a;
}

void SiteTest::ExpectCleanEnvironments() {
  static const char* kLauncher[] = {"NODE_CHANNEL_FD", "NODE_UNIQUE_ID", "pm_id",      "NOTIFY_SOCKET", "WATCHDOG_USEC",
                                    "WATCHDOG_PID",    "LISTEN_FDS",     "LISTEN_PID", "INVOCATION_ID"};
  auto agents = AgentsOf(d_->state_dir());
  ASSERT_EQ(agents.size(), 5u);
  for (pid_t a : agents) {
    auto env = EnvironOf(a);
    for (const char* v : kLauncher) EXPECT_EQ(env.count(v), 0u) << v << " in the environment of agent " << a;
    EXPECT_EQ(env.count("PM2_HOME"), 0u) << "an outer PM2's PM2_HOME in agent " << a;
  }
  // The daemon the agent started: its own PM2_HOME, nothing of an outer PM2 or systemd.
  auto god = EnvironOf(site_->DaemonPid());
  EXPECT_EQ(god["PM2_HOME"], site_->home());
  for (const char* v : {"pm_id", "NOTIFY_SOCKET", "WATCHDOG_USEC", "INVOCATION_ID", "NODE_UNIQUE_ID"}) {
    EXPECT_EQ(god.count(v), 0u) << v << " in the environment of the PM2 daemon";
  }
}

}  // namespace redundancy::testing
