// Small file helpers shared by the agents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace redundancy {

// The whole file as bytes; "" (and *ok false) when it cannot be read.
std::string ReadWholeFile(const std::string& path, bool* ok = nullptr);

// The last `max_lines` non-empty lines of a regular file, reading at most its
// last `max_bytes`; "" when it is missing, not a regular file or unreadable.
std::string ReadTailLines(const std::string& path, int max_lines, size_t max_bytes = 8192);

// A tool's output as one log-friendly line: terminal colour codes and
// control characters dropped, non-blank lines joined with "; ", and, past
// `max` characters, only the end kept (where tools say what went wrong).
std::string FoldLines(const std::string& text, size_t max = 400);

// Modification time in nanoseconds since the epoch (following symlinks), -1 when absent.
int64_t MtimeNs(const std::string& path);

}  // namespace redundancy
