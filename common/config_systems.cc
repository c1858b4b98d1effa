// systems.* of the config: built-in systems, custom ones (kind: custom) and
// agents of the operator's own (agent:), their dependencies and order.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "common/config_validator.h"
#include "common/dependency_graph.h"
#include "common/file_util.h"
#include "common/paths.h"
#include "common/settings_reader.h"

namespace redundancy::config_internal {
namespace {

// A system's name is part of targets, file names and metric labels.
bool UsableSystemName(const std::string& n) {
  if (n.empty() || n.size() > 64 || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  for (unsigned char c : n) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// What kind of system systems.<name> is: its own name for a built-in one,
// "custom", "agent" (a binary of its own with keys of its own), or "" after an error.
std::string KindOf(const std::string& name, const YAML::Node& node, Validator& v, const std::string& path) {
  std::string kind = node.IsMap() ? Str(node["kind"], "") : "";
  const auto& known = KnownSystems();
  bool builtin = std::find(known.begin(), known.end(), name) != known.end();
  if (builtin) {
    if (!kind.empty() && kind != name) {
      v.Error(node["kind"], path + ".kind",
              "'" + kind.substr(0, 60) + "': the system named " + name + " is the built-in " + name +
                  " system; give yours another name");
      return "";
    }
    return name;
  }
  std::string all;
  for (const auto& s : known) all += (all.empty() ? "" : ", ") + s;
  if (kind == "custom") return kind;
  if (!kind.empty()) {
    v.Error(node["kind"], path + ".kind",
            "'" + kind.substr(0, 60) + "' is not custom" +
                (std::find(known.begin(), known.end(), kind) != known.end()
                     ? " (one " + kind + " system only, under systems." + kind + ")"
                     : ""));
    return "";
  }
  if (node.IsMap() && node["agent"]) return "agent";
  v.Error(node.IsMap() ? node : YAML::Node(), path,
          "unknown system (built-in: " + all + "); a system of your own needs kind: custom, or agent: PATH");
  return "";
}

}  // namespace

// Validates systems.*, and fills `out` with the enabled ones.
void CheckSystems(const YAML::Node& systems, Validator& v, const std::string& base, std::vector<SystemConfig>* out) {
  if (!systems || systems.IsNull()) return;
  if (!systems.IsMap()) return;  // reported by CheckMap against the root schema
  std::map<std::string, YAML::Node> present;
  std::map<std::string, std::string> kinds;
  std::vector<std::string> own_order;  // systems not built in, in file order
  std::set<std::string> seen;
  for (auto it = systems.begin(); it != systems.end(); ++it) {
    std::string name = it->first.Scalar();
    std::string path = "systems." + name;
    if (!seen.insert(name).second) {
      v.Error(it->first, path, "duplicate system");
      continue;
    }
    if (!UsableSystemName(name)) {
      v.Error(it->first, "systems",
              "'" + name.substr(0, 60) + "' is not a usable system name (letters, digits, '-', '_', '.'; at most 64)");
      continue;
    }
    const YAML::Node node = it->second;
    std::string kind = KindOf(name, node, v, path);
    if (kind.empty()) continue;
    size_t errors_before = v.errors().size();
    const SystemSpec* spec = FindBuiltinSystem(name);
    if (kind == "custom") {
      v.CheckMap(node, path, CustomSystemSchema());
      spec = &CustomSystemSpec();
    } else if (kind == "agent") {
      v.CheckMap(node, path, CommonSystemSchema(), /*open=*/true);
    } else {
      v.CheckMap(node, path, SystemSchema(name));
    }
    if (node.IsMap() && node["agent"] && node["agent"].IsScalar() && !node["agent"].Scalar().empty() &&
        v.errors().size() == errors_before) {
      auto exe = FindExecutable(ResolvePath(node["agent"].Scalar(), base), base, "");
      if (!exe.ok()) v.Error(node["agent"], path + ".agent", exe.error());
    }
    // What the types cannot say, in the agent's own words (its settings
    // parse), once the types are right: "health.web: needs url or tcp" is
    // reported at health.web's line as systems.pm2.health.web.
    if (spec && spec->check && node.IsMap() && v.errors().size() == errors_before) {
      std::string why = spec->check(node, base);
      if (why.rfind(path + ".", 0) == 0) why = why.substr(path.size() + 1);
      // "key.path: what": at that key's line when the message starts with one that exists.
      size_t colon = why.find(": ");
      std::optional<YAML::Node> at;
      if (colon != std::string::npos && why.find(' ') > colon) at = FindKey(node, why.substr(0, colon));
      if (at) {
        v.Error(*at, path + "." + why.substr(0, colon), why.substr(colon + 2));
      } else if (!why.empty()) {
        v.Error(node, path, why);
      }
    }
    present[name] = node;
    kinds[name] = kind;
    if (!FindBuiltinSystem(name)) own_order.push_back(name);
  }
  // Which are enabled, and their dependencies.
  std::set<std::string> enabled;
  for (const auto& [name, node] : present) {
    bool on = true;
    if (node.IsMap() && node["enabled"] && node["enabled"].IsScalar()) {
      YAML::convert<bool>::decode(node["enabled"], on);
    }
    if (on) enabled.insert(name);
  }
  DependencyGraph graph;
  std::map<std::string, YAML::Node> dep_nodes;
  std::vector<std::string> order;
  for (const auto& name : KnownSystems()) order.push_back(name);
  order.insert(order.end(), own_order.begin(), own_order.end());
  for (const auto& name : order) {
    if (!enabled.count(name)) continue;
    const YAML::Node& node = present[name];
    YAML::Node deps = node.IsMap() ? node["depends_on"] : YAML::Node();
    std::vector<std::string> wanted = deps ? StrList(deps) : DefaultDependsOn(name);
    SystemConfig sc;
    sc.name = name;
    sc.kind = kinds[name];
    sc.interval = sc.kind == "custom" ? CustomSystemSpec().default_interval : DefaultInterval(name);
    sc.grace = sc.interval;
    for (size_t i = 0; i < wanted.size(); ++i) {
      const std::string& d = wanted[i];
      std::string dpath =
          "systems." + name + ".depends_on" + (deps && deps.IsSequence() ? "[" + std::to_string(i) + "]" : "");
      YAML::Node at = deps && deps.IsSequence() ? deps[i] : (deps ? deps : node);
      if (!present.count(d) && SystemSchema(d).empty()) {
        v.Error(at, dpath, "unknown system '" + d + "'");
      } else if (d == name) {
        v.Error(at, dpath, "a system cannot depend on itself");
      } else if (enabled.count(d)) {
        sc.depends_on.push_back(d);
      }
    }
    graph.AddNode(name, sc.depends_on);
    dep_nodes[name] = deps ? deps : node;
    if (node.IsMap()) {
      sc.interval = Dur(node["interval"], sc.interval);
      sc.grace = Dur(node["grace"], sc.interval);
      if (node["auto_recover"] && node["auto_recover"].IsScalar())
        YAML::convert<bool>::decode(node["auto_recover"], sc.auto_recover);
      std::string agent = Str(node["agent"], "");
      if (!agent.empty()) sc.agent = ResolvePath(agent, base);
      sc.settings_yaml = YAML::Dump(node);
    }
    out->push_back(std::move(sc));
  }
  if (auto cycle = graph.FindCycle(); !cycle.empty()) {
    std::string text;
    for (const auto& n : cycle) text += (text.empty() ? "" : " -> ") + n;
    v.Error(dep_nodes[cycle.front()], "systems." + cycle.front() + ".depends_on", "dependency cycle " + text);
  }
}

}  // namespace redundancy::config_internal
