// When an agent that has said nothing for a while sends its heartbeat.
#pragma once

#include "common/clock.h"
#include "common/duration.h"

namespace redundancy {

// One `interval` after `since` (the last message), brought forward to a
// multiple of the interval on the monotonic clock. Every process on the host
// shares that clock, so silent agents beat together and the orchestrator
// wakes once for all of them (and answers them in one go), not once for
// each; the silence is still never longer than one interval.
inline SteadyTime BeatDue(SteadyTime since, Millis interval) {
  auto due = (since + interval).time_since_epoch();
  return SteadyTime(due - due % interval);
}

}  // namespace redundancy
