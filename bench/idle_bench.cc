// What watching costs when nothing happens: the bundled demo as deployed
// (redundancyd on examples/demo's config as shipped, its five agents, a PM2
// daemon running the demo's apps), every system ok, then CPU, wake-ups and
// memory over the same window for redundancyd and each agent, next to the PM2
// daemon that supervises the apps (the peer). --scale adds 998 PM2 apps
// (/bin/sleep), 1,000 workflow files and 2,000 functions to the same demo.
//
// CPU is utime+stime+cutime+cstime from /proc/PID/stat (what a process and
// the commands it ran and reaped used); wake-ups are the context switches of
// every thread (/proc/PID/task/*/status); PSS from smaps_rollup.
// Run by hand: bash bench/run.sh idle [--seconds 60] [--scale] [--runs 1]
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "common/process/process.h"
#include "common/transport/transport.h"

namespace {

using namespace redundancy::bench;
namespace fs = std::filesystem;

struct Sample {
  long ticks = 0;     // own + reaped children's CPU, clock ticks
  long switches = 0;  // context switches, all threads
};

Sample Read(pid_t pid) {
  Sample s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    for (int i = 3; rest >> field && i <= 17; ++i) {
      if (i >= 14) s.ticks += std::stol(field);  // utime stime cutime cstime
    }
  }
  std::error_code ec;
  for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream st(t.path() / "status");
    std::string key;
    long v;
    while (st >> key) {
      if (key == "voluntary_ctxt_switches:" || key == "nonvoluntary_ctxt_switches:") {
        if (st >> v) s.switches += v;
      } else {
        std::getline(st, line);
      }
    }
  }
  return s;
}

redundancy::Result<redundancy::v1::StatusSnapshot> Status(const std::string& endpoint) {
  redundancy::v1::ControlRequest req;
  req.set_op(redundancy::v1::ControlRequest::STATUS);
  auto r = redundancy::transport::Call(endpoint, req, std::chrono::milliseconds(5000));
  if (!r.ok()) return r.status();
  return r->status();
}

bool AllOk(const redundancy::v1::StatusSnapshot& s) {
  if (s.systems_size() != 5) return false;
  for (const auto& sys : s.systems()) {
    if (sys.health() != redundancy::v1::HEALTH_OK) return false;
  }
  return true;
}

// 998 more PM2 apps, 1,000 workflows, 2,000 functions (before the commit).
void Scale(const std::string& ws) {
  {
    std::ofstream e(ws + "/ecosystem.config.js");
    e << "module.exports = {apps: [\n"
         "  {name: 'api', script: 'apps/api.js', env: {PORT: 3101}, max_memory_restart: '200M'},\n"
         "  {name: 'worker', script: 'apps/worker.js', restart_delay: 1000},\n";
    for (int i = 0; i < 998; ++i) {
      e << "  {name: 's" << i << "', script: '/bin/sleep', args: '" << 600000 + i << "', interpreter: 'none'},\n";
    }
    e << "]};\n";
  }
  std::string wf;
  {
    std::ifstream in(ws + "/.github/workflows/ci.yml");
    std::stringstream b;
    b << in.rdbuf();
    wf = b.str();
  }
  for (int i = 0; i < 999; ++i) {
    std::string text = wf;
    text.replace(0, text.find('\n'), "name: ci" + std::to_string(i));
    std::ofstream(ws + "/.github/workflows/ci" + std::to_string(i) + ".yml") << text;
  }
  for (int i = 0; i < 1998; ++i) {
    std::ofstream(ws + "/netlify/functions/f" + std::to_string(i) + ".js")
        << "// generated\nexports.handler = async () => ({statusCode: 200, body: 'f" << i << "'});\n";
  }
}

