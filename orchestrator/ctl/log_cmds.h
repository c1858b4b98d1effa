// `redundancyctl logs [SYSTEM] [-f] [-n N]`: the last lines of redundancyd's
// log (or an agent's), read from log_dir without the daemon; -f follows it
// across rotations.
#pragma once

#include <string>

namespace redundancy::ctl {

// Exit 0; 1 when there is no such log yet; 2 for an unknown system.
int ShowLogs(const std::string& log_dir, const std::string& system, int lines, bool follow);

}  // namespace redundancy::ctl
