// Typed reads of one system's settings (systems.<name> of the config), with
// the agent's defaults. The schema has already checked the types, so a value
// of the wrong type reads as the default rather than throwing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"

namespace redundancy {

// One node read with a fallback: its text when it is a scalar, a duration
// when it parses as one, a list of strings (a single string is a list of
// one). The config's parser and SettingsReader share them.
std::string Str(const YAML::Node& n, const std::string& fallback);
Millis Dur(const YAML::Node& n, Millis fallback);
std::vector<std::string> StrList(const YAML::Node& n);
// The node at a dotted key path ("health.web") under `root`, if every step exists.
std::optional<YAML::Node> FindKey(const YAML::Node& root, const std::string& dotted);

class SettingsReader {
 public:
  explicit SettingsReader(YAML::Node node) : node_(std::move(node)) {}

  bool Has(const char* key) const { return node_ && node_.IsMap() && node_[key]; }
  std::string Str(const char* key, const std::string& def) const;
  bool Bool(const char* key, bool def) const;
  int Int(const char* key, int def) const;
  Millis Dur(const char* key, Millis def) const;
  uint64_t Size(const char* key, uint64_t def) const;
  // A list of strings; a single string is a list of one.
  std::vector<std::string> List(const char* key) const;
  // A path made absolute against `base` (~ expanded).
  std::string Path(const char* key, const std::string& def, const std::string& base) const;
  // A nested mapping (an empty reader when absent).
  SettingsReader Sub(const char* key) const;
  YAML::Node Node(const char* key) const { return Has(key) ? node_[key] : YAML::Node(); }

 private:
  YAML::Node node_;
};

}  // namespace redundancy
