#include "common/duration.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(*ParseDuration("500ms"), Millis(500));
  EXPECT_EQ(*ParseDuration("30s"), Millis(30'000));
  EXPECT_EQ(*ParseDuration("10m"), Millis(600'000));
  EXPECT_EQ(*ParseDuration("1h"), Millis(3'600'000));
  EXPECT_EQ(*ParseDuration("2d"), Millis(172'800'000));
  EXPECT_EQ(*ParseDuration("1h30m"), Millis(5'400'000));
  EXPECT_EQ(*ParseDuration("1.5s"), Millis(1500));
  EXPECT_EQ(*ParseDuration("0s"), Millis(0));
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "10", "s", "ten", "5y", "-1s", "1h 30m", "1..5s", "ms"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

// Hostile values are errors, never an exception or a wrap-around.
TEST(DurationTest, HugeValuesAreErrorsNotExceptions) {
  EXPECT_FALSE(ParseDuration(std::string(309, '9') + "s").ok());
  EXPECT_FALSE(ParseDuration(std::string(21, '9') + "ms").ok());
  EXPECT_FALSE(ParseDuration("9999999999d").ok());
  EXPECT_FALSE(ParseDuration("1." + std::string(40, '9') + "s").ok());
  EXPECT_FALSE(ParseDuration(std::string(5000, '1')).ok());
  EXPECT_EQ(*ParseDuration("3650d"), kMaxDuration);
  EXPECT_FALSE(ParseDuration("3650d1ms").ok());
  EXPECT_EQ(*ParseDuration("0.001s"), Millis(1));
  EXPECT_EQ(*ParseDuration("1.999999999d"), Millis(172'800'000));
}

TEST(DurationTest, FormatsShortestForm) {
  EXPECT_EQ(FormatDuration(Millis(0)), "0s");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Millis(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(Millis(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(Millis(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(Millis(90'061'000)), "1d1h1m1s");
}

TEST(DurationTest, RoundTrips) {
  for (int64_t ms : {1, 999, 1000, 61'000, 3'600'000, 86'400'000}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(Millis(ms))), Millis(ms)) << ms;
  }
}

TEST(ByteSizeTest, ParsesUnits) {
  EXPECT_EQ(*ParseByteSize("512"), 512u);
  EXPECT_EQ(*ParseByteSize("64KB"), 64u << 10);
  EXPECT_EQ(*ParseByteSize("10MB"), 10u << 20);
  EXPECT_EQ(*ParseByteSize("1G"), 1u << 30);
  EXPECT_EQ(*ParseByteSize("3mib"), 3u << 20);
  EXPECT_FALSE(ParseByteSize("MB").ok());
  EXPECT_FALSE(ParseByteSize("10XB").ok());
  EXPECT_EQ(*ParseByteSize("2TB"), 2ull << 40);
}

TEST(ByteSizeTest, HugeValuesAreErrorsNotWrapArounds) {
  EXPECT_FALSE(ParseByteSize("99999999999999999999TB").ok());
  EXPECT_FALSE(ParseByteSize("17179869184GB").ok()) << "2^64 bytes";
  EXPECT_FALSE(ParseByteSize("18446744073709551616").ok());
  EXPECT_FALSE(ParseByteSize("1025TB").ok());
  EXPECT_EQ(*ParseByteSize("1PB"), kMaxByteSize);
  EXPECT_FALSE(ParseByteSize("10MBBBBBBB").ok());
}

}  // namespace
}  // namespace redundancy
