// Heartbeat timing shared by the agents (when to beat, when to ask) and
// redundancyd (when to probe a silent agent).
#pragma once

#include <algorithm>

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

// The first multiple of `interval` at or after `t`.
inline SteadyTime BeatAtOrAfter(SteadyTime t, Millis interval) {
  auto rest = t.time_since_epoch() % interval;
  return rest.count() == 0 ? t : t + (interval - rest);
}

// How long a peer may stay silent before it is asked whether it is alive:
// (liveness - 1) and a half intervals. The half keeps a beat that comes on
// time (every interval, on a boundary) from racing the question; `liveness`
// intervals of silence mean the peer is gone.
inline Millis HeardFromWithin(Millis interval, int liveness) {
  return interval * (std::max(liveness, 1) - 1) + interval / 2;
}

}  // namespace redundancy
