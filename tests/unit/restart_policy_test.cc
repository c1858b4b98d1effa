#include "orchestrator/restart_policy.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

TEST(RestartPolicyTest, JitterStaysWithinTwentyPercent) {
  RestartPolicyConfig c;
  c.backoff_initial = Millis(1000);
  c.backoff_max = Millis(60'000);
  c.max_restarts = 100;
  FakeClock clock;
  for (double r : {0.0, 0.999}) {
    RestartPolicy p(c, [r] { return r; });
    p.OnExit(clock.Now());
    auto d = p.OnExit(clock.Now());
    EXPECT_GE(d.delay.count(), 800);
    EXPECT_LE(d.delay.count(), 1200);
  }
}

TEST(RestartPolicyTest, NeverExceedsMaxEvenWithJitter) {
  RestartPolicyConfig c;
  c.backoff_initial = Millis(100);
  c.backoff_max = Millis(1000);
  c.max_restarts = 1000;
  FakeClock clock;
  RestartPolicy p(c, [] { return 0.999; });
  for (int i = 0; i < 50; ++i) EXPECT_LE(p.OnExit(clock.Now()).delay.count(), 1000);
}

TEST(RestartPolicyTest, GivesUpPastBudgetWithinWindow) {
  RestartPolicyConfig c;
  c.max_restarts = 2;
  c.within = Millis(1000);
  FakeClock clock;
  RestartPolicy p(c, [] { return 0.5; });
  EXPECT_FALSE(p.OnExit(clock.Now()).give_up);
  EXPECT_FALSE(p.OnExit(clock.Now()).give_up);
  EXPECT_TRUE(p.OnExit(clock.Now()).give_up);
  p.Reset();
  EXPECT_FALSE(p.OnExit(clock.Now()).give_up);
  clock.Advance(Millis(1000));
  EXPECT_FALSE(p.OnExit(clock.Now()).give_up);
  EXPECT_EQ(p.OnExit(clock.Now()).exits_in_window, 2);
}

TEST(RestartPolicyTest, ZeroMaxRestartsGivesUpOnFirstExit) {
  RestartPolicyConfig c;
  c.max_restarts = 0;
  FakeClock clock;
  RestartPolicy p(c, [] { return 0.5; });
  EXPECT_TRUE(p.OnExit(clock.Now()).give_up);
}

}  // namespace
}  // namespace redundancy
