// Durations as users write them in the config: "500ms", "30s", "10m", "1h",
// "2d", and compounds such as "1h30m". Byte sizes as "512", "10KB", "10MB", "1GB".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace redundancy {

using Millis = std::chrono::milliseconds;

// The longest duration and the largest size the config accepts: ten years,
// one pebibyte. Anything past them is an error, never a wrap-around.
inline constexpr Millis kMaxDuration{10LL * 365 * 24 * 3600 * 1000};
inline constexpr uint64_t kMaxByteSize = 1ULL << 50;

// Parses a duration. Fails (with a message suitable after "key: ") on bare
// numbers, unknown units, negative or empty values, and past kMaxDuration.
Result<Millis> ParseDuration(const std::string& text);

// Formats as the shortest exact form: 1500ms -> "1.5s", 90s -> "1m30s".
std::string FormatDuration(Millis d);

// Parses a size in bytes: "512", "64KB", "10MB", "1GB", "1TB" (powers of
// 1024; "K"/"KiB" also accepted). Fails past kMaxByteSize.
Result<uint64_t> ParseByteSize(const std::string& text);

}  // namespace redundancy
