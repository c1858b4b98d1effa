#include "common/process/environment.h"

extern char** environ;

namespace redundancy::process {
namespace {

// Set by systemd, node (cluster/fork IPC) and PM2 whatever the app definition.
constexpr std::string_view kAlways[] = {"NODE_CHANNEL_FD",
                                        "NODE_CHANNEL_SERIALIZATION_MODE",
                                        "NODE_UNIQUE_ID",
                                        "NOTIFY_SOCKET",
                                        "WATCHDOG_PID",
                                        "WATCHDOG_USEC",
                                        "LISTEN_PID",
                                        "LISTEN_FDS",
                                        "LISTEN_FDNAMES",
                                        "INVOCATION_ID",
                                        "JOURNAL_STREAM",
                                        "MANAGERPID",
                                        "SYSTEMD_EXEC_PID",
                                        "TRIGGER_UNIT",
                                        "TRIGGER_PATH",
                                        "TRIGGER_TIMER_REALTIME_USEC",
                                        "TRIGGER_TIMER_MONOTONIC_USEC"};

// PM2 copies its process description (pm2_env) into the app's environment:
// these names, measured with pm2 7, plus the ecosystem keys an app may set.
constexpr std::string_view kPm2[] = {"PM2_HOME",
                                     "PM2_USAGE",
                                     "PM2_INTERACTOR_PROCESSING",
                                     "PM2_JSON_PROCESSING",
                                     "PM2_PROGRAMMATIC",
                                     "PM2_DISCRETE_MODE",
                                     "NODE_APP_INSTANCE",
                                     "pm_id",
                                     "name",
                                     "namespace",
                                     "unique_id",
                                     "status",
                                     "restart_time",
                                     "unstable_restarts",
                                     "created_at",
                                     "pm_uptime",
                                     "pm_cwd",
                                     "pm_exec_path",
                                     "pm_out_log_path",
                                     "pm_err_log_path",
                                     "pm_log_path",
                                     "pm_pid_path",
                                     "exec_mode",
                                     "exec_interpreter",
                                     "instances",
                                     "instance_var",
                                     "autorestart",
                                     "autostart",
                                     "watch",
                                     "ignore_watch",
                                     "treekill",
                                     "windowsHide",
                                     "kill_retry_time",
                                     "kill_timeout",
                                     "listen_timeout",
                                     "vizion",
                                     "vizion_running",
                                     "automation",
                                     "pmx",
                                     "km_link",
                                     "merge_logs",
                                     "username",
                                     "axm_actions",
                                     "axm_monitor",
                                     "axm_options",
                                     "axm_dynamic",
                                     "version",
                                     "node_version",
                                     "args",
                                     "node_args",
                                     "interpreter",
                                     "interpreter_args",
                                     "script",
                                     "cwd",
                                     "max_memory_restart",
                                     "cron_restart",
                                     "min_uptime",
                                     "max_restarts",
                                     "restart_delay",
                                     "exp_backoff_restart_delay",
                                     "stop_exit_codes",
                                     "out_file",
                                     "error_file",
                                     "log_file",
                                     "log_date_format",
                                     "log_type",
                                     "combine_logs",
                                     "time",
                                     "wait_ready",
                                     "shutdown_with_message",
                                     "source_map_support",
                                     "filter_env",
                                     "force",
                                     "increment_var",
                                     "append_env_to_name",
                                     "disable_trace",
                                     "pid_file",
                                     "prev_restart_delay",
                                     "env",
                                     "exit_code",
                                     "post_update",
                                     "trace",
                                     "disable_logs"};

}  // namespace

bool IsLauncherVariable(std::string_view name, bool pm2_hosted) {
  for (auto n : kAlways) {
    if (n == name) return true;
  }
  if (!pm2_hosted) return false;
  if (name.rfind("axm_", 0) == 0) return true;
  for (auto n : kPm2) {
    if (n == name) return true;
  }
  return false;
}

bool StartedByPm2(const EnvList& env) {
  bool id = false, home = false;
  for (const auto& [k, v] : env) {
    id |= k == "pm_id";
    home |= k == "PM2_HOME";
  }
  return id && home;
}

EnvList CleanEnvironment(const EnvList& env) {
  bool pm2 = StartedByPm2(env);
  EnvList out;
  out.reserve(env.size());
  for (const auto& kv : env) {
    if (!IsLauncherVariable(kv.first, pm2)) out.push_back(kv);
  }
  return out;
}

EnvList CurrentEnvironment() {
  EnvList out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view s(*e);
    size_t eq = s.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace_back(std::string(s.substr(0, eq)), std::string(s.substr(eq + 1)));
  }
  return out;
}

std::pair<std::string, std::string> HostingPm2App(const EnvList& env) {
  if (!StartedByPm2(env)) return {};
  std::string home, name;
  for (const auto& [k, v] : env) {
    if (k == "PM2_HOME") home = v;
    if (k == "name") name = v;
  }
  return {home, name};
}

}  // namespace redundancy::process
