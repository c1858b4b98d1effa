// Cold start of the bundled demo, as scripts/demo.sh runs it: a fresh copy of
// examples/demo (a git checkout of its own bare remote, no state, no PM2
// daemon), redundancyd started on its config as shipped, timed until every
// system is ok and the demo's API answers. Also counts the alerts a cold
// start raised (the target is none). Run by hand: bash bench/run.sh coldstart.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "common/process/process.h"
#include "common/transport/transport.h"

namespace {

using namespace redundancy::bench;

bool AllOk(const std::string& endpoint) {
  redundancy::v1::ControlRequest req;
  req.set_op(redundancy::v1::ControlRequest::STATUS);
  auto r = redundancy::transport::Call(endpoint, req, std::chrono::milliseconds(2000));
  if (!r.ok() || r->status().systems_size() != 5) return false;
  for (const auto& s : r->status().systems()) {
    if (s.health() != redundancy::v1::HEALTH_OK) return false;
  }
  return Shell("curl -sf -m 1 http://127.0.0.1:3101/health >/dev/null") == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cold start of the demo to all systems ok"};
  int runs = 5;
  app.add_option("--runs", runs);
  CLI11_PARSE(app, argc, argv);
  std::string src = SOURCE_DIR;
  std::string bin = src + "/build/bin";
  std::vector<double> times;
  std::vector<double> alerts;
  for (int i = 0; i < runs; ++i) {
    char tmpl[] = "/tmp/redundancy-coldstart-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string ws = MakeDemoWorkspace(src, dir);
    redundancy::process::SpawnSpec spec;
    spec.exe = bin + "/redundancyd";
    spec.args = {"--config", ws + "/redundancy.yaml"};
    auto t0 = Clock::now();
    auto pid = redundancy::process::Spawn(spec);
    if (!pid.ok()) {
      std::fprintf(stderr, "%s\n", pid.error().c_str());
      return 1;
    }
    std::string endpoint = "ipc://" + ws + "/.redundancy/run/control.sock";
    bool ok = WaitFor([&] { return AllOk(endpoint); }, std::chrono::seconds(60), std::chrono::milliseconds(50));
    double ms = Ms(Clock::now() - t0);
    if (ok) times.push_back(ms);
    std::string out;
    Shell(
        bin + "/redundancyctl --config " + ws + "/redundancy.yaml history --json | grep -o '\"alert_firing\"' | wc -l",
        &out);
    alerts.push_back(std::atof(out.c_str()));
    std::fprintf(stderr, "run %d: %s in %.0f ms, %s alert(s)\n", i + 1, ok ? "all ok" : "NOT ok", ms,
                 out.empty() ? "?" : out.substr(0, out.find('\n')).c_str());
    StopDemo(*pid, ws, dir);
  }
  std::printf("%-44s %10s %10s %10s\n", "measure", "median", "p90", "target");
  std::printf("%-44s %10.0f %10.0f %10s\n", "demo cold start to all 5 systems ok (ms)", Pct(times, .5), Pct(times, .9),
              "<= 3000");
  std::printf("%-44s %10.0f %10.0f %10s\n", "alerts fired during the cold start", Pct(alerts, .5), Pct(alerts, .9),
              "0");
  std::printf("samples: %zu of %d runs reached all ok (PM2 daemon, 2 apps, npm build, workflow, 2 functions)\n",
              times.size(), runs);
  return times.size() == static_cast<size_t>(runs) ? 0 : 1;
}
