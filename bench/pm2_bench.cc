// PM2 agent benchmarks, printed as a table. Run by hand: build/bin/pm2_bench
//  1. app failure (kill -9 of an autorestart:false app) -> the agent's recovery recorded, and -> new process
//  2. PM2 daemon kill -9 -> all 20 apps online again: the agent vs `pm2 resurrect` by hand
//  3. one listing of 1,000 apps: getMonitorData over rpc.sock vs `pm2 jlist`
//  4. PSS of the agent process
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agents/pm2/app_list.h"
#include "agents/pm2/rpc.h"
#include "bench/bench_util.h"
#include "common/process/process.h"
#include "common/transport/transport.h"

namespace {
using namespace redundancy::bench;
// How often "all online?" is asked while PM2 restores: getMonitorData makes
// PM2 measure every app, so asking more often slows what is measured.
constexpr std::chrono::milliseconds kPoll{20};
namespace fs = std::filesystem;
int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Env {
  std::string dir, home;
  std::string pm2() const { return "PM2_HOME=" + home + " pm2 "; }
  nlohmann::json List(redundancy::pm2::RpcClient& rpc) const {
    auto r = rpc.Call("getMonitorData", nlohmann::json::array({nlohmann::json::object()}), std::chrono::seconds(10));
    return r.ok() ? (*r)[0] : nlohmann::json::array();
  }
  int Online(redundancy::pm2::RpcClient& rpc) const {
    int n = 0;
    for (const auto& a : List(rpc)) n += a["pm2_env"].value("status", "") == "online" && a.value("pid", 0) > 0;
    return n;
  }
};

redundancy::v1::ControlResponse Control(const std::string& endpoint, redundancy::v1::ControlRequest::Op op) {
  redundancy::v1::ControlRequest req;
  req.set_op(op);
  auto r = redundancy::transport::Call(endpoint, req, std::chrono::seconds(5));
  return r.ok() ? *r : redundancy::v1::ControlResponse();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"PM2 agent benchmarks"};
  int kills = 20, apps = 20, listed = 1000;
  bool full = false;
  app.add_option("--kills", kills);
  app.add_option("--apps", apps);
  app.add_option("--listed", listed);
  app.add_flag("--full", full, "run all five systems (shared libraries are then split six ways, as deployed)");
  CLI11_PARSE(app, argc, argv);
  if (Shell("command -v pm2") != 0) {
    std::cerr << "pm2 is not installed\n";
    return 1;
  }
  std::error_code ec;
  std::string bin = fs::canonical("/proc/self/exe", ec).parent_path().string();
  char tmpl[] = "/tmp/redundancy-pm2bench-XXXXXX";
  Env env{mkdtemp(tmpl), ""};
  env.home = env.dir + "/pm2";
  std::string eco = env.dir + "/ecosystem.config.js";
  {
    std::ofstream e(eco);
    e << "module.exports = {apps: [\n";
    for (int i = 0; i < apps; ++i) {
      e << "{name: 'a" << i << "', script: '/bin/sleep', args: '" << 500000 + i << "', interpreter: 'none'"
        << (i == 0 ? ", autorestart: false" : "") << "},\n";
    }
    e << "]};\n";
  }
  std::ofstream(env.dir + "/redundancy.yaml")
      << "workspace: .\nsystems:\n  pm2: {interval: 30s, pm2_home: " << env.home
      << ", ecosystem: ecosystem.config.js, restart_delay: 1ms, "
         "stable_after: 50ms, max_restart_attempts: 1000}\n"
      << (full ? "  git: {depends_on: []}\n  build: {depends_on: []}\n  netlify: {}\n  workflows: {}\n" : "");
  Shell(env.pm2() + "start " + eco);
  redundancy::pm2::RpcClient rpc(env.home + "/rpc.sock");
  WaitFor([&] { return env.Online(rpc) == apps; }, std::chrono::seconds(60));

  redundancy::process::SpawnSpec spec{bin + "/redundancyd", {"--config", env.dir + "/redundancy.yaml"}, {}, "", true};
  auto daemon = redundancy::process::Spawn(spec);
  std::string endpoint = "ipc://" + env.dir + "/.redundancy/run/control.sock";
  WaitFor(
      [&] {
        auto s = Control(endpoint, redundancy::v1::ControlRequest::STATUS);
        bool ready = s.status().agents_size() >= 1;
        for (const auto& a : s.status().agents()) ready &= a.state() == "ready";
        for (const auto& sys : s.status().systems()) ready &= sys.name() != "pm2" || sys.checks_size() > 2;
        return ready;
      },
      std::chrono::seconds(30));
  pid_t agent = 0;
  const auto started = Control(endpoint, redundancy::v1::ControlRequest::STATUS);
  for (const auto& a : started.status().agents()) {
    if (a.name() == "pm2") agent = a.pid();
  }

