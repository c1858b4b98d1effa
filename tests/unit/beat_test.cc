// Silent agents' heartbeats fall on multiples of the interval, never later
// than one interval after the last message.
#include "agents/runtime/beat.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

using namespace std::chrono_literals;

SteadyTime At(std::chrono::milliseconds ms) { return SteadyTime(ms); }

TEST(BeatTest, DueOnTheLastMultipleOfTheIntervalWithinOneIntervalOfSilence) {
  EXPECT_EQ(BeatDue(At(12'300ms), 5s), At(15'000ms));
  EXPECT_EQ(BeatDue(At(14'999ms), 5s), At(15'000ms)) << "soon after, but on the shared boundary";
  EXPECT_EQ(BeatDue(At(15'000ms), 5s), At(20'000ms)) << "a message on a boundary: one whole interval";
  EXPECT_EQ(BeatDue(At(0ms), 500ms), At(500ms));
}

TEST(BeatTest, AgentsSilentSinceDifferentMomentsBeatTogether) {
  for (long since = 40'000; since < 45'000; since += 137) {
    SteadyTime due = BeatDue(At(std::chrono::milliseconds(since)), 5s);
    EXPECT_EQ(due, At(45'000ms)) << since;
    EXPECT_GT(due, At(std::chrono::milliseconds(since)));
    EXPECT_LE(due - At(std::chrono::milliseconds(since)), 5s);
  }
}

}  // namespace
}  // namespace redundancy
