// Process-wide logging: spdlog to a size-rotated file in log_dir (and to
// stderr when running in the foreground). Every line passes a redactor that
// replaces known secret values with "***", so a secret never reaches a log.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace redundancy {

struct LogOptions {
  std::string log_dir;       // empty: stderr only
  std::string file_name;     // e.g. "redundancyd.log"
  uint64_t max_size = 10ULL << 20;
  int max_files = 5;
  std::string level = "info";
  bool debug = false;        // forces debug level (also DEBUG_REDUNDANCY=true)
  bool to_stderr = true;
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
