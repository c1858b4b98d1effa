// systems.<name> with `kind: custom`: its keys (for config validation) and
// their parse (for redundancy-agent-custom). A custom system is a list of
// checks (exec | tcp | http | file | process) and the recovery steps to run
// when they fail.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/config_schema.h"
#include "common/duration.h"
#include "common/status.h"

namespace redundancy::custom {

// A command: argv form, or one string run by /bin/sh -c when `shell`.
struct ExecSpec {
  std::vector<std::string> argv;  // argv[0] resolved to an absolute path when it has a slash
  bool shell = false;
  Millis timeout{10'000};
  std::vector<std::pair<std::string, std::string>>
      env;                          // system env, then the command's own (the clean base added at run)
  std::string user;                 // run as this user (redundancy must be root); "" = ours
  std::string cwd;                  // absolute; default the workspace
  uint64_t max_output = 64 * 1024;  // bytes of output kept (the tail)
};

struct HttpSpec {
  std::string url;
  int expect_status = 0;          // 0: any status in [200, 400)
  std::string expect_body;        // substring
  std::string expect_body_regex;  // ECMAScript regex, searched in the first 1 MB
  bool verify_tls = true;
  std::vector<std::string> headers;  // "Name: value"
};

struct FileSpec {
  std::string path;   // absolute
  Millis max_age{0};  // 0: not checked
  uint64_t min_size = 0;
  std::string contains;  // substring of the first 16 MB
};

struct ProcessSpec {
  std::string pidfile;   // absolute; or
  std::string name;      // process name (comm, or argv[0]'s base name)
  uint64_t max_rss = 0;  // bytes; 0: not checked (over it: degraded)
  int min_count = 1;     // with `name`: at least this many
};

// One recovery step.
struct Step {
  enum class Kind { kExec, kWait, kRecheck };
  Kind kind = Kind::kExec;
  ExecSpec exec;
  Millis wait{0};  // kWait: how long; kRecheck: how long the check may take to pass
  bool ignore_failure = false;
  std::string Describe() const;  // "exec systemctl restart postgresql", "wait 5s", "restart_check_after 30s"
};

struct CheckSpec {
  enum class Kind { kExec, kTcp, kHttp, kFile, kProcess };
  std::string name;
  Kind kind = Kind::kExec;
  ExecSpec exec;
  std::string tcp;  // host:port
  HttpSpec http;
  FileSpec file;
  ProcessSpec process;
  Millis timeout{10'000};
  std::vector<Step> recover;  // its own steps; empty: the system's
  bool restore = false;       // its recovery restores what was running: never waits for upstream systems
};

// How often a target's recovery may be tried, as for the built-in systems:
// max_attempts failures within `within`, spaced by an exponential backoff;
// then gave_up until an operator's recover or a stable pass.
struct RecoveryPolicy {
  int max_attempts = 3;
  Millis within{600'000};
  Millis backoff_initial{5'000};
  Millis backoff_max{300'000};
};

struct Settings {
  std::vector<CheckSpec> checks;
  std::vector<Step> recover;  // for checks without their own
  RecoveryPolicy policy;
};

// The keys of a custom system (with `kind`; the keys every system has are added).
const SystemSpec& Spec();

// Parses systems.<name>. Errors read "key.path: what" (e.g. "checks[1].exec:
// cannot find pg_isready in PATH"), for config validation to place at that line.
Result<Settings> ParseSettings(const YAML::Node& node, const std::string& workspace);

const char* KindName(CheckSpec::Kind kind);

}  // namespace redundancy::custom
