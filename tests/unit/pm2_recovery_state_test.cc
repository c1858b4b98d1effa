#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agents/pm2/recovery_state.h"

namespace redundancy::pm2 {
namespace {

constexpr RecoveryState kAll[] = {RecoveryState::kWatching, RecoveryState::kRecovering, RecoveryState::kStormStopped,
                                  RecoveryState::kGivenUp, RecoveryState::kGivenUpStopped};
constexpr RecoveryEvent kEvents[] = {RecoveryEvent::kRestarted,    RecoveryEvent::kStormStopped,
                                     RecoveryEvent::kBudgetSpent,  RecoveryEvent::kStable,
                                     RecoveryEvent::kCauseCleared, RecoveryEvent::kForced};

// The two facts the agent acts on, as the flags the table replaced would have had them.
struct Flags {
  bool gave_up;
  bool storm_stopped;
};
Flags Old(Flags f, RecoveryEvent e) {
  switch (e) {
    case RecoveryEvent::kRestarted:
      f.storm_stopped = false;
      break;
    case RecoveryEvent::kStormStopped:
      f.storm_stopped = true;
      break;
    case RecoveryEvent::kBudgetSpent:
      f.gave_up = true;
      break;
    default:
      f.gave_up = false;
      break;  // stable, cause cleared, forced: the budget starts over
  }
  return f;
}

TEST(Pm2RecoveryStateTest, EveryTransitionKeepsWhatTheFlagsSaid) {
  for (RecoveryState s : kAll) {
    for (RecoveryEvent e : kEvents) {
      // A restart while given up never happens (RecoverApp refuses): the state stays.
      if (e == RecoveryEvent::kRestarted && GaveUp(s)) {
        EXPECT_EQ(Next(s, e), s);
        continue;
      }
      Flags want = Old({GaveUp(s), StormStopped(s)}, e);
      RecoveryState got = Next(s, e);
      EXPECT_EQ(GaveUp(got), want.gave_up) << RecoveryStateName(s) << " + " << RecoveryEventName(e);
      EXPECT_EQ(StormStopped(got), want.storm_stopped) << RecoveryStateName(s) << " + " << RecoveryEventName(e);
    }
  }
}

TEST(Pm2RecoveryStateTest, AnAppsLifeThroughTheTable) {
  RecoveryState s = RecoveryState::kWatching;
  s = Next(s, RecoveryEvent::kRestarted);
  EXPECT_EQ(s, RecoveryState::kRecovering);
  s = Next(s, RecoveryEvent::kStormStopped);
  EXPECT_EQ(s, RecoveryState::kStormStopped);
  s = Next(s, RecoveryEvent::kBudgetSpent);
  EXPECT_EQ(s, RecoveryState::kGivenUpStopped);
  s = Next(s, RecoveryEvent::kForced);  // the operator: budget back, the storm still contained
  EXPECT_EQ(s, RecoveryState::kStormStopped);
  s = Next(s, RecoveryEvent::kRestarted);
  s = Next(s, RecoveryEvent::kStable);
  EXPECT_EQ(s, RecoveryState::kWatching);
}

TEST(Pm2RecoveryStateTest, NamesAreDistinct) {
  std::set<std::string> states, events;
  for (RecoveryState s : kAll) states.insert(RecoveryStateName(s));
  for (RecoveryEvent e : kEvents) events.insert(RecoveryEventName(e));
  EXPECT_EQ(states.size(), static_cast<size_t>(kRecoveryStates));
  EXPECT_EQ(events.size(), static_cast<size_t>(kRecoveryEvents));
}

}  // namespace
}  // namespace redundancy::pm2
