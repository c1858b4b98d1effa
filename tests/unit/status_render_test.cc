#include "common/status_render.h"

#include <gtest/gtest.h>

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
}

TEST(RedactTest, ReplacesEverySecretOccurrence) {
  AddSecrets({"hunter22", "ab"});
  EXPECT_EQ(Redact("token=hunter22 again hunter22"), "token=*** again ***");
  EXPECT_EQ(Redact("ab stays: too short to redact safely"), "ab stays: too short to redact safely");
}

}  // namespace
}  // namespace redundancy
