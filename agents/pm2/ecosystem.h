// PM2 ecosystem files: load (JSON and YAML natively with line numbers, .js /
// .cjs / .mjs through node) and validate what PM2 would accept silently or
// reject late: unknown keys, missing or absent scripts, bad
// max_memory_restart and cron_restart, duplicate names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redundancy::pm2 {

struct EcosystemProblem {
  std::string file;
  int line = 0;          // 0: unknown
  std::string severity;  // "error" | "warning"
  std::string message;
  std::string Format() const;  // "file:line: message"
};

struct EcosystemApp {
  std::string name;
  int line = 0;
  nlohmann::json definition;  // the app object as written
};

struct Ecosystem {
  std::string file;
  std::vector<EcosystemApp> apps;
  std::vector<EcosystemProblem> problems;
  bool HasErrors() const;
};

// Loads and validates `path`. Never fails: unreadable or unparsable files
// come back as an error problem. `node_bin` evaluates JavaScript configs.
Ecosystem LoadEcosystem(const std::string& path, const std::string& node_bin);

// True for "200M", "1G", "512K", "1.5G", "100000" (bytes), as PM2 accepts.
bool ValidMemorySize(const std::string& value);
// True for a 5- or 6-field cron expression PM2's cron parser accepts.
bool ValidCron(const std::string& value, std::string* why);

}  // namespace redundancy::pm2
