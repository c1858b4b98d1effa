#include "orchestrator/alerts.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/alert_channels.h"

namespace redundancy {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;  // epoch ms
constexpr int64_t kMin = 60'000;

AlertRules Rules() {
  AlertRules r;
  r.repeat_interval = Millis(0);
  r.settle = Millis(0);  // each test of settling sets it
  return r;
}

// Every alert id in the notifications, as "group:status:id,id".
std::vector<std::string> Ids(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const auto& n : ns) {
    std::string s = n.group + ":" + n.status + ":";
    for (size_t i = 0; i < n.alerts.size(); ++i) s += (i ? "," : "") + n.alerts[i].target;
    out.push_back(s);
  }
  return out;
}

TEST(AlertEngineTest, FiresAfterThresholdAndResolves) {
  AlertEngine e;
  AlertRules r = Rules();
  r.threshold = 3;
  e.SetRules(r);
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0);
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0 + 1000);
  EXPECT_TRUE(e.Tick(kT0 + 1000).empty());
  e.Observe("pm2", "pm2:api", "ok", "", kT0 + 2000);  // the streak is broken
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0 + 3000);
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0 + 4000);
  EXPECT_TRUE(e.Tick(kT0 + 4000).empty());
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0 + 5000);
  auto n = e.Tick(kT0 + 5000);
  ASSERT_EQ(Ids(n), std::vector<std::string>{"pm2:firing:pm2:api"});
  EXPECT_EQ(n[0].alerts[0].severity, "critical");
  EXPECT_EQ(e.FiringCount(), 1u);
  EXPECT_TRUE(e.Tick(kT0 + 6000).empty());  // no repeats configured
  e.Observe("pm2", "pm2:api", "ok", "", kT0 + 7000);
  EXPECT_EQ(Ids(e.Tick(kT0 + 7000)), std::vector<std::string>{"pm2:resolved:pm2:api"});
  EXPECT_EQ(e.FiringCount(), 0u);
  EXPECT_TRUE(e.Tick(kT0 + 8000).empty());
}

TEST(AlertEngineTest, DegradedIsAWarningAndWorseningIsNotifiedAgain) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Observe("build", "build:deps", "degraded", "slow", kT0);
  auto n = e.Tick(kT0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts[0].severity, "warning");
  e.Observe("build", "build:deps", "failed", "broken", kT0 + 1000);
  n = e.Tick(kT0 + 1000);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts[0].severity, "critical");
  EXPECT_EQ(n[0].alerts[0].summary, "broken");
}

TEST(AlertEngineTest, RepeatsWhileFiringUntilAcknowledged) {
  AlertEngine e;
  AlertRules r = Rules();
  r.repeat_interval = Millis(10 * kMin);
  e.SetRules(r);
  e.Observe("git", "git:origin/main", "failed", "behind", kT0);
  ASSERT_EQ(e.Tick(kT0).size(), 1u);
  EXPECT_TRUE(e.Tick(kT0 + 9 * kMin).empty());
  ASSERT_EQ(e.Tick(kT0 + 10 * kMin).size(), 1u);
  int64_t id = e.List(kT0)[0].id;
  EXPECT_FALSE(e.Ack(id + 100, "me", kT0).ok());
  ASSERT_TRUE(e.Ack(id, "uid 0", kT0 + 11 * kMin).ok());
  EXPECT_TRUE(e.Tick(kT0 + 30 * kMin).empty());
  e.Observe("git", "git:origin/main", "ok", "", kT0 + 31 * kMin);
  EXPECT_EQ(Ids(e.Tick(kT0 + 31 * kMin)), std::vector<std::string>{"git:resolved:git:origin/main"});
  EXPECT_FALSE(e.Ack(id, "me", kT0 + 32 * kMin).ok());  // not firing any more
}

