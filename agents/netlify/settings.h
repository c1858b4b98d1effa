// systems.netlify: its keys (for config validation) and their parse (for the agent).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "common/config_schema.h"
#include "common/duration.h"

namespace redundancy::netlify {

struct ProbeTarget {
  std::string function;
  std::string path;  // default /.netlify/functions/<name>
  int expect_status = 200;
  Millis timeout{5000};
};

struct NetlifySettings {
  std::string dir;            // the project (absolute)
  std::string manifest;       // absolute, "" = the default
  std::string functions_dir;  // as configured (netlify.toml beats it)
  bool regenerate = false;
  std::string base_url;  // without a trailing slash
  std::vector<ProbeTarget> probes;
};

const SystemSpec& Spec();
NetlifySettings ParseSettings(const YAML::Node& node, const std::string& workspace);

}  // namespace redundancy::netlify
