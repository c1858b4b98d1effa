// /metrics and the status page from a view: escaping and shape.
#include "orchestrator/http_render.h"

#include <gtest/gtest.h>

#include <sstream>

namespace redundancy {
namespace {

HttpView View() {
  HttpView v;
  auto* sys = v.status.add_systems();
  sys->set_name("pm2");
  sys->set_health(v1::HEALTH_FAILED);
  auto* c = sys->add_checks();
  c->set_target("pm2:we\"ird\\app\nx");
  c->set_status(v1::HEALTH_FAILED);
  c->set_summary("<script>alert(1)</script>");
  auto* a = v.status.add_agents();
  a->set_name("pm2");
  a->set_state("ready");
  a->set_restarts(3);
  v1::HealthReport r;
  auto* rc = r.add_checks();
  rc->set_target("pm2:api");
  (*rc->mutable_metrics())["memory_bytes"] = 52428800;
  (*rc->mutable_metrics())["cpu.percent"] = 12.5;
  v.reports["pm2"] = r;
  v.events[{"pm2", "recovered"}] = 2;
  return v;
}

TEST(HttpRenderTest, MetricsEscapeLabelsAndSanitizeNames) {
  std::string m = RenderMetrics(View());
  EXPECT_NE(m.find("redundancy_check_health{system=\"pm2\",target=\"pm2:we\\\"ird\\\\app\\nx\",state=\"failed\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("redundancy_system_health{system=\"pm2\",state=\"ok\"} 0"), std::string::npos);
  EXPECT_NE(m.find("redundancy_agent_restarts_total{agent=\"pm2\"} 3"), std::string::npos);
  EXPECT_NE(m.find("redundancy_events_total{system=\"pm2\",kind=\"recovered\"} 2"), std::string::npos);
  EXPECT_NE(m.find("redundancy_check_memory_bytes{system=\"pm2\",target=\"pm2:api\"} 52428800"), std::string::npos)
      << m;
  EXPECT_NE(m.find("redundancy_check_cpu_percent{system=\"pm2\",target=\"pm2:api\"} 12.5"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE redundancy_agent_restarts_total counter"), std::string::npos);
  EXPECT_NE(m.find("redundancy_ready 0"), std::string::npos);
}

TEST(HttpRenderTest, PageEscapesHtml) {
  std::string p = RenderStatusPage(View());
  EXPECT_EQ(p.find("<script>"), std::string::npos);
  EXPECT_NE(p.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(p.find("data-system=\"pm2\""), std::string::npos);
  EXPECT_NE(p.find("restarts 3"), std::string::npos);
}

// In a fleet every series says which host and group it is from, and the fleet has series and a page section.
TEST(HttpRenderTest, AFleetLabelsEverySeriesAndShowsItsHosts) {
  HttpView v = View();
  auto* f = v.status.mutable_fleet();
  f->set_enabled(true);
  f->set_name("web-1");
  f->set_group("production");
  f->set_etcd("connected");
  f->set_rollout_state("rolling");
  f->set_detail("abc rolls out; left: web-2");
  for (const char* n : {"web-1", "web-2"}) {
    auto* h = f->add_hosts();
    h->set_name(n);
    h->set_state(std::string(n) == "web-1" ? "ok" : "lost");
    h->set_commit("0123456789abcdef");
  }
  f->add_hosts()->set_name("<img src=x>");
  std::string m = RenderMetrics(v);
  EXPECT_NE(m.find("redundancy_up{host=\"web-1\",group=\"production\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("redundancy_agent_restarts_total{host=\"web-1\",group=\"production\",agent=\"pm2\"} 3"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("redundancy_fleet_hosts{host=\"web-1\",group=\"production\",state=\"lost\"} 1"), std::string::npos)
      << m;
  EXPECT_NE(m.find("redundancy_fleet_etcd_up{host=\"web-1\",group=\"production\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE redundancy_fleet_rollout_state gauge"), std::string::npos) << m;
  // Every sample line has the labels.
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      EXPECT_NE(line.find("host=\"web-1\""), std::string::npos) << line;
    }
  }
  EXPECT_EQ(RenderMetrics(View()).find("host="), std::string::npos) << "not without a fleet";

  std::string p = RenderStatusPage(v);
  EXPECT_NE(p.find("id=\"fleet\""), std::string::npos);
  EXPECT_NE(p.find("data-host=\"web-2\""), std::string::npos);
  EXPECT_NE(p.find("abc rolls out; left: web-2"), std::string::npos);
  EXPECT_EQ(p.find("<img src=x>"), std::string::npos) << "host names from etcd are escaped";
}

// The headline comes from system health; the alert table is bounded, open incidents first.
TEST(HttpRenderTest, PageHeadlineAndABoundedAlertTable) {
  HttpView v = View();
  v.ready = true;
  for (int i = 1; i <= 76; ++i) {
    Alert a;
    a.id = i;
    a.system = "pm2";
    a.target = "pm2:app" + std::to_string(i);
    a.severity = "critical";
    a.summary = "summary " + std::to_string(i);
    a.state = i == 3 ? "firing" : "resolved";
    v.alerts.insert(v.alerts.begin(), a);  // newest first, as the engine lists them
  }
  std::string p = RenderStatusPage(v);
  EXPECT_NE(p.find("<h1>redundancy &mdash; 1 failed</h1>"), std::string::npos) << p.substr(0, 3000);
  EXPECT_EQ(p.find("all agents ready"), std::string::npos);
  size_t rows = 0;
  for (size_t at = p.find("<tr class="); at != std::string::npos; at = p.find("<tr class=", at + 1)) ++rows;
  EXPECT_EQ(rows, 10u);
  EXPECT_NE(p.find("and 66 more"), std::string::npos);
  EXPECT_LT(p.find("summary 3<"), p.find("summary 76<")) << "the open incident comes first";
  EXPECT_EQ(p.find("summary 60<"), std::string::npos);
  v.status.mutable_systems(0)->set_health(v1::HEALTH_OK);
  EXPECT_NE(RenderStatusPage(v).find("all systems ok"), std::string::npos);
}

}  // namespace
}  // namespace redundancy
