// Process-wide logging: spdlog to a file in log_dir rotated by size and time,
// old files gzip-compressed and kept by count and age (common/log_rotation),
// and to the console when running in the foreground (stdout below warning,
// stderr from warning up). Every line passes a redactor that
// replaces known secret values with "***", so a secret never reaches a log.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace redundancy {

struct LogOptions {
  std::string log_dir;    // empty: stderr only
  std::string file_name;  // e.g. "redundancyd.log"
  uint64_t max_size = 10ULL << 20;
  int max_files = 5;
  int64_t rotate_every_ms = 0;  // also rotate after this long (0: by size only)
  int64_t max_age_ms = 0;       // rotated files older than this are deleted (0: kept by count only)
  bool compress = true;         // gzip rotated files
  std::string level = "info";
  bool debug = false;     // forces debug level (also DEBUG_REDUNDANCY=true)
  bool to_stderr = true;  // the console too: info and debug to stdout, warnings and errors to stderr
};

// Replaces the default logger. Returns an error when log_dir cannot be created.
Status InitLogging(const LogOptions& options);

// Values to redact from every later log line (adds to the existing set).
void AddSecrets(const std::vector<std::string>& secrets);

// `text` with every registered secret replaced by "***".
std::string Redact(const std::string& text);

// True when DEBUG_REDUNDANCY is set to true/1/yes.
bool DebugFromEnv();

}  // namespace redundancy
