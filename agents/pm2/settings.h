// systems.pm2: its keys (for config validation) and their parse (for the agent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agents/pm2/log_rotate.h"
#include "common/config_schema.h"
#include "common/duration.h"
#include "common/status.h"

namespace redundancy::pm2 {

struct ProbeSpec {
  std::string url;  // http(s)://...  or empty for tcp
  std::string tcp;  // host:port
  Millis timeout{2000};
  int failures = 3;
};

struct Settings {
  std::string pm2_home;
  std::string pm2_bin = "pm2";
  std::string node_bin = "node";
  std::string rpc_socket;                    // default <pm2_home>/rpc.sock
  std::string pub_socket;                    // default <pm2_home>/pub.sock
  std::vector<std::string> ecosystem_files;  // absolute
  std::vector<std::string> apps;             // expected apps when there is no ecosystem file
  int max_restart_attempts = 3;
  Millis restart_delay{5000};
  int storm_restarts = 10;
  Millis storm_within{60'000};
  uint64_t max_memory = 0;
  LogSettings logs;
  int memory_samples = 3;
  bool backup_processes = false;
  std::string backup_prefix = "backup-";
  std::set<std::string> critical;  // empty: every app is critical
  std::map<std::string, std::string> backup_env;
  std::map<std::string, ProbeSpec> health;
  Millis call_timeout{5000};
  Millis stable_after{10'000};    // online this long: an app's recovery budget and backoff start over
  Millis reload_timeout{30'000};  // the pipeline's reload: every app online on a new process by then
  Millis reload_wait{2000};       // ... and still the same process this long after
  // How a dead daemon is started again (pm2_daemon.cc): through systemd when
  // PM2 runs as its own unit (`pm2 startup systemd`), else `pm2 ping`.
  std::string daemon_unit;        // e.g. "pm2-www.service": `systemctl restart` it
  bool daemon_unit_user = false;  // a user unit: `systemctl --user`
  std::string systemctl_bin = "systemctl";
  // The app that is redundancyd itself when the watched PM2 hosts it: never
  // restored, killed or counted (from the orchestrator's environment).
  std::string self_app;
  // An app the operator deleted (`pm2 delete`, seen on PM2's bus) is left
  // deleted and recorded, not started again; `recover pm2:<app>` brings it back.
  bool respect_operator = true;
};

Result<Settings> ParseSettings(const YAML::Node& node, const std::string& workspace);

const SystemSpec& Spec();

}  // namespace redundancy::pm2
