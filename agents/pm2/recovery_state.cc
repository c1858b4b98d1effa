#include "agents/pm2/recovery_state.h"

namespace redundancy::pm2 {
namespace {

using S = RecoveryState;

// kTable[from][event]; columns in RecoveryEvent order:
//   restarted       storm_stopped       budget_spent        stable            cause_cleared      forced
constexpr S kTable[kRecoveryStates][kRecoveryEvents] = {
    /* watching */ {S::kRecovering, S::kStormStopped, S::kGivenUp, S::kWatching, S::kWatching, S::kWatching},
    /* recovering */ {S::kRecovering, S::kStormStopped, S::kGivenUp, S::kWatching, S::kWatching, S::kWatching},
    /* storm_stopped */
    {S::kRecovering, S::kStormStopped, S::kGivenUpStopped, S::kStormStopped, S::kStormStopped, S::kStormStopped},
    /* given_up */ {S::kGivenUp, S::kGivenUpStopped, S::kGivenUp, S::kWatching, S::kWatching, S::kWatching},
    /* given_up_stopped */
    {S::kGivenUpStopped, S::kGivenUpStopped, S::kGivenUpStopped, S::kStormStopped, S::kStormStopped, S::kStormStopped},
};

}  // namespace

RecoveryState Next(RecoveryState from, RecoveryEvent event) {
  return kTable[static_cast<int>(from)][static_cast<int>(event)];
}

const char* RecoveryStateName(RecoveryState s) {
  static const char* kNames[] = {"watching", "recovering", "storm_stopped", "given_up", "given_up_stopped"};
  return kNames[static_cast<int>(s)];
}

const char* RecoveryEventName(RecoveryEvent e) {
  static const char* kNames[] = {"restarted", "storm_stopped", "budget_spent", "stable", "cause_cleared", "forced"};
  return kNames[static_cast<int>(e)];
}

}  // namespace redundancy::pm2