TEST(AlertEngineTest, CooldownHoldsAFlappingTarget) {
  AlertEngine e;
  AlertRules r = Rules();
  r.cooldown = Millis(15 * kMin);
  e.SetRules(r);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  ASSERT_EQ(e.Tick(kT0).size(), 1u);
  e.Observe("pm2", "pm2:api", "ok", "", kT0 + kMin);
  ASSERT_EQ(e.Tick(kT0 + kMin).size(), 1u);  // resolved
  e.Observe("pm2", "pm2:api", "failed", "down again", kT0 + 2 * kMin);
  EXPECT_TRUE(e.Tick(kT0 + 2 * kMin).empty());
  EXPECT_EQ(e.List(kT0 + 2 * kMin)[0].held, "cooldown");
  e.Observe("pm2", "pm2:api", "ok", "", kT0 + 3 * kMin);
  EXPECT_TRUE(e.Tick(kT0 + 3 * kMin).empty());  // never told, so no end either
  e.Observe("pm2", "pm2:api", "failed", "down a third time", kT0 + 10 * kMin);
  EXPECT_TRUE(e.Tick(kT0 + 10 * kMin).empty());
  auto n = e.Tick(kT0 + 15 * kMin);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts[0].summary, "down a third time");
}

TEST(AlertEngineTest, GroupsABurstOfOneSystem) {
  AlertEngine e;
  AlertRules r = Rules();
  r.group_wait = Millis(2000);
  e.SetRules(r);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  EXPECT_TRUE(e.Tick(kT0).empty());
  e.Observe("pm2", "pm2:web", "failed", "down", kT0 + 500);
  e.Observe("netlify", "netlify:hello", "degraded", "slow", kT0 + 600);
  EXPECT_TRUE(e.Tick(kT0 + 1000).empty());
  auto n = e.Tick(kT0 + 2000);
  EXPECT_EQ(Ids(n), std::vector<std::string>{"pm2:firing:pm2:api,pm2:web"});
  EXPECT_TRUE(e.Tick(kT0 + 2600).empty());  // its group started at the tick that saw it (1000)
  EXPECT_EQ(Ids(e.Tick(kT0 + 3000)), std::vector<std::string>{"netlify:firing:netlify:hello"});
}

TEST(AlertEngineTest, DownstreamAlertsAreInhibitedWhileUpstreamFires) {
  AlertEngine e;
  e.SetRules(Rules());
  e.SetDependencies({{"git", {}}, {"build", {"git"}}, {"pm2", {"build"}}});
  e.Observe("git", "git:origin/main", "failed", "unreachable", kT0);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  EXPECT_EQ(Ids(e.Tick(kT0)), std::vector<std::string>{"git:firing:git:origin/main"});
  for (const auto& a : e.List(kT0)) {
    if (a.target == "pm2:api") {  // through build
      EXPECT_EQ(a.held, "inhibited by git");
    }
  }
  e.Observe("git", "git:origin/main", "ok", "", kT0 + kMin);
  auto n = e.Tick(kT0 + kMin);
  EXPECT_EQ(Ids(n), (std::vector<std::string>{"git:resolved:git:origin/main", "pm2:firing:pm2:api"}));
}

// The upstream system is failing but has not reached its threshold yet (its
// agent reported after the downstream one): the downstream alert is held all
// the same, and notified once the upstream recovers.
TEST(AlertEngineTest, AnUpstreamFailingBeforeItsAlertAlreadyInhibits) {
  AlertEngine e;
  AlertRules r = Rules();
  r.threshold = 2;
  e.SetRules(r);
  e.SetDependencies({{"git", {}}, {"build", {"git"}}});
  e.Observe("build", "build:test", "failed", "tests fail", kT0);
  e.Observe("build", "build:test", "failed", "tests fail", kT0 + 1);
  e.Observe("git", "git:origin/main", "failed", "unreachable", kT0 + 2);  // one report: no alert yet
  EXPECT_TRUE(e.Tick(kT0 + 3).empty()) << "build's alert waits for git";
  for (const auto& a : e.List(kT0 + 3)) {
    if (a.target == "build:test") EXPECT_EQ(a.held, "inhibited by git");
  }
  e.Observe("git", "git:origin/main", "ok", "", kT0 + kMin);
  EXPECT_EQ(Ids(e.Tick(kT0 + kMin)), std::vector<std::string>{"build:firing:build:test"});
}

