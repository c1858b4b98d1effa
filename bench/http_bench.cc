// /metrics and status page rendering cost with many targets, printed as a
// table. Run by hand: bash bench/run.sh http [--runs N] [--targets N]
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench/bench_util.h"
#include "orchestrator/http_render.h"

int main(int argc, char** argv) {
  using namespace redundancy::bench;
  CLI::App app{"HTTP endpoint rendering benchmark"};
  int runs = 200, targets = 1000;
  app.add_option("--runs", runs);
  app.add_option("--targets", targets);
  CLI11_PARSE(app, argc, argv);
  redundancy::HttpView v;
  const char* systems[] = {"git", "build", "pm2", "netlify", "workflows"};
  for (const char* name : systems) {
    auto* sys = v.status.add_systems();
    sys->set_name(name);
    auto* a = v.status.add_agents();
    a->set_name(name);
    a->set_state("ready");
    redundancy::v1::HealthReport r;
    for (int i = 0; i < targets / 5; ++i) {
      auto* c = sys->add_checks();
      c->set_target(std::string(name) + ":target-" + std::to_string(i));
      c->set_status(i % 7 == 0 ? redundancy::v1::HEALTH_FAILED : redundancy::v1::HEALTH_OK);
      c->set_summary("online pid 1234 up 3h, restarts 0 (ours 0), 52.6MB, cpu 1%");
      auto* rc = r.add_checks();
      rc->set_target(c->target());
      (*rc->mutable_metrics())["memory_bytes"] = 52428800 + i;
      (*rc->mutable_metrics())["cpu_percent"] = i % 100;
      (*rc->mutable_metrics())["restarts"] = i % 3;
      v.events[{name, "event-" + std::to_string(i % 20)}] = i;
    }
    v.reports[name] = r;
  }
  std::vector<double> metrics, page;
  size_t bytes = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    bytes = redundancy::RenderMetrics(v).size();
    metrics.push_back(Ms(Clock::now() - t0));
    t0 = Clock::now();
    redundancy::RenderStatusPage(v);
    page.push_back(Ms(Clock::now() - t0));
  }
  std::printf("\n%-48s %10s %10s  %s\n", "metric (ms)", "median", "p90", "note");
  std::printf("%-48s %10.2f %10.2f  %zu bytes, %d targets x 3 metrics\n", "/metrics render", Pct(metrics, .5),
              Pct(metrics, .9), bytes, targets);
  std::printf("%-48s %10.2f %10.2f  \n", "status page render", Pct(page, .5), Pct(page, .9));
  return 0;
}
