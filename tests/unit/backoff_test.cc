#include "common/backoff.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

TEST(BackoffTest, DoublesUpToTheCapAndResets) {
  FakeClock clock;
  Backoff b(Millis(100), Millis(350));
  EXPECT_TRUE(b.Ready(clock.Now()));
  EXPECT_FALSE(b.Remaining(clock.Now()).has_value());
  b.Failed(clock.Now());
  EXPECT_FALSE(b.Ready(clock.Now()));
  EXPECT_EQ(b.Remaining(clock.Now()), Millis(100));
  b.Failed(clock.Now());
  EXPECT_EQ(b.Remaining(clock.Now()), Millis(200));
  b.Failed(clock.Now());
  EXPECT_EQ(b.Remaining(clock.Now()), Millis(350));
  clock.Advance(Millis(350));
  EXPECT_TRUE(b.Ready(clock.Now()));
  EXPECT_EQ(b.failures(), 3);
  b.Reset();
  EXPECT_EQ(b.failures(), 0);
}

}  // namespace
}  // namespace redundancy
