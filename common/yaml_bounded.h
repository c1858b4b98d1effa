// YAML from files nobody here wrote (configs, workflows, ecosystem files),
// parsed with bounds. yaml-cpp shares an aliased node instead of copying it,
// so a 600-byte file can stand for 9^9 nodes (an alias bomb) or for an
// infinite tree (`a: &a {b: *a}`), and any recursive walk of it then never
// ends or overflows the stack. LoadYaml walks the parsed tree once, counting
// every node as many times as aliases repeat it, and refuses a document that
// is recursive, deeper than max_depth or larger than max_nodes, with a
// "file:line:col: message" error. A tree it accepts is safe to walk.
#pragma once

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace redundancy {

struct YamlLimits {
  size_t max_bytes = 4u << 20;  // the text
  int max_depth = 64;           // nested mappings and sequences
  size_t max_nodes = 100'000;   // nodes, aliases expanded
};

// Parses and checks `text`; `display` names it in errors ("ci.yml").
Result<YAML::Node> LoadYaml(std::string_view text, const std::string& display, const YamlLimits& limits = {});

// Reads (a regular file, at most max_bytes) and LoadYaml()s `path`.
Result<YAML::Node> LoadYamlFile(const std::string& path, const std::string& display, const YamlLimits& limits = {});

// The check alone, on a tree parsed elsewhere: where the first bound is
// broken (mark.line < 0 when unknown) and what, or nothing.
struct YamlProblem {
  YAML::Mark mark;
  std::string message;  // "a recursive alias: this node contains itself"
};
std::optional<YamlProblem> FindYamlBoundsProblem(const YAML::Node& root, const YamlLimits& limits = {});
// The same as "display:line:col: message".
Status CheckYamlBounds(const YAML::Node& root, const std::string& display, const YamlLimits& limits = {});

}  // namespace redundancy
