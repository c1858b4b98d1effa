// The shape of redundancy.yaml as data: which keys exist, their types and
// allowed values. The validator walks a YAML tree against it; later
// capabilities extend the tables in config_schema.cc, not the validator.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/duration.h"

namespace redundancy {

enum class FieldType {
  kString,
  kName,    // a name handed to another tool as one argument (a unit, a remote), or "": no leading '-',
            // no spaces or control characters, at most 255 bytes
  kListen,  // "host:port" or "[v6]:port", port 1..65535, or "" (off)
  kBool,
  kInt,
  kDuration,
  kSize,        // bytes: "10MB"
  kEnum,        // a string out of `choices`
  kStringList,  // a list of strings (a single string is accepted as a list of one)
  kMap,         // nested keys out of `children`
  kMapList,     // a list of maps, each out of `children`
  kAnyMap,      // any map (free-form, e.g. env overrides)
  kMapOf,       // a map of any names, each value a mapping of keys out of `children` (pm2 health probes)
};

struct FieldSpec {
  std::string key;
  FieldType type;
  std::vector<std::string> choices = {};              // kEnum
  std::vector<FieldSpec> children = {};               // kMap, kMapList
  int64_t min = std::numeric_limits<int64_t>::min();  // kInt; kDuration in ms
  bool required = false;
};

// What a built-in system brings to the config: its keys, defaults and a
// check of what the types cannot say. Each agent owns its part
// (agents/<name>/settings.cc); agents/builtin_systems.cc lists them.
struct SystemSpec {
  std::string name;
  std::vector<FieldSpec> fields;  // its own keys; the keys every system has are added
  Millis default_interval{60'000};
  std::vector<std::string> default_depends_on;
  // The agent's own parse of systems.<name>: "" or what is wrong (e.g. a
  // health probe with neither url nor tcp). Null: nothing beyond the schema.
  std::function<std::string(const YAML::Node& settings, const std::string& workspace)> check;
};

// The built-in systems, in the order of the default pipeline (agents/builtin_systems.cc).
const std::vector<SystemSpec>& BuiltinSystems();
const SystemSpec* FindBuiltinSystem(const std::string& name);

// Their names.
const std::vector<std::string>& KnownSystems();

// A system of the operator's own, `kind: custom` (agents/custom/settings.cc),
// run by redundancy-agent-custom.
const SystemSpec& CustomSystemSpec();
// The keys of a custom system, with the keys every system has.
const std::vector<FieldSpec>& CustomSystemSchema();
// The keys every system has (a system with an `agent:` of its own may have any others).
const std::vector<FieldSpec>& CommonSystemSchema();

// Top-level keys of the config file.
const std::vector<FieldSpec>& RootSchema();

// The keys of systems.<name>; empty when the name is unknown.
const std::vector<FieldSpec>& SystemSchema(const std::string& name);

// Default check interval of a system when the config gives none.
Millis DefaultInterval(const std::string& name);

// Default depends_on of a system when the config gives none.
std::vector<std::string> DefaultDependsOn(const std::string& name);

}  // namespace redundancy