TEST(AlertEngineTest, EscalatesUntilAcknowledged) {
  AlertEngine e;
  AlertRules r = Rules();
  r.escalate_after = Millis(10 * kMin);
  e.SetRules(r);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  auto n = e.Tick(kT0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].level, 1);
  EXPECT_TRUE(e.Tick(kT0 + 9 * kMin).empty());
  n = e.Tick(kT0 + 10 * kMin);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].level, 2);
  n = e.Tick(kT0 + 20 * kMin);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].level, 3);
  EXPECT_TRUE(e.Tick(kT0 + 40 * kMin).empty());  // 3 is the top

  AlertEngine acked;
  acked.SetRules(r);
  acked.Observe("pm2", "pm2:api", "failed", "down", kT0);
  ASSERT_EQ(acked.Tick(kT0).size(), 1u);
  ASSERT_TRUE(acked.Ack(acked.List(kT0)[0].id, "ops", kT0 + kMin).ok());
  EXPECT_TRUE(acked.Tick(kT0 + 25 * kMin).empty());
}

TEST(AlertEngineTest, SilencesHoldBackATargetOrASystemUntilTheyExpire) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Silence("pm2:api", kT0 + 60 * kMin);
  e.Silence("netlify", kT0 + 30 * kMin);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  e.Observe("pm2", "pm2:web", "failed", "down", kT0);
  e.Observe("netlify", "netlify:hello", "failed", "gone", kT0);
  EXPECT_EQ(Ids(e.Tick(kT0)), std::vector<std::string>{"pm2:firing:pm2:web"});
  EXPECT_EQ(Ids(e.Tick(kT0 + 30 * kMin)), std::vector<std::string>{"netlify:firing:netlify:hello"});
  EXPECT_EQ(e.silences().size(), 1u);
  EXPECT_TRUE(e.Unsilence("pm2:api"));
  EXPECT_EQ(Ids(e.Tick(kT0 + 31 * kMin)), std::vector<std::string>{"pm2:firing:pm2:api"});
}

TEST(AlertEngineTest, EventsRaiseOneShotAlertsForConfiguredKinds) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Event("build", "build:deps", "deps_reinstalled", "ok", kT0);  // not configured: nothing
  e.Event("pm2", "pm2:api", "gave_up", "3 attempts", kT0);
  auto n = e.Tick(kT0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].status, "firing");
  EXPECT_TRUE(n[0].alerts[0].one_shot);
  EXPECT_EQ(n[0].alerts[0].severity, "critical");
  EXPECT_TRUE(e.Tick(kT0 + kMin).empty());  // once, and no "resolved"
  EXPECT_EQ(e.FiringCount(), 0u);
}

TEST(AlertEngineTest, ASystemTakenOutResolvesItsAlerts) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Observe("netlify", "netlify:hello", "failed", "gone", kT0);
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  e.Tick(kT0);
  e.ForgetSystem("netlify", kT0 + 1000);
  EXPECT_EQ(Ids(e.Tick(kT0 + 1000)), std::vector<std::string>{"netlify:resolved:netlify:hello"});
  EXPECT_EQ(e.FiringCount(), 1u);
}

TEST(AlertEngineTest, StateSurvivesARestart) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Observe("pm2", "pm2:api", "failed", "down", kT0);
  ASSERT_EQ(e.Tick(kT0).size(), 1u);
  auto saved = e.TakeChanged();
  ASSERT_EQ(saved.size(), 1u);
  auto round = AlertFromJson(AlertToJson(saved[0]));
  ASSERT_TRUE(round.ok()) << round.error();

  AlertEngine after;
  after.SetRules(Rules());
  after.Load({*round}, {{"pm2:web", kT0 + kMin}}, 1);
  EXPECT_EQ(after.FiringCount(), 1u);
  EXPECT_TRUE(after.Tick(kT0 + 1000).empty());  // already notified before the restart
  after.Observe("pm2", "pm2:api", "ok", "", kT0 + 2000);
  EXPECT_EQ(Ids(after.Tick(kT0 + 2000)), std::vector<std::string>{"pm2:resolved:pm2:api"});
  after.Observe("pm2", "pm2:x", "failed", "new", kT0 + 3000);
  after.Tick(kT0 + 3000);
  EXPECT_GT(after.List(kT0 + 3000)[0].id, round->id);  // ids are not reused
}

