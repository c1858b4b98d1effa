// `redundancyctl logs [SYSTEM|APP] [-f] [-n N]`: the last lines of
// redundancyd's log (or an agent's), read from log_dir without the daemon, or
// of a PM2 app's out and error logs (from the watched PM2's log dir); -f
// follows them across rotations.
#pragma once

#include <cstdint>
#include <string>

namespace redundancy::ctl {

// Which lines are shown: only those since a time, only those matching a
// regular expression (ECMAScript, searched in each line's first 4 KB), and
// as JSON lines ({"file", "time", "level", "pid", "message"}) instead of text.
struct LogFilter {
  int64_t since_ms = 0;  // epoch ms; 0: every line (lines without a time of their own follow the last one)
  std::string grep;
  bool json = false;
};

// Exit 0; 1 when there is no such log yet; 2 for a name that is neither a
// system nor a PM2 app with logs in `pm2_log_dir`, or a bad --grep.
int ShowLogs(const std::string& log_dir, const std::string& system, int lines, bool follow,
             const std::string& pm2_log_dir, const LogFilter& filter = {});

}  // namespace redundancy::ctl
