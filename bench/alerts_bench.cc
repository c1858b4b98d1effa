// Alert evaluation cost: 1,000 targets flapping (each turns failed or ok at
// random every round) through the engine with every rule on (threshold,
// cooldown, repeat, grouping, inhibition, escalation), plus rendering the
// notifications for a webhook and a Slack channel. Printed as a table.
// Run by hand: bash bench/run.sh alerts [--runs N] [--targets N]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <random>

#include "bench/bench_util.h"
#include "orchestrator/alert_channels.h"
#include "orchestrator/alerts.h"

int main(int argc, char** argv) {
  using namespace redundancy::bench;
  CLI::App app{"alert evaluation benchmark"};
  int runs = 500, targets = 1000;
  app.add_option("--runs", runs, "rounds (one report of every target, then one tick)");
  app.add_option("--targets", targets);
  CLI11_PARSE(app, argc, argv);
  redundancy::AlertEngine engine;
  redundancy::AlertRules rules;
  rules.threshold = 2;
  rules.cooldown = redundancy::Millis(60'000);
  rules.repeat_interval = redundancy::Millis(600'000);
  rules.group_wait = redundancy::Millis(1000);
  rules.escalate_after = redundancy::Millis(300'000);
  engine.SetRules(rules);
  engine.SetDependencies(
      {{"git", {}}, {"build", {"git"}}, {"pm2", {"build"}}, {"netlify", {"pm2"}}, {"workflows", {}}});
  const char* systems[] = {"git", "build", "pm2", "netlify", "workflows"};
  std::vector<std::string> names;
  for (int i = 0; i < targets; ++i) names.push_back(std::string(systems[i % 5]) + ":target-" + std::to_string(i));
  std::mt19937 rng(42);
  std::bernoulli_distribution flip(0.5);
  redundancy::AlertChannel hook, slack;
  hook.type = "webhook", hook.name = "hook";
  slack.type = "slack", slack.name = "slack";
  int64_t now = 1'800'000'000'000;
  std::vector<double> evaluate, render;
  size_t notifications = 0, alerts_notified = 0, max_firing = 0;
  for (int r = 0; r < runs; ++r) {
    now += 1000;  // a report of every target each second
    auto t0 = Clock::now();
    for (int i = 0; i < targets; ++i) {
      engine.Observe(systems[i % 5], names[i], flip(rng) ? "failed" : "ok", "flapping", now);
    }
    auto due = engine.Tick(now);
    engine.TakeChanged();
    evaluate.push_back(Ms(Clock::now() - t0));
    max_firing = std::max(max_firing, engine.FiringCount());
    t0 = Clock::now();
    for (const auto& n : due) {
      redundancy::RenderPayload(hook, n, now, "host");
      redundancy::RenderPayload(slack, n, now, "host");
      alerts_notified += n.alerts.size();
    }
    render.push_back(Ms(Clock::now() - t0));
    notifications += due.size();
  }
  std::printf("\n%-52s %10s %10s  %s\n", "metric (ms per round)", "median", "p90", "note");
  std::printf("%-52s %10.3f %10.3f  %d reports + 1 tick, up to %zu firing\n", "evaluate: observe every target, tick",
              Pct(evaluate, .5), Pct(evaluate, .9), targets, max_firing);
  std::printf("%-52s %10.3f %10.3f  %zu notifications (%zu alerts) in %d rounds\n", "render webhook + slack payloads",
              Pct(render, .5), Pct(render, .9), notifications, alerts_notified, runs);
  std::printf("%-52s %10.3f %10s  a report of %d targets each second\n", "evaluation CPU share of one core (%)",
              Pct(evaluate, .5) / 10.0, "", targets);
  return 0;
}
