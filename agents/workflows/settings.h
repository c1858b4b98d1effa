// systems.workflows: its keys (for config validation) and their parse (for the agent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config_schema.h"

namespace redundancy::workflows {

struct WorkflowsSettings {
  std::string dir;  // absolute
  bool restore = false;
  std::optional<std::set<std::string>> secrets;  // configured names; nullopt: unknown (not checked)
  std::string secrets_file;                      // absolute, "" = none; read by the agent
  std::optional<std::set<std::string>> vars;     // repository variables (vars.X)
  std::set<std::string> runner_labels;
  std::string repo, token, api_url;  // api_url without a trailing slash
  std::vector<std::string> local_fallback;
};

const SystemSpec& Spec();
WorkflowsSettings ParseSettings(const YAML::Node& node, const std::string& workspace);

}  // namespace redundancy::workflows