  // 1. Failure -> recovery.
  std::vector<double> to_event, to_process;
  for (int i = 0; i < kills; ++i) {
    auto list = env.List(rpc);
    pid_t victim = 0;
    for (const auto& a : list) {
      if (a.value("name", "") == "a0") victim = a.value("pid", 0);
    }
    if (victim <= 0) break;
    size_t before = Control(endpoint, redundancy::v1::ControlRequest::HISTORY).history_size();
    int64_t t_wall = WallMs();
    auto t0 = Clock::now();
    kill(victim, SIGKILL);
    bool back = WaitFor(
        [&] {
          for (const auto& a : env.List(rpc)) {
            if (a.value("name", "") == "a0" && a.value("pid", 0) > 0 && a.value("pid", 0) != victim) return true;
          }
          return false;
        },
        std::chrono::seconds(10));
    if (back) to_process.push_back(Ms(Clock::now() - t0));
    WaitFor(
        [&] {
          auto h = Control(endpoint, redundancy::v1::ControlRequest::HISTORY);
          for (int k = static_cast<int>(before); k < h.history_size(); ++k) {
            if (h.history(k).kind() == "event:recovered") {
              to_event.push_back(static_cast<double>(h.history(k).ts_ms() - t_wall));
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  long agent_pss = PssKb(agent);

  // 2. Daemon kill -9 -> all apps online, by the agent.
  std::vector<double> agent_restore;
  for (int round = 0; round < 3; ++round) {
    std::ifstream pf(env.home + "/pm2.pid");
    pid_t god = 0;
    pf >> god;
    auto t0 = Clock::now();
    kill(god, SIGKILL);
    int online = 0;
    bool ok = WaitFor(
        [&] {
          std::ifstream p2(env.home + "/pm2.pid");
          pid_t g2 = 0;
          p2 >> g2;
          return g2 != god && redundancy::process::IsRunning(g2) && (online = env.Online(rpc)) == apps;
        },
        std::chrono::seconds(30), kPoll);
    if (ok)
      agent_restore.push_back(Ms(Clock::now() - t0));
    else
      std::cerr << "restore round " << round << ": only " << online << " of " << apps << " online after 30 s\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  kill(*daemon, SIGTERM);
  WaitFor([&] { return !redundancy::process::IsRunning(*daemon); }, std::chrono::seconds(10));
  redundancy::process::ReapAll();

  // ...and by hand: pm2 save, kill -9, pm2 resurrect (orphans left as they are, as PM2 leaves them).
  std::vector<double> by_hand;
  for (int round = 0; round < 3; ++round) {
    Shell(env.pm2() + "save --force");
    std::ifstream pf(env.home + "/pm2.pid");
    pid_t god = 0;
    pf >> god;
    for (const auto& a : env.List(rpc)) {
      if (a.value("pid", 0) > 0) kill(a["pid"].get<pid_t>(), SIGKILL);  // no orphans, for a fair count
    }
    kill(god, SIGKILL);
    WaitFor([&] { return !redundancy::process::IsRunning(god); }, std::chrono::seconds(5));
    auto t0 = Clock::now();
    Shell(env.pm2() + "resurrect");
    int online = 0;
    if (WaitFor([&] { return (online = env.Online(rpc)) == apps; }, std::chrono::seconds(30), kPoll)) {
      by_hand.push_back(Ms(Clock::now() - t0));
    } else {
      std::cerr << "resurrect round " << round << ": only " << online << " of " << apps << " online after 30 s\n";
    }
  }

  // 3. Listing 1,000 apps: register them stopped (no processes) through `prepare`.
  auto list = env.List(rpc);
  nlohmann::json tmpl_env = list[1]["pm2_env"];
  for (const char* k : {"pm_id", "instances", "prev_restart_delay", "unique_id"}) tmpl_env.erase(k);
  for (int i = static_cast<int>(list.size()); i < listed; ++i) {
    nlohmann::json e = tmpl_env;
    e["name"] = "stopped" + std::to_string(i);
    e["status"] = "stopped";
    rpc.Call("prepare", nlohmann::json::array({e}), std::chrono::seconds(10));
  }
  // Wall time includes the daemon's own work (the same for both: jlist asks
  // getMonitorData too); CPU is the checker's own cost: this process for the
  // RPC, the `pm2 jlist` Node process for the CLI.
  auto cpu_ms = [](int who) {
    rusage u{};
    getrusage(who, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
  };
  std::vector<double> rpc_ms, jlist_ms, rpc_cpu, jlist_cpu;
  size_t count = 0;
  for (int i = 0; i < 20; ++i) {
    double c0 = cpu_ms(RUSAGE_SELF);
    auto t0 = Clock::now();
    // Exactly what the agent does for each check.
    auto raw =
        rpc.CallRaw("getMonitorData", nlohmann::json::array({nlohmann::json::object()}), std::chrono::seconds(10));
    auto apps = raw.ok() ? redundancy::pm2::ParseMonitorReply(*raw)
                         : redundancy::Result<std::vector<redundancy::pm2::AppInfo>>(raw.status());
    count = apps.ok() ? apps->size() : 0;
    rpc_ms.push_back(Ms(Clock::now() - t0));
    rpc_cpu.push_back(cpu_ms(RUSAGE_SELF) - c0);
  }
  for (int i = 0; i < 5; ++i) {
    double c0 = cpu_ms(RUSAGE_CHILDREN);
    auto t0 = Clock::now();
    Shell(env.pm2() + "jlist > /dev/null");
    jlist_ms.push_back(Ms(Clock::now() - t0));
    jlist_cpu.push_back(cpu_ms(RUSAGE_CHILDREN) - c0);
  }
  Shell(env.pm2() + "kill");
  fs::remove_all(env.dir, ec);

  std::printf("\n%-52s %10s %10s %14s\n", "metric", "median", "p90", "target");
  std::printf("%-52s %10.1f %10.1f %14s\n",
              ("app kill -9 -> agent's recovery done (ms, n=" + std::to_string(to_event.size()) + ")").c_str(),
              Pct(to_event, .5), Pct(to_event, .9), "detect <= 100");
  std::printf("%-52s %10.1f %10.1f %14s\n", "app kill -9 -> new process listed online (ms)", Pct(to_process, .5),
              Pct(to_process, .9), "");
  std::printf("%-52s %10.1f %10.1f %14s\n",
              ("daemon kill -9 -> all " + std::to_string(apps) + " online, agent (ms)").c_str(), Pct(agent_restore, .5),
              Pct(agent_restore, .9), "<= 0.5x peer");
  std::printf("%-52s %10.1f %10.1f %14s\n", "same, `pm2 resurrect` by hand after `pm2 save` (ms)", Pct(by_hand, .5),
              Pct(by_hand, .9), "peer");
  std::printf("%-52s %10.2f %10s %14s\n", "agent / `pm2 resurrect` ratio", Pct(agent_restore, .5) / Pct(by_hand, .5),
              "", "<= 0.5");
  std::printf("%-52s %10.2f %10.2f %14s\n", ("list " + std::to_string(count) + " apps over rpc.sock (ms)").c_str(),
              Pct(rpc_ms, .5), Pct(rpc_ms, .9), "");
  std::printf("%-52s %10.1f %10.1f %14s\n", ("list " + std::to_string(count) + " apps with `pm2 jlist` (ms)").c_str(),
              Pct(jlist_ms, .5), Pct(jlist_ms, .9), "");
  std::printf("%-52s %10.2f %10.2f %14s\n", "  checker CPU per listing, rpc (ms)", Pct(rpc_cpu, .5), Pct(rpc_cpu, .9),
              "");
  std::printf("%-52s %10.1f %10.1f %14s\n", "  checker CPU per listing, pm2 jlist (ms)", Pct(jlist_cpu, .5),
              Pct(jlist_cpu, .9), "");
  std::printf("%-52s %10.1f %10s %14s\n", "jlist / rpc wall-time ratio", Pct(jlist_ms, .5) / Pct(rpc_ms, .5), "", "");
  std::printf("%-52s %10.1f %10s %14s\n", "jlist / rpc checker-CPU ratio", Pct(jlist_cpu, .5) / Pct(rpc_cpu, .5), "",
              ">= 20x");
  std::printf("%-52s %10.2f %10s %14s\n",
              full ? "agent PSS, all five systems running (MB)" : "agent PSS, pm2 system alone (MB)",
              agent_pss / 1024.0, "", "<= 6");
  return 0;
}
