// What redundancyctl's commands share: the exit codes (DESIGN.md) and the
// reading of a `--since D` into the epoch milliseconds D ago.
#pragma once

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "common/duration.h"

namespace redundancy::ctl {

inline constexpr int kExitOk = 0, kExitUnhealthy = 1, kExitUsage = 2, kExitUnreachable = 3;

// `--since D` as the wall-clock time D ago (epoch ms); nullopt, with the
// reason printed, when D is no duration.
inline std::optional<int64_t> SinceEpochMs(const std::string& since) {
  auto d = ParseDuration(since);
  if (!d.ok()) {
    std::cerr << "redundancyctl: --since: " << d.error() << "\n";
    return std::nullopt;
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return (now - *d).count();
}

}  // namespace redundancy::ctl
