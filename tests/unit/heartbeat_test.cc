// Silent agents' heartbeats fall on multiples of the interval, never later
// than one interval after the last message.
#include "common/heartbeat.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

using namespace std::chrono_literals;

SteadyTime At(std::chrono::milliseconds ms) { return SteadyTime(ms); }

TEST(HeartbeatTest, DueOnTheLastMultipleOfTheIntervalWithinOneIntervalOfSilence) {
  EXPECT_EQ(BeatDue(At(12'300ms), 5s), At(15'000ms));
  EXPECT_EQ(BeatDue(At(14'999ms), 5s), At(15'000ms)) << "soon after, but on the shared boundary";
  EXPECT_EQ(BeatDue(At(15'000ms), 5s), At(20'000ms)) << "a message on a boundary: one whole interval";
  EXPECT_EQ(BeatDue(At(0ms), 500ms), At(500ms));
}

TEST(HeartbeatTest, AgentsSilentSinceDifferentMomentsBeatTogether) {
  for (long since = 40'000; since < 45'000; since += 137) {
    SteadyTime due = BeatDue(At(std::chrono::milliseconds(since)), 5s);
    EXPECT_EQ(due, At(45'000ms)) << since;
    EXPECT_GT(due, At(std::chrono::milliseconds(since)));
    EXPECT_LE(due - At(std::chrono::milliseconds(since)), 5s);
  }
}

TEST(HeartbeatTest, AQuestionWaitsForLivenessMinusOneAndAHalfIntervalsOnABoundary) {
  EXPECT_EQ(HeardFromWithin(5s, 3), 12'500ms);
  EXPECT_EQ(HeardFromWithin(100ms, 10), 950ms);
  EXPECT_EQ(HeardFromWithin(5s, 1), 2'500ms);
  EXPECT_EQ(BeatAtOrAfter(At(12'500ms), 5s), At(15'000ms));
  EXPECT_EQ(BeatAtOrAfter(At(15'000ms), 5s), At(15'000ms));
  // Idle: heard at 0 (an answer), beats at 5 s and 10 s ask nothing, the one at 15 s asks.
  EXPECT_EQ(BeatAtOrAfter(At(3ms) + HeardFromWithin(5s, 3), 5s), At(15'000ms));
}

}  // namespace
}  // namespace redundancy
