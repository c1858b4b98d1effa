#include "common/event_kinds.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/closest.h"
#include "common/config.h"

namespace redundancy {
namespace {

TEST(EventKindsTest, NamesAreUniqueSnakeCase) {
  std::set<std::string_view> seen;
  std::regex snake("[a-z][a-z0-9_]*");
  for (const auto& k : events::kAllKinds) {
    EXPECT_TRUE(seen.insert(k.name).second) << "twice: " << k.name;
    EXPECT_TRUE(std::regex_match(std::string(k.name), snake)) << k.name;
    EXPECT_FALSE(k.meaning.empty()) << k.name;
  }
  EXPECT_TRUE(events::IsKnown(events::kGaveUp));
  EXPECT_FALSE(events::IsKnown("gaveup"));
  static_assert(events::IsKnown("pipeline_rollback"));
}

TEST(EventKindsTest, TheReadmeListsEveryKind) {
  std::ifstream in(std::string(SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string readme = ss.str();
  for (const auto& k : events::kAllKinds) {
    EXPECT_NE(readme.find("| `" + std::string(k.name) + "` |"), std::string::npos)
        << k.name << " is missing from the README's table of event kinds";
  }
}

TEST(EventKindsTest, DefaultAlertEventsAreKnown) {
  AlertRules defaults;
  for (const auto& [kind, severity] : defaults.events) EXPECT_TRUE(events::IsKnown(kind)) << kind;
}

TEST(EventKindsTest, ConfigRefusesAnUnknownKindWithFileLineAndTheClosest) {
  auto c = ParseConfig("systems: {}\nalerts:\n  events:\n    pipeline_rollback: warning\n    gaveup: critical\n",
                       "r.yaml", "/srv/app");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("r.yaml:5"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("alerts.events.gaveup"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("did you mean 'gave_up'"), std::string::npos) << c.error();
  auto ok = ParseConfig("systems: {}\nalerts: {events: {pipeline_rollback: warning, agent_gave_up: critical}}\n",
                        "r.yaml", "/srv/app");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->alert_rules.events.at("pipeline_rollback"), "warning");
}

TEST(ClosestTest, NearestWithinTwoEdits) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(Closest("stats", {"start", "status", "stop"}), "status");
  EXPECT_EQ(Closest("xyzzy", {"start", "status"}), "");
  EXPECT_EQ(DidYouMean("intervl", {"interval"}), " (did you mean 'interval'?)");
}

}  // namespace
}  // namespace redundancy
