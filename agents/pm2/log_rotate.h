// PM2 app logs (systems.pm2.logs): rotated by renaming the file and asking
// PM2 to reopen its logs (reloadLogs over rpc.sock), never by copy-truncate,
// so no line is lost; rotated files gzip-compressed once PM2 has let go of
// them, kept by count and age; and the disk under the log folder watched so
// that an alert comes before it fills.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/status.h"

namespace redundancy::pm2 {

struct LogSettings {
  bool enabled = false;  // logs.pm2
  std::string dir;       // logs.dir: default <pm2_home>/logs (every *.log in it)
  uint64_t max_size = 10ULL << 20;
  int retain = 10;  // rotated files kept per log
  Millis max_age{30LL * 24 * 3600 * 1000};
  bool compress = true;
  int min_free_percent = 10;  // degraded below this much free disk, failed below half of it
};

// The *.log files in s.dir of at least s.max_size.
std::vector<std::string> OversizedLogs(const LogSettings& s);
// Renames each to NAME.<stamp>-NNNN; returns the new names; `errors` gets
// what could not be renamed.
std::vector<std::string> RenameLogs(const std::vector<std::string>& paths, std::vector<std::string>* errors);
// Waits (bounded by `limit`) until none of `paths` has grown for `quiet`.
void WaitQuiet(const Clock& clock, const std::vector<std::string>& paths, Millis quiet, Millis limit);

// Compresses rotated files nobody has written for `quiet` (PM2 has reopened
// its files by then) and prunes each log's rotations by count and age.
// Returns how many files it compressed.
int CompressAndPrune(const LogSettings& s, Millis quiet);

struct DiskUsage {
  uint64_t total = 0, free = 0;  // of the filesystem under s.dir (free for unprivileged users)
  uint64_t logs = 0;             // bytes of the files in s.dir
  int files = 0;
  double FreePercent() const { return total ? 100.0 * static_cast<double>(free) / static_cast<double>(total) : 100.0; }
};
Result<DiskUsage> Usage(const std::string& dir);

}  // namespace redundancy::pm2
