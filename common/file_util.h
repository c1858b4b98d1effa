// Small file helpers shared by the agents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace redundancy {

// The most any file is read whole: config, workflows, package files, sources.
inline constexpr size_t kMaxFileBytes = 16u << 20;

// A regular file's bytes, at most `max_bytes`: a FIFO, device, socket or
// directory is an error (never opened for long: O_NONBLOCK), and so is a file
// larger than the bound (checked before reading and while reading, as it may
// grow). Errors say what is wrong: "is a FIFO, not a regular file", "is
// 20 MB, more than the 16 MB read at most", "cannot be read: Permission denied".
Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes = kMaxFileBytes);

// Why `path` (links followed) cannot be read as a regular file, or "" when
// it can: "is a symbolic link loop", "is a FIFO, not a regular file",
// "cannot be read: Permission denied" (the words ReadFileBounded uses).
std::string Unreadable(const std::string& path);

// Where `path` really is (links resolved) when that is inside none of
// `roots` (canonical directories); "" when it is inside one, or cannot be
// resolved (Unreadable says why).
std::string OutsideOf(const std::string& path, const std::vector<std::string>& roots);

// "size:mtime_ns" of `path` (links followed), "" when absent: tells a
// changed input from the same one (poison-input isolation).
std::string FileFingerprint(const std::string& path);

// ReadFileBounded with the default bound; "" (and *ok false) when it cannot be read.
std::string ReadWholeFile(const std::string& path, bool* ok = nullptr);

// The last `max_lines` non-empty lines of a regular file, reading at most its
// last `max_bytes`; "" when it is missing, not a regular file or unreadable.
std::string ReadTailLines(const std::string& path, int max_lines, size_t max_bytes = 8192);

// A tool's output as one log-friendly line: terminal colour codes and
// control characters dropped, non-blank lines joined with "; ", and, past
// `max` characters, only the end kept (where tools say what went wrong).
std::string FoldLines(const std::string& text, size_t max = 400);

// A commit as people read it: its first 12 hex digits.
inline std::string ShortCommit(const std::string& commit) { return commit.substr(0, 12); }

// Modification time in nanoseconds since the epoch (following symlinks), -1 when absent.
int64_t MtimeNs(const std::string& path);

// `name` as given when it has a slash (relative to `base` when not absolute),
// else looked up in `path_env` (PATH's value); the absolute path of a regular,
// executable file, or why there is none ("cannot find X in PATH").
Result<std::string> FindExecutable(const std::string& name, const std::string& base, const std::string& path_env);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD
// (protobuf refuses invalid UTF-8 in string fields; tools print anything).
std::string ValidUtf8(std::string_view text);

}  // namespace redundancy
