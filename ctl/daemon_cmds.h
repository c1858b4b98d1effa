// `redundancyctl start`, `stop` and `restart`: redundancyd's life from the
// command line. Restart goes through whoever started it (systemctl for a
// unit, pm2 for a PM2 app) so that they keep supervising it; a daemon nobody
// started is stopped and started again in the background.
#pragma once

#include <string>

namespace redundancy::ctl {

struct DaemonTarget {
  std::string config;    // absolute or relative path of the config file
  std::string endpoint;  // its control socket (ipc://...)
};

int StartDaemon(const DaemonTarget& t, bool debug);
int StopDaemon(const DaemonTarget& t);
int RestartDaemon(const DaemonTarget& t, bool debug);

}  // namespace redundancy::ctl
