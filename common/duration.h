// Durations as users write them in the config: "500ms", "30s", "10m", "1h",
// "2d", and compounds such as "1h30m". Byte sizes as "512", "10KB", "10MB", "1GB".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace redundancy {

using Millis = std::chrono::milliseconds;

// Parses a duration. Fails (with a message suitable after "key: ") on bare
// numbers, unknown units, negative or empty values.
Result<Millis> ParseDuration(const std::string& text);

// Formats as the shortest exact form: 1500ms -> "1.5s", 90s -> "1m30s".
std::string FormatDuration(Millis d);

// Parses a size in bytes: "512", "64KB", "10MB", "1GB" (powers of 1024; "K"/"KiB" also accepted).
Result<uint64_t> ParseByteSize(const std::string& text);

}  // namespace redundancy
