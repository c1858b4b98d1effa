#include <gtest/gtest.h>

#include "agents/build/semver.h"

namespace redundancy::build {
namespace {

bool Sat(const std::string& range, const std::string& version) {
  auto v = ParseVersion(version);
  EXPECT_TRUE(v.has_value()) << version;
  auto r = Satisfies(range, *v);
  EXPECT_TRUE(r.has_value()) << "range " << range;
  return r.value_or(false);
}

TEST(SemverTest, ParsesVersionsWithAndWithoutV) {
  EXPECT_EQ(ParseVersion("v20.11.1")->ToString(), "20.11.1");
  EXPECT_EQ(ParseVersion("11.19.1\n")->ToString(), "11.19.1");
  EXPECT_EQ(ParseVersion("22.0.0-nightly2024")->ToString(), "22.0.0");
  EXPECT_FALSE(ParseVersion("20").has_value());
  EXPECT_FALSE(ParseVersion("twenty").has_value());
}

TEST(SemverTest, Comparators) {
  EXPECT_TRUE(Sat(">=18", "20.20.2"));
  EXPECT_FALSE(Sat(">=22", "20.20.2"));
  EXPECT_TRUE(Sat(">= 18 <21", "20.1.0"));
  EXPECT_FALSE(Sat(">=18 <20", "20.0.0"));
  EXPECT_TRUE(Sat("<=20", "20.9.9"));
  EXPECT_FALSE(Sat("<20", "20.0.0"));
  EXPECT_TRUE(Sat(">20.1.1", "20.1.2"));
  EXPECT_FALSE(Sat(">20", "20.5.0"));
  EXPECT_TRUE(Sat("=20.1.1", "20.1.1"));
}

TEST(SemverTest, CaretTildeAndXRanges) {
  EXPECT_TRUE(Sat("^20.1", "20.9.0"));
  EXPECT_FALSE(Sat("^20.1", "20.0.9"));
  EXPECT_FALSE(Sat("^20.1", "21.0.0"));
  EXPECT_TRUE(Sat("^0.2.3", "0.2.9"));
  EXPECT_FALSE(Sat("^0.2.3", "0.3.0"));
  EXPECT_TRUE(Sat("~20.1.2", "20.1.9"));
  EXPECT_FALSE(Sat("~20.1.2", "20.2.0"));
  EXPECT_TRUE(Sat("20.x", "20.3.1"));
  EXPECT_TRUE(Sat("20", "20.3.1"));
  EXPECT_FALSE(Sat("18.x", "20.3.1"));
  EXPECT_TRUE(Sat("*", "1.2.3"));
  EXPECT_TRUE(Sat("", "1.2.3"));
}

TEST(SemverTest, AlternativesAndHyphenRanges) {
  EXPECT_TRUE(Sat("^18 || ^20", "20.1.0"));
  EXPECT_FALSE(Sat("^18 || ^22", "20.1.0"));
  EXPECT_TRUE(Sat("18 - 20", "20.9.0"));
  EXPECT_FALSE(Sat("18 - 20.1.0", "20.1.1"));
  EXPECT_TRUE(Sat("18.2.0 - 20.1.0", "18.2.0"));
}

TEST(SemverTest, BadRangesAreReported) {
  auto v = *ParseVersion("20.0.0");
  EXPECT_FALSE(Satisfies(">=banana", v).has_value());
  EXPECT_FALSE(Satisfies("20.x.1", v).has_value());
  EXPECT_FALSE(Satisfies(">=", v).has_value());
}

TEST(SemverTest, Nvmrc) {
  EXPECT_EQ(NvmrcRange("20\n").value(), "20");
  EXPECT_EQ(NvmrcRange("# pinned\nv20.11.1\n").value(), "20.11.1");
  EXPECT_FALSE(NvmrcRange("lts/*\n").has_value());
  EXPECT_FALSE(NvmrcRange("node").has_value());
  EXPECT_FALSE(NvmrcRange("\n# nothing\n").has_value());
  EXPECT_TRUE(Sat(*NvmrcRange("20"), "20.20.2"));
  EXPECT_FALSE(Sat(*NvmrcRange("v20.11.1"), "20.20.2"));
}

}  // namespace
}  // namespace redundancy::build
