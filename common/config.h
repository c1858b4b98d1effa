// redundancy.yaml loaded, validated and resolved. LoadConfig() either returns
// a complete Config (every key checked, defaults filled, paths absolute,
// ${ENV} resolved) or every problem found, each as "file:line: key.path: message".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/paths.h"
#include "common/status.h"

namespace redundancy {

struct RestartPolicyConfig {
  Millis backoff_initial{100};
  Millis backoff_max{30'000};
  int max_restarts = 5;  // exits tolerated within `within`; one more gives up
  Millis within{60'000};
  Millis stable_after{10'000};  // ready this long resets the backoff streak
};

struct OrchestratorConfig {
  Millis heartbeat_interval{5'000};  // an agent silent this long sends a Heartbeat
  int heartbeat_liveness = 3;
  Millis start_timeout{10'000};  // spawn -> Ready
  Millis stop_grace{3'000};      // SIGTERM/SHUTDOWN -> SIGKILL
  // Automatic recoveries under way at once, over all systems; the rest wait
  // their turn, upstream systems first.
  int max_concurrent_recoveries = 10;
  RestartPolicyConfig agent_restart;
};

// New commits flow git -> build -> pm2 -> netlify (the systems downstream of
// git, in dependency order); a commit that fails a `rollback_on` step is
// rolled back to the last one that went through.
struct PipelineConfig {
  bool enabled = true;
  bool rollback = false;
  std::vector<std::string> rollback_on = {"build"};
  Millis step_timeout{900'000};
  bool operator==(const PipelineConfig&) const = default;
};

// fleet: several hosts running the same site, coordinated through etcd
// (docs/fleet.md). Off (no etcd endpoints) by default: a host runs alone.
struct FleetConfig {
  std::vector<std::string> etcd;   // endpoints; empty = no fleet
  std::string name;                // this host (default: the hostname)
  std::string group = "default";   // hosts that run the same site
  Millis lease{10'000};            // a host whose lease expires is lost
  std::string username, password;  // etcd auth
  std::string ca_file, cert_file, key_file;
  int canary = 1;        // hosts that take a new commit first
  int max_parallel = 1;  // hosts deploying at once after the canary
  Millis bake{60'000};   // the canary stays healthy this long before the others follow
  bool enabled() const { return !etcd.empty(); }
  bool operator==(const FleetConfig&) const = default;
  // A host or group name: 1-63 of [A-Za-z0-9._-] (it becomes part of etcd keys and metric labels).
  static bool ValidName(const std::string& s);
};

struct LoggingConfig {
  std::string level = "info";
  uint64_t max_size = 10ULL << 20;
  int max_files = 5;
  Millis rotate_every{24LL * 3600 * 1000};  // also rotate daily
  Millis max_age{30LL * 24 * 3600 * 1000};  // and keep rotated files 30 days at most
  bool compress = true;
  bool operator==(const LoggingConfig&) const = default;
};

// alerts.*: the rules of the alert engine (orchestrator/alerts.h explains them).
struct AlertRules {
  int threshold = 1;
  Millis cooldown{0};
  Millis repeat_interval{4LL * 3600 * 1000};
  Millis group_wait{0};
  Millis escalate_after{0};  // 0: no escalation
  bool send_resolved = true;
  // An incident ends only once its target has been healthy this long: a crash
  // loop or a flapping check is one incident, one notification.
  Millis settle{30'000};
  // event kind -> severity of the one-shot alert it raises
  // (agents' events, the daemon's records, the pipeline's critical). Not
  // pipeline_rollback by default: the critical notice of a failed commit
  // already says it is being rolled back (one notice per incident).
  std::map<std::string, std::string> events = {{"gave_up", "critical"},
                                               {"critical", "critical"},
                                               {"workflow_restored", "warning"},
                                               {"deps_reinstall_failed", "critical"},
                                               {"history_write_failed", "critical"},
                                               {"database_corrupt", "critical"}};
  bool operator==(const AlertRules&) const = default;
};

// alerts.channels[]: where notifications go. url/password are secrets.
struct AlertChannel {
  std::string name;  // defaults to "<type><index>"
  std::string type;  // webhook | slack | alertmanager | email | exec | file
  std::string url;   // webhook, slack, alertmanager (its base URL); email: smtp://host:port
  std::string username, password, from;
  std::vector<std::string> to;
  std::string command;  // exec: run with sh -c, the notification as JSON on stdin
  std::string path;     // file: JSON lines appended
  std::string min_severity = "info";
  int level = 1;  // escalation level from which this channel is told
  Millis timeout{10'000};
  bool operator==(const AlertChannel&) const = default;
};

struct SystemConfig {
  std::string name;
  std::string kind;  // the built-in system's name, "custom" (redundancy-agent-custom), or "agent" (its own binary)
  Millis interval{60'000};
  std::vector<std::string> depends_on;  // only enabled systems
  std::string agent;                    // absolute path of the agent binary; empty = built-in
  std::string settings_yaml;            // the system's section, ${ENV} resolved
  bool auto_recover = true;             // the orchestrator asks for recovery of failed checks
  Millis grace{60'000};                 // a new check's failures alert only after this long (default: interval)
  bool operator==(const SystemConfig&) const = default;
};

struct Config {
  std::string file;       // absolute path of the file it was loaded from
  std::string workspace;  // absolute
  std::string state_dir;  // absolute
  std::string log_dir;    // absolute
  Millis history_retention{30LL * 24 * 3600 * 1000};
  OrchestratorConfig orchestrator;
  LoggingConfig logging;
  PipelineConfig pipeline;
  FleetConfig fleet;
  std::string http_listen = "127.0.0.1:9464";        // "" = no HTTP endpoint
  std::string http_auth_token;                       // required as a Bearer token (or ?token=) when set
  std::string http_basic_user, http_basic_password;  // http.basic_auth: or these, as HTTP basic auth
  AlertRules alert_rules;
  std::vector<AlertChannel> alert_channels;
  std::string deadman_url;  // alerts.deadman.url: pinged every deadman_interval ("" = off)
  Millis deadman_interval{60'000};
  std::vector<SystemConfig>
      systems;  // enabled ones: built-in ones in KnownSystems() order, then the others in file order
  std::vector<std::string> secrets;   // values that came from ${ENV}: never log them
  std::vector<std::string> warnings;  // "file:line: path: message": valid, but probably not meant

  const SystemConfig* FindSystem(const std::string& name) const;
};

struct ConfigErrors {
  std::vector<std::string> errors;
  std::string Joined() const;
};

// Loads and validates `path`. On failure the Status message holds every
// problem, one per line.
Result<Config> LoadConfig(const std::string& path);

// Same, from text; `display_name` is used in messages, `base_dir` resolves relative paths.
Result<Config> ParseConfig(const std::string& text, const std::string& display_name, const std::string& base_dir);

// state_dir of the config at `path`, read leniently (no validation) so that
// redundancyctl finds the daemon even while the file is being edited into a
// broken state. Falls back to the default when the file does not parse.
std::string StateDirOf(const std::string& path);

// log_dir of the config at `path`, read as leniently (redundancyctl logs).
std::string LogDirOf(const std::string& path);

// Where the watched PM2 writes its apps' logs (systems.pm2.logs.dir, else
// <pm2_home>/logs), read as leniently (redundancyctl logs APP).
std::string Pm2LogDirOf(const std::string& path);

}  // namespace redundancy
