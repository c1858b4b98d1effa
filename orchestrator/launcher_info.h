// Who started redundancyd, for `redundancyctl restart` (which restarts it
// through them: systemctl, pm2, or stop + start when nobody did). Pure.
#pragma once

#include <string>
#include <utility>

#include "redundancy.pb.h"

namespace redundancy {

// `hosting_pm2`: {PM2_HOME, app} when a PM2 runs us; `systemd_service`:
// INVOCATION_ID is set (systemd starts every service with one); `cgroup`:
// /proc/self/cgroup, whose path names the unit ("0::/system.slice/redundancyd.service").
v1::Launcher DetectLauncher(const std::pair<std::string, std::string>& hosting_pm2, bool systemd_service,
                            const std::string& cgroup);

}  // namespace redundancy
