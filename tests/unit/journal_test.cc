#include "orchestrator/journal.h"

#include <gtest/gtest.h>

#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/alerts.h"
#include "scratch_dir.h"

namespace redundancy {
namespace {

TEST(JournalTest, OneNoteRedactsStoresCountsAlertsAndMarksTheViewChanged) {
  ScratchDir dir;
  auto store = Store::Open(dir.path() + "/h.db");
  ASSERT_TRUE(store.ok()) << store.error();
  FakeClock clock;
  AlertEngine alerts;
  alerts.SetRules(AlertRules{});  // gave_up raises a critical one-shot alert
  Journal journal(&clock);
  journal.Attach(&store.value(), &alerts);
  int changes = 0;
  journal.OnChange([&] { ++changes; });
  AddSecrets({"hunter2-journal"});

  journal.Note({.system = "pm2",
                .target = "pm2:api",
                .kind = events::kGaveUp,
                .detail = "token hunter2-journal refused",
                .from_agent = true});
  journal.Note({.system = "pm2",
                .target = "pm2:api",
                .kind = events::kHealth,
                .detail = "ok -> failed",
                .count = false,
                .alert = false});

  auto rows = store->Query(0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  // in the order noted
  EXPECT_EQ((*rows)[0].kind, "event:gave_up");
  EXPECT_EQ((*rows)[0].target, "pm2:api");
  EXPECT_EQ((*rows)[0].detail.find("hunter2-journal"), std::string::npos) << (*rows)[0].detail;
  EXPECT_EQ((*rows)[1].kind, "health");
  EXPECT_EQ(journal.counts().at({"pm2", "gave_up"}), 1u);
  EXPECT_EQ(journal.counts().count({"pm2", "health"}), 0u);
  EXPECT_EQ(changes, 2);
  auto list = alerts.List(clock.WallMs());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].target, "pm2:api");
  EXPECT_EQ(list[0].severity, "critical");
  EXPECT_EQ(list[0].summary.find("hunter2-journal"), std::string::npos);
}

TEST(JournalTest, WithoutAStoreItStillCountsAndAlerts) {
  FakeClock clock;
  AlertEngine alerts;
  alerts.SetRules(AlertRules{});
  Journal journal(&clock);
  journal.Attach(nullptr, &alerts);
  journal.Note({.system = "", .target = "pipeline", .kind = events::kCritical, .detail = "abc123 failed"});
  EXPECT_EQ(journal.counts().at({"", "critical"}), 1u);
  EXPECT_EQ(alerts.List(clock.WallMs()).size(), 1u);
  EXPECT_TRUE(journal.history_error().empty());
}

}  // namespace
}  // namespace redundancy
