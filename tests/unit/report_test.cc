#include "orchestrator/report.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

HistoryRow Health(int64_t s, const std::string& system, const std::string& target, const std::string& detail) {
  return {0, s * 1000, "health", system, target, detail};
}
HistoryRow Event(int64_t s, const std::string& system, const std::string& target, const std::string& kind) {
  return {0, s * 1000, "event:" + kind, system, target, ""};
}

TEST(ReportTest, AvailabilityIncidentsTimesAndCauses) {
  // Window 1000..2000 s. db:port: failed 1100-1130 (acted on at 1105) and
  // 1500-1600 (acted on at 1502), cause "refused" both times with other pids.
  std::vector<HistoryRow> rows = {
      Health(900, "db", "db:port", "unknown -> ok: up"),
      Health(900, "db", "db", "unknown -> ok: system health"),
      Health(1100, "db", "db:port", "ok -> failed: connect refused by pid 123"),
      Health(1100, "db", "db", "ok -> failed: system health"),
      Event(1105, "db", "db:port", "recovered"),
      Health(1130, "db", "db:port", "failed -> ok: up"),
      Health(1130, "db", "db", "failed -> ok: system health"),
      Health(1500, "db", "db:port", "ok -> failed: connect refused by pid 456"),
      Health(1500, "db", "db", "ok -> failed: system health"),
      {0, 1502 * 1000, "alert_firing", "db", "db:port", "#1 critical"},
      Health(1600, "db", "db:port", "failed -> degraded: slow"),
      Health(1600, "db", "db", "failed -> degraded: system health"),
      Health(1900, "db", "db:disk", "unknown -> failed: disk full"),
  };
  Report r = ComputeReport(rows, {"db", "web"}, 1000'000, 2000'000);
  ASSERT_EQ(r.systems.size(), 2u);
  const SystemReport& db = r.systems[0];
  EXPECT_EQ(db.name, "db");
  EXPECT_EQ(db.kpi.incidents, 2);
  EXPECT_NEAR(db.kpi.availability, 100.0 * (1000 - 130) / 1000, 1e-9);
  ASSERT_EQ(db.targets.size(), 2u);
  const KpiFigures& port = db.targets[0].kpi;
  EXPECT_EQ(db.targets[0].target, "db:port");
  EXPECT_EQ(port.incidents, 2);
  EXPECT_EQ(port.open, 0);
  EXPECT_NEAR(port.availability, 87.0, 1e-9);
  EXPECT_DOUBLE_EQ(port.mean_time_to_detect_s, 3.5);  // 5 s and 2 s
  EXPECT_DOUBLE_EQ(port.p90_time_to_detect_s, 5);
  EXPECT_DOUBLE_EQ(port.mean_time_to_recover_s, 65);  // 30 s and 100 s
  EXPECT_DOUBLE_EQ(port.p90_time_to_recover_s, 100);
  EXPECT_DOUBLE_EQ(port.longest_outage_s, 100);
  ASSERT_EQ(port.causes.size(), 1u);
  EXPECT_EQ(port.causes[0].first, "connect refused by pid 456") << "the last as said; alike when only numbers differ";
  EXPECT_EQ(port.causes[0].second, 2);
  // db:disk: failed since 1900 and still at the end: an open incident of 100 s,
  // observed only from its first row.
  const KpiFigures& disk = db.targets[1].kpi;
  EXPECT_EQ(disk.incidents, 1);
  EXPECT_EQ(disk.open, 1);
  EXPECT_DOUBLE_EQ(disk.availability, 0);
  EXPECT_DOUBLE_EQ(disk.longest_outage_s, 100);
  EXPECT_DOUBLE_EQ(disk.mean_time_to_recover_s, 0);
  // A system with no rows: nothing observed, nothing counted.
  EXPECT_EQ(r.systems[1].kpi.incidents, 0);
  EXPECT_DOUBLE_EQ(r.systems[1].kpi.availability, 100);
  auto j = ReportToJson(r);
  EXPECT_EQ(j["systems"][0]["name"], "db");
  EXPECT_EQ(j["systems"][0]["targets"][0]["target"], "db:port");
  EXPECT_EQ(j["systems"][0]["targets"][0]["top_causes"][0]["count"], 2);
}

// A crash loop: each of our restarts brings the app up for a moment, and it
// fails again. One incident from the first failure to the recovery that
// lasted, not one per restart with a time to recover of a second.
TEST(ReportTest, AFailureBackWithinAMinuteOfItsRecoveryIsTheSameIncident) {
  std::vector<HistoryRow> rows = {
      Health(1000, "pm2", "pm2:api", "unknown -> ok: online"),
      Health(1100, "pm2", "pm2:api", "ok -> failed: restart storm"),
      Event(1101, "pm2", "pm2:api", "storm_stopped"),
      Health(1106, "pm2", "pm2:api", "failed -> ok: online up 0s"),
      Health(1107, "pm2", "pm2:api", "ok -> failed: restart storm"),
      Event(1116, "pm2", "pm2:api", "recovered"),
      Health(1117, "pm2", "pm2:api", "failed -> ok: online up 0s"),
      Health(1118, "pm2", "pm2:api", "ok -> failed: restart storm"),
      Health(1200, "pm2", "pm2:api", "failed -> ok: online"),
      // Back 300 s after it recovered: a new incident.
      Health(1500, "pm2", "pm2:api", "ok -> failed: errored"),
      Health(1510, "pm2", "pm2:api", "failed -> ok: online"),
  };
  Report r = ComputeReport(rows, {"pm2"}, 1000'000, 2000'000);
  const KpiFigures& api = r.systems[0].targets[0].kpi;
  EXPECT_EQ(api.incidents, 2);
  EXPECT_EQ(api.open, 0);
  EXPECT_DOUBLE_EQ(api.mean_time_to_recover_s, 55);  // 100 s and 10 s
  EXPECT_DOUBLE_EQ(api.p90_time_to_recover_s, 100);
  EXPECT_DOUBLE_EQ(api.mean_time_to_detect_s, 1) << "the first thing done, once per incident";
  EXPECT_DOUBLE_EQ(api.longest_outage_s, 100);
  // Availability still counts the moments it was up: 1000 s less 98 s and 10 s down.
  EXPECT_NEAR(api.availability, 100.0 * (1000 - 6 - 10 - 82 - 10) / 1000, 1e-9);
}

TEST(ReportTest, AnOutageThatBeganBeforeTheWindowCountsFromItsStart) {
  std::vector<HistoryRow> rows = {
      Health(500, "pm2", "pm2:api", "ok -> failed: errored"),
      Health(1200, "pm2", "pm2:api", "failed -> ok: online"),
  };
  Report r = ComputeReport(rows, {"pm2"}, 1000'000, 2000'000);
  const KpiFigures& api = r.systems[0].targets[0].kpi;
  EXPECT_EQ(api.incidents, 0) << "it began before the window";
  EXPECT_NEAR(api.availability, 80.0, 1e-9);
  EXPECT_DOUBLE_EQ(api.longest_outage_s, 200) << "the part inside the window";
  EXPECT_DOUBLE_EQ(api.mean_time_to_recover_s, 0) << "not an incident of the window";
}

}  // namespace
}  // namespace redundancy
