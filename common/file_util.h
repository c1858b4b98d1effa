// Small file helpers shared by the agents.
#pragma once

#include <cstdint>
#include <string>

namespace redundancy {

// The whole file as bytes; "" (and *ok false) when it cannot be read.
std::string ReadWholeFile(const std::string& path, bool* ok = nullptr);

// Modification time in nanoseconds since the epoch (following symlinks), -1 when absent.
int64_t MtimeNs(const std::string& path);

}  // namespace redundancy
