// Where one app's recovery stands, as one state and a transition table
// (rather than flags that could contradict each other). The budget and the
// backoff's end are numbers beside it (AppTrack::attempts, next_attempt).
#pragma once

#include <cstdint>

namespace redundancy::pm2 {

enum class RecoveryState : uint8_t {
  kWatching,        // nothing under way: the next failure is restarted
  kRecovering,      // restarted by us; the next restart waits for the backoff
  kStormStopped,    // a restart storm stopped by us; started again when the backoff ends
  kGivenUp,         // the budget is spent: an operator, a stable run or its cause clearing resumes it
  kGivenUpStopped,  // given up, and a storm PM2 started anyway stopped too
};

enum class RecoveryEvent : uint8_t {
  kRestarted,     // we restarted (or started) it: an attempt
  kStormStopped,  // we stopped it restarting in a loop
  kBudgetSpent,   // max_restart_attempts reached
  kStable,        // online for stable_after: the streak ends
  kCauseCleared,  // what killed it from outside its code is gone (a port freed, a file back)
  kForced,        // an operator asked (`redundancyctl recover pm2:<app>`)
};

inline constexpr int kRecoveryStates = 5;
inline constexpr int kRecoveryEvents = 6;

// The state after `event`. Every pair is defined (a restart while given up
// cannot happen: RecoverApp refuses first, and the state stays).
RecoveryState Next(RecoveryState from, RecoveryEvent event);

inline bool GaveUp(RecoveryState s) { return s == RecoveryState::kGivenUp || s == RecoveryState::kGivenUpStopped; }
inline bool StormStopped(RecoveryState s) {
  return s == RecoveryState::kStormStopped || s == RecoveryState::kGivenUpStopped;
}

const char* RecoveryStateName(RecoveryState s);
const char* RecoveryEventName(RecoveryEvent e);

}  // namespace redundancy::pm2
