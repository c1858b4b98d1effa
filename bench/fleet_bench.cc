// The fleet's costs, on this machine (bash bench/run.sh fleet):
// - push -> served: from a `git push` to every host serving the commit, for
//   three hosts coordinated through etcd (canary, then one host at a time)
//   next to one host alone (no fleet: git pulls it on its own);
// - idle: redundancyd's CPU and wake-ups per host with fleet: (etcd
//   keepalives, the watch) next to the same host alone, and etcd's own.
// It runs the test harness's real site (tests/integration/fleet_harness.h):
// Debian's etcd, three hosts with their own PM2, checkout and redundancyd.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/fleet_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int Rounds() {
  const char* r = std::getenv("FLEET_BENCH_ROUNDS");
  return r ? std::max(1, std::atoi(r)) : 3;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// CPU seconds (user + system) and voluntary context switches of a process and its threads.
struct Usage {
  double cpu_s = 0;
  long wakeups = 0;
};
Usage UsageOf(pid_t pid) {
  Usage u;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  size_t close = text.rfind(')');
  if (close == std::string::npos) return u;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  if (f.size() > 13) u.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(t.path() / "status");
    std::string key;
    long v;
    while (in >> key)
      if (key == "voluntary_ctxt_switches:" && in >> v) u.wakeups += v;
  }
  return u;
}

void Row(const char* what, const std::vector<double>& ms, const std::string& note) {
  std::printf("%-44s %9.0f %9.0f   %s\n", what, Percentile(ms, 0.5), Percentile(ms, 0.9), note.c_str());
}

// Push -> every host of `site` serves it, `rounds` times.
std::vector<double> PushToServed(FleetSite& site, int rounds, const char* tag) {
  std::vector<double> out;
  for (int i = 0; i < rounds; ++i) {
    std::string text = std::string(tag) + std::to_string(i);
    auto t0 = Clock::now();
    std::string commit = site.Push(text);
    bool done = WaitUntil(
        [&] {
          for (size_t h = 0; h < site.size(); ++h)
            if (site.host(h).Serving() != text + "\n") return false;
          return true;
        },
        120s);
    if (!done) {
      ADD_FAILURE() << site.Dump();
      break;
    }
    out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    // Settled before the next push: the group agreed on it.
    WaitUntil([&] { return site.size() == 1 || site.host(0).Fleet().last_good() == commit; }, 30s);
  }
  return out;
}

TEST(FleetBench, PushToServedAndIdleCost) {
  if (!Pm2Available() || !EtcdAvailable()) GTEST_SKIP() << "needs pm2 and etcd (scripts/setup.sh)";
  int rounds = Rounds();
  std::printf("fleet bench (%d rounds; bake 1s, canary 1, max_parallel 1)\n\n", rounds);
  std::printf("%-44s %9s %9s   %s\n", "measure", "median", "p90", "note");

  // Push -> served, with the tests' fast intervals (git fetches every 300 ms):
  // one host alone, the pipeline as it was before fleets, then three.
  std::vector<double> alone_ms, fleet_ms;
  {
    FleetSite alone;
    if (!alone.Start(1, "", /*fleet=*/false)) GTEST_FAIL() << alone.Dump();
    alone_ms = PushToServed(alone, rounds, "alone");
  }
  {
    FleetSite site;
    if (!site.Start(3)) GTEST_FAIL() << site.Dump();
    WaitUntil([&] { return site.host(0).Fleet().last_good() == site.first(); }, 30s);
    fleet_ms = PushToServed(site, rounds, "fleet");
  }
  double ratio = Percentile(fleet_ms, 0.5) / std::max(1.0, Percentile(alone_ms, 0.5));
  Row("push -> served, one host alone (ms)", alone_ms, "");
  char note[128];
  std::snprintf(note, sizeof note, "%.2fx the single host (canary + bake 1s + 2 hosts in turn)", ratio);
  Row("push -> all 3 hosts serve it (ms)", fleet_ms, note);

  // Idle, 30 s, with a site's intervals (checks every minute, lease 10s):
  // redundancyd alone, then each of three in a fleet, and etcd.
  Usage alone_idle_a, alone_idle_b;
  {
    FleetSite alone;
    if (!alone.Start(1, "", /*fleet=*/false, /*quiet=*/true)) GTEST_FAIL() << alone.Dump();
    pid_t pid = alone.host(0).daemon().pid();
    std::this_thread::sleep_for(5s);
    alone_idle_a = UsageOf(pid);
    std::this_thread::sleep_for(30s);
    alone_idle_b = UsageOf(pid);
  }
  FleetSite site;
  if (!site.Start(3, "", /*fleet=*/true, /*quiet=*/true)) GTEST_FAIL() << site.Dump();
  WaitUntil([&] { return site.host(0).Fleet().last_good() == site.first(); }, 30s);
  std::this_thread::sleep_for(5s);
  std::vector<Usage> a, b;
  for (size_t h = 0; h < site.size(); ++h) a.push_back(UsageOf(site.host(h).daemon().pid()));
  Usage etcd_a = UsageOf(site.etcd().pid());
  std::this_thread::sleep_for(30s);
  for (size_t h = 0; h < site.size(); ++h) b.push_back(UsageOf(site.host(h).daemon().pid()));
  Usage etcd_b = UsageOf(site.etcd().pid());
  double alone_cpu = (alone_idle_b.cpu_s - alone_idle_a.cpu_s) / 30 * 100;
  double alone_wake = static_cast<double>(alone_idle_b.wakeups - alone_idle_a.wakeups) / 30;
  std::printf("\n%-44s %9s %9s\n", "idle, 30 s", "CPU %", "wakeups/s");
  std::printf("%-44s %9.3f %9.1f\n", "redundancyd alone (no fleet)", alone_cpu, alone_wake);
  for (size_t h = 0; h < site.size(); ++h) {
    double cpu = (b[h].cpu_s - a[h].cpu_s) / 30 * 100;
    double wake = static_cast<double>(b[h].wakeups - a[h].wakeups) / 30;
    std::printf("%-44s %9.3f %9.1f   +%.3f%% CPU, +%.1f wakeups/s per host\n",
                ("redundancyd " + site.host(h).name() + " (fleet, lease 10s)").c_str(), cpu, wake, cpu - alone_cpu,
                wake - alone_wake);
  }
  std::printf("%-44s %9.3f %9.1f\n", "etcd (the whole fleet's)", (etcd_b.cpu_s - etcd_a.cpu_s) / 30 * 100,
              static_cast<double>(etcd_b.wakeups - etcd_a.wakeups) / 30);
}

}  // namespace
}  // namespace redundancy::testing
