// `redundancyctl status --watch`: a live view like `pm2 monit` or `watch`:
// agents, systems and their checks, the open incidents and the last events,
// redrawn in place every interval on a terminal (q or Ctrl-C leaves it); on
// anything else the plain status, again every interval.
#pragma once

#include <chrono>

#include "ctl/alert_cmds.h"

namespace redundancy::ctl {

int WatchStatus(const Caller& call, std::chrono::milliseconds interval);

}  // namespace redundancy::ctl
