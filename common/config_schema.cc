#include "common/config_schema.h"

#include <map>

namespace redundancy {
namespace {

using T = FieldType;

std::vector<FieldSpec> CommonSystemFields() {
  return {
      {"enabled", T::kBool},
      {"kind", T::kString},  // custom, or the built-in system's own name
      {"interval", T::kDuration, {}, {}, 1},
      {"depends_on", T::kStringList},
      {"agent", T::kString},               // path of a custom agent binary
      {"auto_recover", T::kBool},          // ask the agent to recover failed checks (default true)
      {"grace", T::kDuration, {}, {}, 0},  // a new check's failures alert only after this (default: interval)
  };
}

std::vector<FieldSpec> WithCommon(std::vector<FieldSpec> own) {
  auto fields = CommonSystemFields();
  fields.insert(fields.end(), own.begin(), own.end());
  return fields;
}

const std::map<std::string, std::vector<FieldSpec>>& SystemTables() {
  static const auto* tables = [] {
    auto* t = new std::map<std::string, std::vector<FieldSpec>>;
    for (const auto& spec : BuiltinSystems()) (*t)[spec.name] = WithCommon(spec.fields);
    return t;
  }();
  return *tables;
}

}  // namespace

const SystemSpec* FindBuiltinSystem(const std::string& name) {
  for (const auto& spec : BuiltinSystems()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const std::vector<FieldSpec>& CustomSystemSchema() {
  static const auto* fields = new std::vector<FieldSpec>(WithCommon(CustomSystemSpec().fields));
  return *fields;
}

const std::vector<FieldSpec>& CommonSystemSchema() {
  static const auto* fields = new std::vector<FieldSpec>(CommonSystemFields());
  return *fields;
}

const std::vector<std::string>& KnownSystems() {
  static const auto* names = [] {
    auto* n = new std::vector<std::string>;
    for (const auto& spec : BuiltinSystems()) n->push_back(spec.name);
    return n;
  }();
  return *names;
}

const std::vector<FieldSpec>& SystemSchema(const std::string& name) {
  static const std::vector<FieldSpec> kNone;
  auto it = SystemTables().find(name);
  return it == SystemTables().end() ? kNone : it->second;
}

Millis DefaultInterval(const std::string& name) {
  const SystemSpec* spec = FindBuiltinSystem(name);
  return spec ? spec->default_interval : Millis(60'000);
}

std::vector<std::string> DefaultDependsOn(const std::string& name) {
  const SystemSpec* spec = FindBuiltinSystem(name);
  return spec ? spec->default_depends_on : std::vector<std::string>{};
}

const std::vector<FieldSpec>& RootSchema() {
  static const auto* root = new std::vector<FieldSpec>{
      {"workspace", T::kString},
      {"state_dir", T::kString},
      {"log_dir", T::kString},
      {"history_retention", T::kDuration, {}, {}, 1},
      {"orchestrator",
       T::kMap,
       {},
       {
           {"heartbeat_interval", T::kDuration, {}, {}, 10},
           {"heartbeat_liveness", T::kInt, {}, {}, 1},
           {"start_timeout", T::kDuration, {}, {}, 10},
           {"max_concurrent_recoveries", T::kInt, {}, {}, 1},
           {"stop_grace", T::kDuration, {}, {}, 1},
           {"agent_restart",
            T::kMap,
            {},
            {
                {"backoff_initial", T::kDuration, {}, {}, 0},
                {"backoff_max", T::kDuration, {}, {}, 0},
                {"max_restarts", T::kInt, {}, {}, 0},
                {"within", T::kDuration, {}, {}, 1},
                {"stable_after", T::kDuration, {}, {}, 0},
            }},
       }},
      {"logging",
       T::kMap,
       {},
       {
           {"level", T::kEnum, {"trace", "debug", "info", "warn", "error"}},
           {"max_size", T::kSize},
           {"max_files", T::kInt, {}, {}, 1},
           {"rotate_every", T::kDuration},
           {"max_age", T::kDuration},
           {"compress", T::kBool},
       }},
      {"http",
       T::kMap,
       {},
       {{"listen", T::kListen},
        {"auth_token", T::kString},
        {"basic_auth",
         T::kMap,
         {},
         {{"username", T::kString, {}, {}, 0, true}, {"password", T::kString, {}, {}, 0, true}}}}},
      {"pipeline",
       T::kMap,
       {},
       {
           {"enabled", T::kBool},
           {"rollback", T::kBool},
           {"rollback_on", T::kStringList},
           {"step_timeout", T::kDuration, {}, {}, 1},
       }},
      {"fleet",
       T::kMap,
       {},
       {
           {"etcd", T::kStringList, {}, {}, 0, true},
           {"name", T::kString},
           {"group", T::kString},
           {"lease", T::kDuration, {}, {}, 2000},
           {"username", T::kString},
           {"password", T::kString},
           {"ca_file", T::kString},
           {"cert_file", T::kString},
           {"key_file", T::kString},
           {"rollout",
            T::kMap,
            {},
            {{"canary", T::kInt, {}, {}, 1}, {"max_parallel", T::kInt, {}, {}, 1}, {"bake", T::kDuration, {}, {}, 0}}},
       }},
      {"systems", T::kAnyMap},  // each system checked against SystemSchema()
      {"alerts",
       T::kMap,
       {},
       {
           {"cooldown", T::kDuration, {}, {}, 0},
           {"repeat_interval", T::kDuration, {}, {}, 0},
           {"threshold", T::kInt, {}, {}, 1},
           {"group_wait", T::kDuration, {}, {}, 0},
           {"settle", T::kDuration, {}, {}, 0},
           {"escalate_after", T::kDuration, {}, {}, 0},
           {"send_resolved", T::kBool},
           {"events", T::kAnyMap},
           {"deadman", T::kMap, {}, {{"url", T::kString, {}, {}, 0, true}, {"interval", T::kDuration, {}, {}, 1}}},
           {"channels",
            T::kMapList,
            {},
            {
                {"type", T::kEnum, {"webhook", "slack", "alertmanager", "email", "exec", "file"}, {}, 0, true},
                {"name", T::kString},
                {"url", T::kString},
                {"smtp", T::kString},
                {"username", T::kString},
                {"password", T::kString},
                {"from", T::kString},
                {"to", T::kStringList},
                {"command", T::kString},
                {"path", T::kString},
                {"min_severity", T::kEnum, {"info", "warning", "critical"}},
                {"level", T::kInt, {}, {}, 1},
                {"timeout", T::kDuration, {}, {}, 1},
            }},
       }},
  };
  return *root;
}

}  // namespace redundancy
