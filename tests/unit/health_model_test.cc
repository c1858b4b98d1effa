#include "orchestrator/health_model.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

v1::HealthReport Report(const std::string& system, std::vector<std::pair<std::string, v1::HealthStatus>> checks) {
  v1::HealthReport r;
  r.set_system(system);
  for (auto& [t, s] : checks) {
    auto* c = r.add_checks();
    c->set_target(t);
    c->set_status(s);
  }
  return r;
}

class HealthModelTest : public ::testing::Test {
 protected:
  void SetUp() override { m.SetSystems({{"git", {}}, {"build", {"git"}}, {"pm2", {"build"}}, {"workflows", {}}}); }
  HealthModel m;
};

TEST_F(HealthModelTest, UnknownUntilReported) {
  EXPECT_EQ(m.Health("git"), v1::HEALTH_UNKNOWN);
  m.Apply(Report("git", {{"git:origin/main", v1::HEALTH_OK}}), 1);
  EXPECT_EQ(m.Health("git"), v1::HEALTH_OK);
}

TEST_F(HealthModelTest, WorstCheckWins) {
  m.Apply(Report("pm2", {{"pm2:a", v1::HEALTH_OK}, {"pm2:b", v1::HEALTH_DEGRADED}}), 1);
  EXPECT_EQ(m.Health("pm2"), v1::HEALTH_DEGRADED);
  m.Apply(Report("pm2", {{"pm2:a", v1::HEALTH_FAILED}, {"pm2:b", v1::HEALTH_DEGRADED}}), 2);
  EXPECT_EQ(m.Health("pm2"), v1::HEALTH_FAILED);
}

TEST_F(HealthModelTest, FailedUpstreamBlocksDownstreamWorkTransitively) {
  m.Apply(Report("build", {{"build:deps", v1::HEALTH_FAILED}}), 1);
  m.Apply(Report("pm2", {{"pm2:api", v1::HEALTH_OK}}), 1);
  auto t = m.Apply(Report("git", {{"git:origin/main", v1::HEALTH_FAILED}}), 2);
  EXPECT_EQ(m.Health("git"), v1::HEALTH_FAILED);
  EXPECT_EQ(m.Health("build"), v1::HEALTH_BLOCKED) << "its reinstall waits for git";
  EXPECT_EQ(m.Health("pm2"), v1::HEALTH_OK) << "the site itself is not blocked";
  EXPECT_EQ(m.Health("workflows"), v1::HEALTH_UNKNOWN);
  bool build_blocked = false;
  for (const auto& x : t) build_blocked |= (x.target == "build" && x.to == v1::HEALTH_BLOCKED);
  EXPECT_TRUE(build_blocked);
  m.Apply(Report("git", {{"git:origin/main", v1::HEALTH_OK}}), 3);
  EXPECT_EQ(m.Health("build"), v1::HEALTH_FAILED);
}

// Restoring never waits: a failed restore check (the PM2 daemon down) is
// failed, not blocked, whatever is wrong upstream; so is one given up on.
TEST_F(HealthModelTest, RestoreAndGivenUpChecksAreNeverBlocked) {
  m.Apply(Report("build", {{"build:deps", v1::HEALTH_FAILED}}), 1);
  v1::HealthReport r = Report("pm2", {{"pm2:daemon", v1::HEALTH_FAILED}});
  r.mutable_checks(0)->set_restore(true);
  m.Apply(r, 2);
  EXPECT_EQ(m.Health("pm2"), v1::HEALTH_FAILED);
  v1::HealthReport g = Report("pm2", {{"pm2:ecosystem", v1::HEALTH_FAILED}});
  g.mutable_checks(0)->set_gave_up(true);
  m.Apply(g, 3);
  EXPECT_EQ(m.Health("pm2"), v1::HEALTH_FAILED);
}

TEST_F(HealthModelTest, TransitionsOnlyOnChangeAndSinceKept) {
  auto t1 = m.Apply(Report("git", {{"git:x", v1::HEALTH_OK}}), 10);
  EXPECT_FALSE(t1.empty());
  auto t2 = m.Apply(Report("git", {{"git:x", v1::HEALTH_OK}}), 20);
  EXPECT_TRUE(t2.empty());
  EXPECT_EQ(m.Snapshot()[0].checks(0).since_ms(), 10);
  auto t3 = m.Apply(Report("git", {}), 30);
  ASSERT_EQ(t3.size(), 2u);  // the check vanished, and the system went back to unknown
  EXPECT_EQ(t3[0].summary, "no longer reported");
}

TEST_F(HealthModelTest, ReportForUnknownSystemIgnored) {
  EXPECT_TRUE(m.Apply(Report("evil", {{"evil:x", v1::HEALTH_FAILED}}), 1).empty());
  EXPECT_EQ(m.Snapshot().size(), 4u);
}

TEST_F(HealthModelTest, TheModelIsTheOneCopyOfChecksInReportOrderWithLabelsAndMetrics) {
  EXPECT_TRUE(m.Checks("git").empty());
  EXPECT_TRUE(m.Reports().empty());
  v1::HealthReport r = Report("git", {{"git:z", v1::HEALTH_OK}, {"git:a", v1::HEALTH_FAILED}});
  (*r.mutable_checks(0)->mutable_labels())["head"] = "abc123";
  (*r.mutable_checks(1)->mutable_metrics())["behind"] = 3;
  m.Apply(r, 5);
  auto checks = m.Checks("git");
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].target(), "git:z");  // as the agent listed them, not sorted
  EXPECT_EQ(checks[0].labels().at("head"), "abc123");
  EXPECT_EQ(checks[1].metrics().at("behind"), 3);
  auto reports = m.Reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.at("git").checks_size(), 2);
  EXPECT_EQ(reports.at("git").observed_at_ms(), 5);
}

}  // namespace
}  // namespace redundancy
