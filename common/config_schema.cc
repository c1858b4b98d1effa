#include "common/config_schema.h"

#include <map>

namespace redundancy {
namespace {

using T = FieldType;

std::vector<FieldSpec> CommonSystemFields() {
  return {
      {"enabled", T::kBool},
      {"interval", T::kDuration, {}, {}, 1},
      {"depends_on", T::kStringList},
      {"agent", T::kString},  // path of a custom agent binary
      {"auto_recover", T::kBool},  // ask the agent to recover failed checks (default true)
      {"grace", T::kDuration, {}, {}, 0},  // a new check's failures alert only after this (default: interval)
  };
}

std::vector<FieldSpec> WithCommon(std::vector<FieldSpec> own) {
  auto fields = CommonSystemFields();
  fields.insert(fields.end(), own.begin(), own.end());
  return fields;
}

const std::map<std::string, std::vector<FieldSpec>>& SystemTables() {
  static const auto* tables = new std::map<std::string, std::vector<FieldSpec>>{
      {"git", WithCommon({
                  {"dir", T::kString},
                  {"remote", T::kName},
                  {"branch", T::kName},
                  {"strategy", T::kEnum, {"pull", "hardreset", "rebase"}},
                  {"submodules", T::kBool},
                  {"sync_timeout", T::kDuration, {}, {}, 1},
              })},
      {"build", WithCommon({
                    {"dir", T::kString},
                    {"validate", T::kString},
                    {"validate_timeout", T::kDuration, {}, {}, 1},
                    {"validate_interval", T::kDuration, {}, {}, 1},
                    {"install_timeout", T::kDuration, {}, {}, 1},
                    {"artifacts", T::kStringList},
                    {"sources", T::kStringList},
                    {"npm_bin", T::kString},
                    {"node_bin", T::kString},
                })},
      {"pm2", WithCommon({
                  {"pm2_home", T::kString},
                  {"pm2_bin", T::kString},
                  {"node_bin", T::kString},
                  {"rpc_socket", T::kString},
                  {"pub_socket", T::kString},
                  {"ecosystem", T::kStringList},
                  {"apps", T::kStringList},
                  {"daemon_unit", T::kName},
                  {"daemon_unit_user", T::kBool},
                  {"systemctl_bin", T::kString},
                  {"respect_operator", T::kBool},
                  {"max_restart_attempts", T::kInt, {}, {}, 0},
                  {"restart_delay", T::kDuration, {}, {}, 0},
                  {"stable_after", T::kDuration, {}, {}, 0},
                  {"reload_timeout", T::kDuration, {}, {}, 1},
                  {"reload_wait", T::kDuration, {}, {}, 0},
                  {"restart_storm", T::kMap, {}, {{"restarts", T::kInt, {}, {}, 1}, {"within", T::kDuration, {}, {}, 1}}},
                  {"max_memory", T::kSize},
                  {"memory_samples", T::kInt, {}, {}, 1},
                  {"backup_processes", T::kBool},
                  {"backup_prefix", T::kString},
                  {"critical", T::kStringList},
                  {"backup_env", T::kAnyMap},
                  {"health", T::kAnyMap},
                  {"logs", T::kMap, {}, {
                       {"pm2", T::kBool},
                       {"dir", T::kString},
                       {"max_size", T::kSize},
                       {"retain", T::kInt, {}, {}, 0},
                       {"max_age", T::kDuration, {}, {}, 1},
                       {"compress", T::kBool},
                       {"min_free_percent", T::kInt, {}, {}, 0},
                   }},
              })},
      {"workflows", WithCommon({
                        {"dir", T::kString},
                        {"restore", T::kBool},
                        {"secrets", T::kStringList},
                        {"secrets_file", T::kString},
                        {"github", T::kMap, {}, {{"repo", T::kString}, {"token", T::kString}, {"api_url", T::kString}}},
                        {"runner_labels", T::kStringList},
                        {"vars", T::kStringList},
                        {"local_fallback", T::kStringList},
                    })},
      {"netlify", WithCommon({
                      {"dir", T::kString},
                      {"functions_dir", T::kString},
                      {"regenerate_manifest", T::kBool},
                      {"manifest", T::kString},
                      {"base_url", T::kString},
                      {"probes", T::kMapList, {}, {{"function", T::kString, {}, {}, 0, true}, {"path", T::kString},
                                                   {"expect_status", T::kInt, {}, {}, 100}, {"timeout", T::kDuration, {}, {}, 1}}},
                  })},
  };
  return *tables;
}

}  // namespace

const std::vector<std::string>& KnownSystems() {
  static const auto* names = new std::vector<std::string>{"git", "build", "pm2", "netlify", "workflows"};
  return *names;
}

const std::vector<FieldSpec>& SystemSchema(const std::string& name) {
  static const std::vector<FieldSpec> kNone;
  auto it = SystemTables().find(name);
  return it == SystemTables().end() ? kNone : it->second;
}

Millis DefaultInterval(const std::string& name) {
  if (name == "pm2") return Millis(30'000);
  if (name == "build" || name == "netlify") return Millis(600'000);
  if (name == "workflows") return Millis(300'000);
  return Millis(60'000);  // git
}

std::vector<std::string> DefaultDependsOn(const std::string& name) {
  if (name == "build") return {"git"};
  if (name == "pm2") return {"build"};
  if (name == "netlify") return {"pm2"};
  return {};
}

const std::vector<FieldSpec>& RootSchema() {
  static const auto* root = new std::vector<FieldSpec>{
      {"workspace", T::kString},
      {"state_dir", T::kString},
      {"log_dir", T::kString},
      {"history_retention", T::kDuration, {}, {}, 1},
      {"orchestrator", T::kMap, {}, {
           {"heartbeat_interval", T::kDuration, {}, {}, 10},
           {"heartbeat_liveness", T::kInt, {}, {}, 1},
           {"start_timeout", T::kDuration, {}, {}, 10},
           {"stop_grace", T::kDuration, {}, {}, 1},
           {"agent_restart", T::kMap, {}, {
                {"backoff_initial", T::kDuration, {}, {}, 0},
                {"backoff_max", T::kDuration, {}, {}, 0},
                {"max_restarts", T::kInt, {}, {}, 0},
                {"within", T::kDuration, {}, {}, 1},
                {"stable_after", T::kDuration, {}, {}, 0},
            }},
       }},
      {"logging", T::kMap, {}, {
           {"level", T::kEnum, {"trace", "debug", "info", "warn", "error"}},
           {"max_size", T::kSize},
           {"max_files", T::kInt, {}, {}, 1},
           {"rotate_every", T::kDuration},
           {"max_age", T::kDuration},
           {"compress", T::kBool},
       }},
      {"http", T::kMap, {}, {{"listen", T::kListen}, {"auth_token", T::kString},
                             {"basic_auth", T::kMap, {}, {{"username", T::kString, {}, {}, 0, true}, {"password", T::kString, {}, {}, 0, true}}}}},
      {"pipeline", T::kMap, {}, {
           {"enabled", T::kBool},
           {"rollback", T::kBool},
           {"rollback_on", T::kStringList},
           {"step_timeout", T::kDuration, {}, {}, 1},
       }},
      {"systems", T::kAnyMap},  // each system checked against SystemSchema()
      {"alerts", T::kMap, {}, {
           {"cooldown", T::kDuration, {}, {}, 0},
           {"repeat_interval", T::kDuration, {}, {}, 0},
           {"threshold", T::kInt, {}, {}, 1},
           {"group_wait", T::kDuration, {}, {}, 0},
           {"settle", T::kDuration, {}, {}, 0},
           {"escalate_after", T::kDuration, {}, {}, 0},
           {"send_resolved", T::kBool},
           {"events", T::kAnyMap},
           {"deadman", T::kMap, {}, {{"url", T::kString, {}, {}, 0, true}, {"interval", T::kDuration, {}, {}, 1}}},
           {"channels", T::kMapList, {}, {
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
