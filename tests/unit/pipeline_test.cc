#include "orchestrator/pipeline.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

using Kind = Pipeline::Step::Kind;

class PipelineTest : public ::testing::Test {
 protected:
  void Configure(bool rollback, std::vector<std::string> rollback_on = {"build"}) {
    PipelineConfig c;
    c.rollback = rollback;
    c.rollback_on = std::move(rollback_on);
    p.Configure(c, {"build", "pm2", "netlify"});
  }
  std::optional<Pipeline::Step> Done(bool ok, const std::string& msg = "") {
    clock.Advance(Millis(100));
    return p.OnStepDone(ok, msg, clock.Now(), clock.WallMs());
  }
  std::string Kinds() {
    std::string out;
    for (const auto& r : p.TakeRecords()) out += r.kind + "(" + r.system + ") ";
    return out;
  }
  FakeClock clock;
  Pipeline p;
};

TEST_F(PipelineTest, AGoodCommitFlowsDownstreamInOrder) {
  Configure(true);
  auto s = p.OnNewRevision("bbbbbbbbbbbbbbbb", "bbbb add x", clock.Now());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->system, "build");
  EXPECT_EQ(s->kind, Kind::kDeploy);
  EXPECT_TRUE(p.Owns("pm2"));
  EXPECT_TRUE(p.Owns("git"));
  EXPECT_FALSE(p.Owns("workflows"));
  s = Done(true);
  EXPECT_EQ(s->system, "pm2");
  s = Done(true);
  EXPECT_EQ(s->system, "netlify");
  EXPECT_FALSE(Done(true));
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.last_good(), "bbbbbbbbbbbbbbbb");
  EXPECT_EQ(Kinds(),
            "pipeline_start(git) pipeline_step(build) pipeline_step(pm2) pipeline_step(netlify) pipeline_done(git) ");
  EXPECT_EQ(p.Snapshot().last_result(), "deployed");
}

TEST_F(PipelineTest, ABrokenBuildRollsBackAndReverifiesTheGoodCommit) {
  Configure(true);
  p.SetLastGood("aaaaaaaaaaaaaaaa");
  p.OnNewRevision("bbbbbbbbbbbbbbbb", "bbbb break it", clock.Now());
  auto s = Done(false, "validate exited 1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Kind::kRollback);
  EXPECT_EQ(s->system, "git");
  EXPECT_EQ(s->revision, "aaaaaaaaaaaaaaaa");
  EXPECT_NE(s->reason.find("bbbbbbbbbbbb failed build"), std::string::npos);
  auto records = p.TakeRecords();
  ASSERT_EQ(records.back().kind, "critical");
  EXPECT_NE(records.back().detail.find("commit bbbb break it failed build: validate exited 1"), std::string::npos);
  // Then build verifies the good commit again; pm2 and netlify never ran the
  // bad one, so they are not reloaded.
  s = Done(true);
  EXPECT_EQ(s->system, "build");
  EXPECT_EQ(s->revision, "aaaaaaaaaaaaaaaa");
  EXPECT_FALSE(Done(true));
  EXPECT_EQ(p.last_good(), "aaaaaaaaaaaaaaaa");
  EXPECT_EQ(p.Snapshot().last_result(), "rolled_back");
  EXPECT_EQ(Kinds(), "pipeline_rollback(git) pipeline_step(build) pipeline_done(git) ");
}

// A commit that got as far as PM2 (rollback_on: [pm2]) is reloaded away
// there too, but netlify, which never ran it, is left alone.
TEST_F(PipelineTest, ARollbackReloadsOnlyTheSystemsThatRanTheBadCommit) {
  Configure(true, {"build", "pm2"});
  p.SetLastGood("aaaaaaaaaaaaaaaa");
  p.OnNewRevision("bbbbbbbbbbbbbbbb", "bbbb", clock.Now());
  ASSERT_EQ(Done(true)->system, "pm2");
  auto s = Done(false, "app crashed on reload");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Kind::kRollback);
  EXPECT_EQ(Done(true)->system, "build");
  EXPECT_EQ(Done(true)->system, "pm2");
  EXPECT_FALSE(Done(true));
  EXPECT_EQ(p.Snapshot().last_result(), "rolled_back");
}

TEST_F(PipelineTest, NoRollbackWhenOffOrNothingGoodOrNotListed) {
  Configure(false);
  p.SetLastGood("aaaa");
  p.OnNewRevision("bbbb", "", clock.Now());
  EXPECT_FALSE(Done(false, "x"));
  EXPECT_NE(p.TakeRecords().back().detail.find("rollback is off"), std::string::npos);

  Configure(true);
  p.SetLastGood("");
  p.OnNewRevision("cccc", "", clock.Now());
  EXPECT_FALSE(Done(false, "x"));
  EXPECT_NE(p.TakeRecords().back().detail.find("no earlier commit went through"), std::string::npos);

  Configure(true, {"build"});
  p.SetLastGood("aaaa");
  p.OnNewRevision("dddd", "", clock.Now());
  Done(true);                 // build
  EXPECT_FALSE(Done(false));  // pm2 is not in rollback_on
  EXPECT_NE(p.TakeRecords().back().detail.find("no rollback for pm2 failures"), std::string::npos);
  EXPECT_EQ(p.Snapshot().last_result(), "failed");
}

TEST_F(PipelineTest, ANewerCommitWaitsAndReplacesTheRollback) {
  Configure(true);
  p.SetLastGood("aaaa");
  p.OnNewRevision("bbbb", "", clock.Now());
  EXPECT_FALSE(p.OnNewRevision("cccc", "", clock.Now())) << "one run at a time";
  EXPECT_FALSE(p.OnNewRevision("dddd", "", clock.Now()));
  EXPECT_EQ(p.Snapshot().queued(), "dddd");
  auto s = Done(false, "broken");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Kind::kDeploy) << "the newest commit runs instead of a rollback";
  EXPECT_EQ(s->revision, "dddd");
  std::string kinds = Kinds();
  EXPECT_NE(kinds.find("pipeline_skip"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("critical"), std::string::npos) << kinds;
}

TEST_F(PipelineTest, AFailedRollbackIsCriticalAndEndsTheRun) {
  Configure(true);
  p.SetLastGood("aaaa");
  p.OnNewRevision("bbbb", "", clock.Now());
  Done(false, "broken");
  p.TakeRecords();
  EXPECT_FALSE(Done(false, "reset failed"));
  EXPECT_FALSE(p.running());
  auto r = p.TakeRecords();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, "critical");
  EXPECT_NE(r[0].detail.find("rollback"), std::string::npos);
}

TEST_F(PipelineTest, DisabledDoesNothing) {
  PipelineConfig c;
  c.enabled = false;
  p.Configure(c, {"build"});
  EXPECT_FALSE(p.OnNewRevision("bbbb", "", clock.Now()));
  EXPECT_EQ(p.Snapshot().state(), "disabled");
  EXPECT_TRUE(p.seen_revision());
}

}  // namespace
}  // namespace redundancy
