// Cron matching (the workflows agent's local fallback) and the longest gap
// between firings (how long a scheduled workflow may stay silent).
#include "common/cron.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

std::tm At(int year, int mon, int day, int hour, int min) {
  std::tm t{};
  t.tm_year = year - 1900, t.tm_mon = mon - 1, t.tm_mday = day, t.tm_hour = hour, t.tm_min = min;
  std::time_t e = timegm(&t);
  gmtime_r(&e, &t);  // fills tm_wday
  return t;
}

TEST(CronTest, Matches) {
  EXPECT_TRUE(CronMatches("17 3 * * 1-5", At(2026, 11, 23, 3, 17)));   // a Monday
  EXPECT_FALSE(CronMatches("17 3 * * 1-5", At(2026, 11, 22, 3, 17)));  // a Sunday
  EXPECT_TRUE(CronMatches("0 12 * * SUN", At(2026, 11, 22, 12, 0)));
  EXPECT_TRUE(CronMatches("0 12 * * 7", At(2026, 11, 22, 12, 0))) << "7 is Sunday too";
  EXPECT_TRUE(CronMatches("*/15 * * * *", At(2026, 1, 1, 5, 45)));
  EXPECT_FALSE(CronMatches("*/15 * * * *", At(2026, 1, 1, 5, 46)));
  EXPECT_TRUE(CronMatches("5/20 * * * *", At(2026, 1, 1, 5, 45)));
  EXPECT_TRUE(CronMatches("0 0 1 * MON", At(2026, 11, 23, 0, 0))) << "either day field matches when both are set";
  EXPECT_TRUE(CronMatches("0 0 1 * MON", At(2026, 12, 1, 0, 0)));
  EXPECT_FALSE(CronMatches("0 0 31 FEB *", At(2026, 2, 28, 0, 0)));
  EXPECT_FALSE(CronMatches("not a cron", At(2026, 2, 28, 0, 0)));
}

TEST(CronTest, LongestGap) {
  std::tm start = At(2026, 11, 22, 0, 0);
  std::time_t from = timegm(&start);
  EXPECT_EQ(CronLongestGapMinutes("0 * * * *", from), 60);
  EXPECT_EQ(CronLongestGapMinutes("30 4 * * *", from), 24 * 60);
  EXPECT_EQ(CronLongestGapMinutes("0 9 * * 1-5", from), 3 * 24 * 60) << "Friday to Monday";
  EXPECT_EQ(CronLongestGapMinutes("0 0 31 2 *", from), -1) << "never fires";
}

}  // namespace
}  // namespace redundancy
