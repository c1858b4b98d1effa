// Poison-input isolation: the breadcrumb a dying step leaves names the input
// the next process skips, until that input changes or an operator clears it.
#include "agents/runtime/poison.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/scratch_dir.h"

namespace redundancy {
namespace {

class PoisonTest : public ::testing::Test {
 protected:
  ScratchDir scratch_;
  const std::string& dir_ = scratch_.path();
};

TEST_F(PoisonTest, AStepThatNeverLeftPoisonsItsInputForTheNextProcess) {
  {
    PoisonRegistry first;
    first.Open(dir_, 1000);
    EXPECT_TRUE(first.Enter("workflow:ok.yml", "1:1"));
    first.Leave();
    EXPECT_TRUE(first.Enter("workflow:bad.yml", "7:7"));
    // the process dies here: no Leave(); the breadcrumb stays
    std::filesystem::copy_file(dir_ + "/breadcrumb", dir_ + "/crumb.kept");
  }
  std::filesystem::copy_file(dir_ + "/crumb.kept", dir_ + "/breadcrumb",
                             std::filesystem::copy_options::overwrite_existing);
  PoisonRegistry next;
  next.Open(dir_, 2000);
  EXPECT_TRUE(next.poisoned("workflow:bad.yml"));
  EXPECT_FALSE(next.Enter("workflow:bad.yml", "7:7")) << "the same input is skipped";
  auto c = next.Failed("workflow:bad.yml");
  EXPECT_EQ(c.status(), v1::HEALTH_FAILED);
  EXPECT_NE(c.summary().find("crashes the checker"), std::string::npos);
  EXPECT_TRUE(c.gave_up());
  EXPECT_TRUE(next.Enter("workflow:ok.yml", "1:1")) << "the others are checked";
  next.Leave();
  // Kept across restarts (poison.json) while the input stays the same...
  PoisonRegistry third;
  third.Open(dir_, 3000);
  EXPECT_FALSE(third.Enter("workflow:bad.yml", "7:7"));
  // ...and tried again once it changes, or on an operator's request.
  EXPECT_TRUE(third.Enter("workflow:bad.yml", "8:8"));
  third.Leave();
  EXPECT_FALSE(third.poisoned("workflow:bad.yml"));
}

TEST_F(PoisonTest, ClearTriesAgain) {
  PoisonRegistry r;
  r.Open(dir_, 1);
  ASSERT_TRUE(r.Enter("netlify:count", "a"));
  PoisonRegistry after;
  after.Open(dir_, 2);  // as if the first had died
  ASSERT_FALSE(after.Enter("netlify:count", "a"));
  after.Clear("netlify:count");
  EXPECT_TRUE(after.Enter("netlify:count", "a"));
}

}  // namespace
}  // namespace redundancy
