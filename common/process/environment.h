// The environment every child of redundancy starts with: ours, less what the
// process that launched redundancyd left for itself. PM2 (fork mode) hands its
// apps NODE_CHANNEL_FD, and a node child that inherits it aborts because fd 3
// is no IPC channel there; systemd hands NOTIFY_SOCKET, WATCHDOG_* and
// LISTEN_*, which would let a child speak for our unit; an outer PM2's
// PM2_HOME would point a child's `pm2` at the wrong daemon.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redundancy::process {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// True for a variable a launcher (PM2, systemd, node's cluster) set for
// redundancyd itself. `pm2_hosted`: PM2 started us, so the variables PM2
// copies from an app's definition into its environment are dropped too.
bool IsLauncherVariable(std::string_view name, bool pm2_hosted);

// True when `env` looks like a PM2 app's environment (pm_id and PM2_HOME set
// by PM2's fork/cluster container).
bool StartedByPm2(const EnvList& env);

// `env` without the launcher variables, order kept.
EnvList CleanEnvironment(const EnvList& env);

// This process's environment, as a list.
EnvList CurrentEnvironment();

// What PM2 told us about the app that is redundancyd when PM2 hosts it:
// {PM2_HOME, app name}; empty strings when PM2 did not start us.
std::pair<std::string, std::string> HostingPm2App(const EnvList& env);

}  // namespace redundancy::process
