#include "common/status_render.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/logging.h"

namespace redundancy {
namespace {

TEST(StatusRenderTest, JsonHasTheFieldsDesignPromises) {
  v1::StatusSnapshot s;
  s.set_pid(1);
  s.set_uptime_s(2.5);
  s.set_version("0.1.0");
  auto* a = s.add_agents();
  a->set_name("pm2");
  a->set_pid(2);
  a->set_state("ready");
  auto* sys = s.add_systems();
  sys->set_name("pm2");
  sys->set_health(v1::HEALTH_OK);
  sys->add_depends_on("build");
  auto* c = sys->add_checks();
  c->set_target("pm2:api");
  c->set_status(v1::HEALTH_FAILED);
  c->set_summary("errored");
  c->set_since_ms(1'700'000'000'123);
  auto j = StatusToJson(s);
  EXPECT_EQ(j["orchestrator"]["pid"], 1);
  EXPECT_EQ(j["orchestrator"]["uptime_s"], 2.5);
  EXPECT_EQ(j["orchestrator"]["version"], "0.1.0");
  EXPECT_EQ(j["agents"][0]["name"], "pm2");
  EXPECT_EQ(j["agents"][0]["state"], "ready");
  EXPECT_EQ(j["agents"][0]["restarts"], 0);
  EXPECT_EQ(j["systems"][0]["health"], "ok");
  EXPECT_EQ(j["systems"][0]["depends_on"][0], "build");
  EXPECT_EQ(j["systems"][0]["checks"][0]["target"], "pm2:api");
  EXPECT_EQ(j["systems"][0]["checks"][0]["status"], "failed");
  EXPECT_EQ(j["systems"][0]["checks"][0]["since"], "2023-11-14T22:13:20.123Z");
  std::string table = StatusToTable(s);
  EXPECT_NE(table.find("pm2:api"), std::string::npos);
  EXPECT_EQ(table.find("paused"), std::string::npos);
  // A paused system's checks are as they were when it was paused: said so.
  sys->set_paused(true);
  sys->set_last_report_ms(1'700'000'000'123);
  table = StatusToTable(s);
  EXPECT_NE(table.find("ok*"), std::string::npos) << table;
  EXPECT_NE(table.find("(paused: not checked nor recovered since 2023-11-14"), std::string::npos) << table;
  EXPECT_NE(table.find("`redundancyctl check pm2` looks now"), std::string::npos) << table;
  EXPECT_NE(table.find("* paused: health as last checked, not now"), std::string::npos) << table;
}

TEST(RedactTest, ReplacesEverySecretOccurrence) {
  AddSecrets({"hunter22", "ab"});
  EXPECT_EQ(Redact("token=hunter22 again hunter22"), "token=*** again ***");
  EXPECT_EQ(Redact("ab stays: too short to redact safely"), "ab stays: too short to redact safely");
}

// What came through etcd cannot forge rows or paint the terminal, and a long note stays on its row.
TEST(StatusRenderTest, TheFleetTableIsOneRowPerHostWhateverEtcdHolds) {
  v1::FleetStatus f;
  f.set_enabled(true);
  f.set_group("site");
  f.set_name("web-1");
  f.set_etcd("connected");
  for (const char* n : {"aaa-long", "web-1", "web-2"}) {
    auto* h = f.add_hosts();
    h->set_name(n);
    h->set_state("ok");
    h->set_commit("0123456789abcdef");
    h->set_lease_age_s(-1);
  }
  f.mutable_hosts(0)->set_detail(std::string(400, 'x'));
  f.mutable_hosts(2)->set_detail("line1\nweb-9   ok  deadbeef0000  1s  leader\x1b[31mred");
  std::string t = FleetToTable(f);
  std::istringstream lines(t);
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("aaa-long", 0) == 0 || line.rfind("web-", 0) == 0) ++rows;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  }
  EXPECT_EQ(rows, 3) << t;
  EXPECT_EQ(t.find("\nweb-9"), std::string::npos) << t;
  EXPECT_NE(t.find("..."), std::string::npos) << "the long note is cut";
  f.set_etcd("unreachable");
  f.set_etcd_error("etcd unreachable: http://127.0.0.1:1: Couldn't connect to server");
  EXPECT_NE(FleetToTable(f).find("(this host: web-1), etcd unreachable: http://127.0.0.1:1"), std::string::npos)
      << FleetToTable(f);
}

}  // namespace
}  // namespace redundancy
