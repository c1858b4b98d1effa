// Defaults and fixed knobs, in one place.
#pragma once

#include <chrono>

namespace redundancy {

// CMake's project VERSION (common/version.cc.in), the one source of the version.
extern const char kVersion[];
inline constexpr char kAgentPrefix[] = "redundancy-agent-";
// How long redundancyctl waits for the daemon to answer before exit 3.
inline constexpr std::chrono::milliseconds kControlTimeout{5000};
// How long a CHECK control request waits for the agents' results.
inline constexpr std::chrono::milliseconds kCheckTimeout{30000};
// How long an agent waits for Welcome after Hello before it gives up.
inline constexpr std::chrono::milliseconds kWelcomeTimeout{5000};
// How often the history is pruned to history_retention.
inline constexpr std::chrono::minutes kPruneEvery{60};

}  // namespace redundancy
