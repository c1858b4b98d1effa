// systems.build: its keys (for config validation) and their parse (for the agent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "common/config_schema.h"
#include "common/duration.h"

namespace redundancy::build {

struct BuildSettings {
  std::string dir;  // absolute project directory
  std::string validate;
  Millis validate_timeout{300'000};
  std::optional<Millis> validate_interval;  // re-run this often on unchanged code; default: the check interval
  Millis install_timeout{600'000};
  std::vector<std::string> artifacts;  // relative to dir
  std::vector<std::string> sources;    // files or folders, relative to dir
  std::string npm_bin = "npm";
  std::string node_bin = "node";
};

const SystemSpec& Spec();
BuildSettings ParseSettings(const YAML::Node& node, const std::string& workspace);

}  // namespace redundancy::build