struct Row {
  std::string who;
  double cpu_pct, wakeups_s, pss_mb;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"idle cost of redundancyd and its agents on the demo, next to PM2"};
  int seconds = 60, settle = 10;
  bool scale = false, keep = false;
  app.add_option("--seconds", seconds, "measured window");
  app.add_option("--settle", settle, "seconds to wait after all ok before measuring");
  app.add_flag("--scale", scale, "998 more PM2 apps, 1,000 workflows, 2,000 functions");
  app.add_flag("--keep", keep, "leave the workspace (and its PM2) running for a look");
  CLI11_PARSE(app, argc, argv);
  std::string src = SOURCE_DIR;
  std::string bin = src + "/build/bin";
  char tmpl[] = "/tmp/redundancy-idle-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string ws = MakeDemoWorkspace(src, dir, scale ? Scale : nullptr);
  std::string pm2_home = ws + "/.redundancy/pm2";
  std::string endpoint = "ipc://" + ws + "/.redundancy/run/control.sock";

  redundancy::process::SpawnSpec spec;
  spec.exe = bin + "/redundancyd";
  spec.args = {"--config", ws + "/redundancy.yaml"};
  spec.die_with_parent = !keep;
  auto t0 = Clock::now();
  auto pid = redundancy::process::Spawn(spec);
  if (!pid.ok()) {
    std::fprintf(stderr, "%s\n", pid.error().c_str());
    return 1;
  }
  redundancy::v1::StatusSnapshot snap;
  bool ok = WaitFor(
      [&] {
        auto s = Status(endpoint);
        if (s.ok()) snap = *s;
        return s.ok() && AllOk(*s);
      },
      std::chrono::seconds(scale ? 600 : 60), std::chrono::milliseconds(200));
  std::fprintf(stderr, "%s after %.1f s\n", ok ? "all ok" : "NOT all ok", Ms(Clock::now() - t0) / 1000);
  for (const auto& sys : snap.systems()) {
    if (sys.health() != redundancy::v1::HEALTH_OK) {
      for (const auto& c : sys.checks()) {
        if (c.status() != redundancy::v1::HEALTH_OK)
          std::fprintf(stderr, "  %s: %s\n", c.target().c_str(), c.summary().c_str());
      }
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(settle));
  auto s = Status(endpoint);
  std::vector<std::pair<std::string, pid_t>> ours{{"redundancyd", *pid}};
  if (s.ok()) {
    for (const auto& a : s->agents()) ours.emplace_back("agent " + a.name(), a.pid());
  }
  pid_t god = 0;
  std::ifstream(pm2_home + "/pm2.pid") >> god;

  std::map<pid_t, Sample> before, after;
  for (auto& [name, p] : ours) before[p] = Read(p);
  if (god > 0) before[god] = Read(god);
  auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  double window = Ms(Clock::now() - w0) / 1000;
  for (auto& [name, p] : ours) after[p] = Read(p);
  if (god > 0) after[god] = Read(god);

  double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  auto row = [&](const std::string& who, pid_t p) {
    return Row{who, 100.0 * static_cast<double>(after[p].ticks - before[p].ticks) / hz / window,
               static_cast<double>(after[p].switches - before[p].switches) / window, PssKb(p) / 1024.0};
  };
  std::vector<Row> rows;
  Row total{"total (redundancyd + agents)", 0, 0, 0};
  for (auto& [name, p] : ours) {
    rows.push_back(row(name, p));
    total.cpu_pct += rows.back().cpu_pct;
    total.wakeups_s += rows.back().wakeups_s;
    total.pss_mb += rows.back().pss_mb;
  }
  Row peer = god > 0 ? row("PM2 daemon (peer)", god) : Row{"PM2 daemon (peer)", -1, -1, -1};

  std::printf("\nidle over %.0f s, %s\n", window,
              scale ? "scale: 1,000 PM2 apps, 1,000 workflows, 2,000 functions" : "the demo as shipped");
  std::printf("%-32s %12s %12s %10s\n", "process", "CPU (%core)", "wakeups/s", "PSS (MB)");
  for (const auto& r : rows)
    std::printf("%-32s %12.3f %12.1f %10.1f\n", r.who.c_str(), r.cpu_pct, r.wakeups_s, r.pss_mb);
  std::printf("%-32s %12.3f %12.1f %10.1f\n", total.who.c_str(), total.cpu_pct, total.wakeups_s, total.pss_mb);
  std::printf("%-32s %12.3f %12.1f %10.1f\n", peer.who.c_str(), peer.cpu_pct, peer.wakeups_s, peer.pss_mb);
  std::printf("%-32s %12.2f %12.2f %10.2f\n", "ratio total / PM2", peer.cpu_pct > 0 ? total.cpu_pct / peer.cpu_pct : -1,
              peer.wakeups_s > 0 ? total.wakeups_s / peer.wakeups_s : -1,
              peer.pss_mb > 0 ? total.pss_mb / peer.pss_mb : -1);
  std::printf("targets: %s\n",
              scale ? "CPU <= 1% of a core, PSS <= 60 MB" : "CPU <= 0.2% of a core and <= PM2's, PSS <= 25 MB");

  if (keep) {
    std::printf("left running: redundancyd pid %d, workspace %s\n", *pid, ws.c_str());
    return 0;
  }
  StopDemo(*pid, ws, dir);
  return ok ? 0 : 1;
}
