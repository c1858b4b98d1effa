// `redundancyctl logs [SYSTEM|APP] [-f] [-n N]`: the last lines of
// redundancyd's log (or an agent's), read from log_dir without the daemon, or
// of a PM2 app's out and error logs (from the watched PM2's log dir); -f
// follows them across rotations.
#pragma once

#include <string>

namespace redundancy::ctl {

// Exit 0; 1 when there is no such log yet; 2 for a name that is neither a
// system nor a PM2 app with logs in `pm2_log_dir`.
int ShowLogs(const std::string& log_dir, const std::string& system, int lines, bool follow,
             const std::string& pm2_log_dir);

}  // namespace redundancy::ctl
