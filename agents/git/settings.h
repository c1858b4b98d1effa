// systems.git: its keys (for config validation) and their parse (for the agent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "agents/git/sync.h"
#include "common/config_schema.h"

namespace redundancy::git {

const SystemSpec& Spec();
// The sync options of systems.git; backups go under state_dir/git/backups.
SyncOptions ParseSettings(const YAML::Node& node, const std::string& workspace, const std::string& state_dir);

}  // namespace redundancy::git
