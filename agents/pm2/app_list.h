// PM2's process list (getMonitorData / `pm2 jlist`), parsed with simdjson
// into what the agent's checks need. A list of 1,000 apps is ~9 MB of JSON,
// mostly copies of each app's environment, which the checks never look at.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace redundancy::pm2 {

struct AppInfo {
  std::string name;
  int pm_id = -1;
  pid_t pid = 0;
  std::string status;
  int restart_time = 0;
  bool autorestart = true;
  double pm_uptime_ms = 0;  // epoch ms of the last start
  std::string exit_code;    // as PM2 wrote it, "" when absent
  std::string err_log;      // pm_err_log_path: where the app's stderr goes
  double memory = 0;        // RSS bytes
  double cpu = 0;           // % of one core
  bool module = false;      // a PM2 module (pm2-logrotate...), not an app
};

// Parses a JSON array of processes (the `pm2 jlist` shape).
Result<std::vector<AppInfo>> ParseAppList(std::string_view json);

// Parses an RPC reply body {"args":[[...]]} (getMonitorData's shape).
// Without a copy when json has kArgPadding (64) bytes of spare capacity.
Result<std::vector<AppInfo>> ParseMonitorReply(const std::string& json);

}  // namespace redundancy::pm2
