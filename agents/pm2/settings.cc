#include "agents/pm2/settings.h"

#include <cstdlib>
#include <filesystem>

#include "common/paths.h"

namespace redundancy::pm2 {
namespace fs = std::filesystem;

const SystemSpec& Spec() {
  using T = FieldType;
  static const SystemSpec spec{
      "pm2",
      {
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
          {"health",
           T::kMapOf,
           {},
           {
               {"url", T::kString},
               {"tcp", T::kListen},
               {"timeout", T::kDuration, {}, {}, 1},
               {"failures", T::kInt, {}, {}, 1},
           }},
          {"logs",
           T::kMap,
           {},
           {
               {"pm2", T::kBool},
               {"dir", T::kString},
               {"max_size", T::kSize},
               {"retain", T::kInt, {}, {}, 0},
               {"max_age", T::kDuration, {}, {}, 1},
               {"compress", T::kBool},
               {"min_free_percent", T::kInt, {}, {}, 0},
           }},
      },
      Millis(30'000),
      {"build"},
      [](const YAML::Node& node, const std::string& workspace) {
        auto s = ParseSettings(node, workspace);
        return s.ok() ? std::string() : s.error();
      }};
  return spec;
}

Result<Settings> ParseSettings(const YAML::Node& node, const std::string& workspace) {
  Settings s;
  auto str = [&](const char* key, const std::string& def) {
    return node && node[key] && node[key].IsScalar() ? node[key].Scalar() : def;
  };
  auto dur = [&](const YAML::Node& n, Millis def) -> Millis {
    if (!n || !n.IsScalar()) return def;
    auto d = ParseDuration(n.Scalar());
    return d.ok() ? *d : def;
  };
  auto list = [&](const char* key) {
    std::vector<std::string> out;
    if (!node || !node[key]) return out;
    if (node[key].IsScalar()) out.push_back(node[key].Scalar());
    if (node[key].IsSequence()) {
      for (const auto& e : node[key]) out.push_back(e.Scalar());
    }
    return out;
  };
  try {
    s.pm2_home = ResolvePath(str("pm2_home", "~/.pm2"), workspace);
    s.pm2_bin = str("pm2_bin", "pm2");
    s.node_bin = str("node_bin", "node");
    s.rpc_socket = str("rpc_socket", s.pm2_home + "/rpc.sock");
    s.pub_socket = str("pub_socket", s.pm2_home + "/pub.sock");
    for (const auto& f : list("ecosystem")) s.ecosystem_files.push_back(ResolvePath(f, workspace));
    if (s.ecosystem_files.empty() && !(node && node["ecosystem"])) {
      // Found by name, as PM2 users name them.
      for (const char* name :
           {"ecosystem.config.js", "ecosystem.config.cjs", "ecosystem.config.mjs", "ecosystem.config.json",
            "ecosystem.json", "ecosystem.config.yaml", "ecosystem.config.yml", "ecosystem.yaml", "ecosystem.yml"}) {
        if (fs::exists(fs::path(workspace) / name)) {
          s.ecosystem_files.push_back((fs::path(workspace) / name).string());
          break;
        }
      }
    }
    s.apps = list("apps");
    s.daemon_unit = str("daemon_unit", "");
    s.daemon_unit_user = node && node["daemon_unit_user"] && node["daemon_unit_user"].as<bool>();
    s.systemctl_bin = str("systemctl_bin", s.systemctl_bin);
    if (node && node["respect_operator"]) s.respect_operator = node["respect_operator"].as<bool>();
    // Set by redundancyd when a PM2 runs it as an app; it matters only when
    // that PM2 is the one watched here.
    const char* host_home = std::getenv("REDUNDANCY_HOSTED_BY_PM2_HOME");
    const char* host_app = std::getenv("REDUNDANCY_HOSTED_BY_PM2_APP");
    if (host_home && host_app && *host_app) {
      std::error_code e1, e2;
      if (fs::weakly_canonical(host_home, e1) == fs::weakly_canonical(s.pm2_home, e2)) s.self_app = host_app;
    }
    if (node && node["max_restart_attempts"]) s.max_restart_attempts = node["max_restart_attempts"].as<int>();
    s.restart_delay = dur(node ? node["restart_delay"] : YAML::Node(), s.restart_delay);
    s.stable_after = dur(node ? node["stable_after"] : YAML::Node(), s.stable_after);
    s.reload_timeout = dur(node ? node["reload_timeout"] : YAML::Node(), s.reload_timeout);
    s.reload_wait = dur(node ? node["reload_wait"] : YAML::Node(), s.reload_wait);
    if (node && node["restart_storm"] && node["restart_storm"].IsMap()) {
      const auto& rs = node["restart_storm"];
      if (rs["restarts"]) s.storm_restarts = rs["restarts"].as<int>();
      s.storm_within = dur(rs["within"], s.storm_within);
    }
    if (node && node["max_memory"]) {
      auto m = ParseByteSize(node["max_memory"].Scalar());
      if (m.ok()) s.max_memory = *m;
    }
    if (node && node["memory_samples"]) s.memory_samples = node["memory_samples"].as<int>();
    if (node && node["backup_processes"]) s.backup_processes = node["backup_processes"].as<bool>();
    s.backup_prefix = str("backup_prefix", s.backup_prefix);
    if (const auto l = node ? node["logs"] : YAML::Node(); l && l.IsMap()) {
      LogSettings& ls = s.logs;
      ls.enabled = l["pm2"] && l["pm2"].as<bool>();
      ls.dir = ResolvePath(l["dir"] && l["dir"].IsScalar() ? l["dir"].Scalar() : s.pm2_home + "/logs", workspace);
      if (l["max_size"] && l["max_size"].IsScalar()) {
        if (auto m = ParseByteSize(l["max_size"].Scalar()); m.ok()) ls.max_size = *m;
      }
      if (l["retain"]) ls.retain = l["retain"].as<int>();
      ls.max_age = dur(l["max_age"], ls.max_age);
      if (l["compress"]) ls.compress = l["compress"].as<bool>();
      if (l["min_free_percent"]) ls.min_free_percent = l["min_free_percent"].as<int>();
    }
    for (const auto& c : list("critical")) s.critical.insert(c);
    if (node && node["backup_env"] && node["backup_env"].IsMap()) {
      for (auto it = node["backup_env"].begin(); it != node["backup_env"].end(); ++it) {
        s.backup_env[it->first.Scalar()] = it->second.Scalar();
      }
    }
    if (node && node["health"] && node["health"].IsMap()) {
      for (auto it = node["health"].begin(); it != node["health"].end(); ++it) {
        ProbeSpec p;
        const YAML::Node h = it->second;  // a copy: it-> is a temporary proxy
        if (!h.IsMap())
          return Result<Settings>::Error("systems.pm2.health." + it->first.Scalar() + ": expected a mapping");
        if (h["url"]) p.url = h["url"].Scalar();
        if (h["tcp"]) p.tcp = h["tcp"].Scalar();
        if (p.url.empty() && p.tcp.empty()) {
          return Result<Settings>::Error("systems.pm2.health." + it->first.Scalar() + ": needs url or tcp");
        }
        p.timeout = dur(h["timeout"], p.timeout);
        if (h["failures"]) p.failures = std::max(1, h["failures"].as<int>());
        s.health[it->first.Scalar()] = p;
      }
    }
  } catch (const YAML::Exception& e) {
    return Result<Settings>::Error(std::string("systems.pm2: ") + e.what());
  }
  return s;
}

}  // namespace redundancy::pm2
