#include "common/store/store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "tests/unit/scratch_dir.h"

namespace redundancy {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  ScratchDir scratch;
  const std::string& dir = scratch.path();
};

TEST_F(StoreTest, AppendQueryPruneAndReopen) {
  {
    auto s = Store::Open(dir + "/h.db");
    ASSERT_TRUE(s.ok()) << s.error();
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(s->Append({0, 1000 + i, "agent_exit", "git", "", "n" + std::to_string(i)}).ok());
    auto all = s->Query(0, 0);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 5u);
    EXPECT_EQ(all->front().detail, "n0");
    auto newest = s->Query(0, 2);
    ASSERT_EQ(newest->size(), 2u);
    EXPECT_EQ(newest->back().detail, "n4");
    EXPECT_EQ(s->Query(1003, 0)->size(), 2u);
    EXPECT_EQ(*s->Prune(1002), 2);
  }
  auto again = Store::Open(dir + "/h.db");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Query(0, 0)->size(), 3u);
}

TEST_F(StoreTest, StateIsUpsertedAndSurvivesReopen) {
  {
    auto s = Store::Open(dir + "/h.db");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->GetState("pipeline.last_good"), "");
    ASSERT_TRUE(s->SetState("pipeline.last_good", "aaa").ok());
    ASSERT_TRUE(s->SetState("pipeline.last_good", "bbb").ok());
    EXPECT_EQ(s->GetState("pipeline.last_good"), "bbb");
    EXPECT_EQ(*s->Prune(1LL << 60), 0) << "pruning history leaves state alone";
  }
  EXPECT_EQ(Store::Open(dir + "/h.db")->GetState("pipeline.last_good"), "bbb");
}

TEST_F(StoreTest, OpenFailsWithPathInMessage) {
  auto s = Store::Open(dir + "/missing/dir/h.db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("missing/dir/h.db"), std::string::npos);
}

}  // namespace
}  // namespace redundancy