TEST(AlertChannelsTest, ChannelsGetTheirSeverityAndLevel) {
  Notification n;
  n.group = "pm2";
  n.status = "firing";
  Alert crit, warn;
  crit.id = 1, crit.system = "pm2", crit.target = "pm2:api", crit.severity = "critical", crit.state = "firing",
  crit.level = 2;
  warn.id = 2, warn.system = "pm2", warn.target = "pm2:web", warn.severity = "warning", warn.state = "firing";
  crit.starts_ms = warn.starts_ms = kT0;
  n.alerts = {crit, warn};
  AlertChannel pager;
  pager.type = "webhook", pager.min_severity = "critical";
  EXPECT_EQ(ForChannel(pager, n).alerts.size(), 1u);
  pager.level = 3;
  EXPECT_TRUE(ForChannel(pager, n).alerts.empty());
  AlertChannel all;
  all.type = "slack";
  auto slack = nlohmann::json::parse(RenderPayload(all, ForChannel(all, n), kT0, "box"));
  EXPECT_NE(slack["text"].get<std::string>().find("FIRING:2 pm2"), std::string::npos);
  EXPECT_EQ(slack["attachments"][0]["color"], "danger");
  EXPECT_EQ(slack["attachments"][0]["fields"].size(), 2u);
  all.type = "alertmanager";
  auto am = nlohmann::json::parse(RenderPayload(all, n, kT0, "box"));
  ASSERT_TRUE(am.is_array());
  EXPECT_EQ(am[0]["labels"]["target"], "pm2:api");
  EXPECT_EQ(am[0]["labels"]["instance"], "box");
  EXPECT_EQ(am[0]["startsAt"], Rfc3339(kT0));
  all.type = "email", all.from = "r@example.org", all.to = {"ops@example.org"};
  std::string mail = RenderPayload(all, ForChannel(all, n), kT0, "box");
  EXPECT_NE(mail.find("Subject: [redundancy] FIRING:2 pm2 (level 2) on box\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\n\r\n[firing] critical pm2:api #1"), std::string::npos);
  all.type = "file";
  std::string line = RenderPayload(all, n, kT0, "box");
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(Rfc3339(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace redundancy

namespace redundancy {
namespace {

// A crash loop: failed, ok, failed, ok... within the settle time is one
// incident, notified once, resolved once it has stayed healthy for `settle`.
TEST(AlertIncidentTest, AFlappingTargetIsOneIncident) {
  AlertEngine e;
  AlertRules r = Rules();
  r.settle = Millis(30'000);
  e.SetRules(r);
  int notifications = 0;
  for (int i = 0; i < 22; ++i) {
    int64_t t = kT0 + i * 2000;
    e.Observe("pm2", "pm2:api", "failed", "errored", t);
    notifications += static_cast<int>(e.Tick(t).size());
    e.Observe("pm2", "pm2:api", "ok", "", t + 1000);
    notifications += static_cast<int>(e.Tick(t + 1000).size());
  }
  EXPECT_EQ(notifications, 1);
  EXPECT_EQ(e.FiringCount(), 1u) << "healthy for 1 s only: still the same incident";
  int64_t last_ok = kT0 + 21 * 2000 + 1000;
  EXPECT_TRUE(e.Tick(last_ok + 29'000).empty());
  EXPECT_EQ(Ids(e.Tick(last_ok + 30'000)), std::vector<std::string>{"pm2:resolved:pm2:api"});
  EXPECT_EQ(e.FiringCount(), 0u);
  // The next failure is a new incident.
  e.Observe("pm2", "pm2:api", "failed", "errored", last_ok + 40'000);
  auto n = e.Tick(last_ok + 40'000);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_GT(n[0].alerts[0].id, 1);
}

// An app whose recovery gives up while its alert fires: one page, whose
// alert now says it gave up; the same event on a quiet target pages.
TEST(AlertIncidentTest, AnEventOnAnOpenIncidentIsFoldedIntoIt) {
  AlertEngine e;
  AlertRules r = Rules();
  r.events["gave_up"] = "critical";
  e.SetRules(r);
  e.Observe("pm2", "pm2:api", "failed", "errored", kT0);
  ASSERT_EQ(e.Tick(kT0).size(), 1u);
  e.Event("pm2", "pm2:api", "gave_up", "after 3 attempts", kT0 + 1000);
  EXPECT_TRUE(e.Tick(kT0 + 1000).empty());
  ASSERT_EQ(e.List(kT0 + 1000).size(), 1u);
  EXPECT_EQ(e.List(kT0 + 1000)[0].summary, "gave_up: after 3 attempts");
  e.Event("pm2", "pm2:worker", "gave_up", "after 3 attempts", kT0 + 2000);
  EXPECT_EQ(e.Tick(kT0 + 2000).size(), 1u);
}

TEST(AlertIncidentTest, ATargetThatGoesAwayResolvesAtOnce) {
  AlertEngine e;
  AlertRules r = Rules();
  r.settle = Millis(30'000);
  e.SetRules(r);
  e.Observe("pm2", "pm2:old", "failed", "errored", kT0);
  ASSERT_EQ(e.Tick(kT0).size(), 1u);
  e.Forget("pm2", "pm2:old", kT0 + 1000);
  EXPECT_EQ(Ids(e.Tick(kT0 + 1000)), std::vector<std::string>{"pm2:resolved:pm2:old"});
}

// Nobody heard it fire (it ended within group_wait): nobody hears it end.
TEST(AlertIncidentTest, NoResolvedNoticeForAnAlertNobodyWasToldOf) {
  AlertEngine e;
  AlertRules r = Rules();
  r.group_wait = Millis(10'000);
  e.SetRules(r);
  e.Observe("git", "git:origin/main", "failed", "behind origin by 1", kT0);
  EXPECT_TRUE(e.Tick(kT0).empty());
  e.Observe("git", "git:origin/main", "ok", "", kT0 + 1000);
  EXPECT_TRUE(e.Tick(kT0 + 1000).empty());
  EXPECT_TRUE(e.Tick(kT0 + 20'000).empty());
  EXPECT_EQ(e.FiringCount(), 0u);
}

// A site down is never held back by an upstream alert.
TEST(AlertIncidentTest, AnOutageIsNeverInhibited) {
  AlertEngine e;
  e.SetRules(Rules());
  e.SetDependencies({{"build", {}}, {"pm2", {"build"}}});
  e.Observe("build", "build:deps", "failed", "lock file corrupt", kT0);
  e.Observe("pm2", "pm2:daemon", "failed", "the PM2 daemon is down", kT0, true, /*outage=*/true);
  e.Observe("pm2", "pm2:ecosystem", "failed", "bad file", kT0);
  auto n = e.Tick(kT0);
  EXPECT_EQ(Ids(n), (std::vector<std::string>{"build:firing:build:deps", "pm2:firing:pm2:daemon"}));
  for (const auto& a : e.List(kT0)) {
    if (a.target == "pm2:ecosystem") {
      EXPECT_EQ(a.held, "inhibited by build");
    }
  }
}

TEST(AlertIncidentTest, AnEventNamedLikeItsSeverityIsNotSaidTwice) {
  AlertEngine e;
  e.SetRules(Rules());
  e.Event("pipeline", "", "critical", "rollback failed", kT0);
  auto n = e.Tick(kT0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts[0].summary, "rollback failed");
  e.Event("pm2", "pm2:api", "gave_up", "after 3 attempts", kT0);
  n = e.Tick(kT0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts[0].summary, "gave_up: after 3 attempts");
}

}  // namespace
}  // namespace redundancy
