#include "common/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/closest.h"
#include "common/config_schema.h"
#include "common/config_validator.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/settings_reader.h"
#include "common/yaml_bounded.h"

namespace redundancy {
namespace fs = std::filesystem;
using config_internal::CheckSystems;
using config_internal::Validator;

namespace {

// A config is small: 1 MB, 32 levels, 20,000 nodes (aliases expanded).
constexpr YamlLimits kConfigLimits{.max_bytes = 1u << 20, .max_depth = 32, .max_nodes = 20'000};

// A URL curl can use: one of `schemes`, a host, no space or control
// character. The value is never quoted in the error: URLs carry tokens.
bool UsableUrl(const std::string& url, std::initializer_list<std::string_view> schemes) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return false;
  std::string_view scheme(url.data(), sep);
  bool known = false;
  for (auto s : schemes) known |= scheme == s;
  if (!known) return false;
  size_t host_end = url.find_first_of("/?#", sep + 3);
  if (host_end == sep + 3 || sep + 3 >= url.size()) return false;  // no host
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch == 0x7f) return false;
  }
  return true;
}

void CheckUrl(Validator& v, const YAML::Node& node, const std::string& field, const std::string& url,
              std::initializer_list<std::string_view> schemes, const char* expected) {
  if (url.empty() || UsableUrl(url, schemes)) return;
  v.Error(node, field,
          std::string("not ") + expected + " URL with a host (the value is not shown: it may hold a secret)");
}

}  // namespace

const SystemConfig* Config::FindSystem(const std::string& name) const {
  for (const auto& s : systems) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string ConfigErrors::Joined() const {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}

bool FleetConfig::ValidName(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
}

// fleet.* (types already checked by the schema).
static void ParseFleet(const YAML::Node& f, Validator& v, Config* cfg) {
  FleetConfig& fc = cfg->fleet;
  if (const auto e = f["etcd"]; e && e.IsSequence()) {
    for (const auto& n : e) {
      if (!n.IsScalar()) continue;
      const std::string& url = n.Scalar();
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        v.Error(n, "fleet.etcd", "'" + url + "' is not an http:// or https:// URL");
      else
        fc.etcd.push_back(url);
    }
    if (e.size() == 0) v.Error(e, "fleet.etcd", "needs at least one endpoint");
  }
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  fc.name = Str(f["name"], host);
  fc.group = Str(f["group"], fc.group);
  for (auto [key, value] : {std::pair{"name", &fc.name}, std::pair{"group", &fc.group}}) {
    if (!FleetConfig::ValidName(*value))
      v.Error(f[key] ? f[key] : f, std::string("fleet.") + key,
              "'" + *value + "' must be 1-63 letters, digits, '-', '_' or '.'");
  }
  fc.lease = Dur(f["lease"], fc.lease);
  fc.username = Str(f["username"], "");
  fc.password = Str(f["password"], "");
  if (!fc.password.empty()) cfg->secrets.push_back(fc.password);
  fc.ca_file = Str(f["ca_file"], "");
  fc.cert_file = Str(f["cert_file"], "");
  fc.key_file = Str(f["key_file"], "");
  if (const auto r = f["rollout"]; r && r.IsMap()) {
    if (r["canary"] && r["canary"].IsScalar()) YAML::convert<int>::decode(r["canary"], fc.canary);
    if (r["max_parallel"] && r["max_parallel"].IsScalar())
      YAML::convert<int>::decode(r["max_parallel"], fc.max_parallel);
    fc.bake = Dur(r["bake"], fc.bake);
  }
}

// alerts.*: rules, events and channels (types already checked by the schema).
static void ParseAlerts(const YAML::Node& a, Validator& v, Config* cfg) {
  AlertRules& r = cfg->alert_rules;
  if (a["threshold"] && a["threshold"].IsScalar()) YAML::convert<int>::decode(a["threshold"], r.threshold);
  r.cooldown = Dur(a["cooldown"], r.cooldown);
  r.repeat_interval = Dur(a["repeat_interval"], r.repeat_interval);
  r.group_wait = Dur(a["group_wait"], r.group_wait);
  r.settle = Dur(a["settle"], r.settle);
  r.escalate_after = Dur(a["escalate_after"], r.escalate_after);
  if (a["send_resolved"] && a["send_resolved"].IsScalar())
    YAML::convert<bool>::decode(a["send_resolved"], r.send_resolved);
  if (const auto e = a["events"]; e && e.IsMap()) {
    r.events.clear();
    for (const auto& kv : e) {
      std::string sev = kv.second.IsScalar() ? kv.second.Scalar() : "";
      const std::string kind = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!events::IsKnown(kind)) {
        std::vector<std::string_view> known;
        for (const auto& k : events::kAllKinds) known.push_back(k.name);
        v.Error(kv.first, "alerts.events." + kind,
                "'" + kind.substr(0, 60) + "' is not an event kind" + DidYouMean(kind, known) +
                    "; the kinds are the table 'Event kinds' in the README (under Alerts)");
      } else if (sev != "critical" && sev != "warning" && sev != "info") {
        v.Error(kv.second, "alerts.events." + kv.first.Scalar(), "expected critical, warning or info");
      } else {
        r.events[kv.first.Scalar()] = sev;
      }
    }
  }
  const auto ch = a["channels"];
  if (!ch || !ch.IsSequence()) return;
  std::set<std::string> names;
  for (size_t i = 0; i < ch.size(); ++i) {
    const auto n = ch[i];
    if (!n.IsMap()) continue;
    AlertChannel c;
    std::string path = "alerts.channels[" + std::to_string(i) + "]";
    c.type = Str(n["type"], "");
    c.name = Str(n["name"], c.type + std::to_string(i));
    c.url = Str(n["url"], "");
    c.username = Str(n["username"], "");
    c.password = Str(n["password"], "");
    c.from = Str(n["from"], "");
    c.command = Str(n["command"], "");
    c.path = Str(n["path"], "");
    c.min_severity = Str(n["min_severity"], c.min_severity);
    c.timeout = Dur(n["timeout"], c.timeout);
    if (n["level"] && n["level"].IsScalar()) YAML::convert<int>::decode(n["level"], c.level);
    if (const auto to = n["to"]; to && to.IsSequence()) {
      for (const auto& t : to) {
        if (t.IsScalar()) c.to.push_back(t.Scalar());
      }
    }
    if (n["smtp"]) c.url = Str(n["smtp"], "");  // email: `smtp: smtp://host:port` reads better
    auto need = [&](const char* key, bool present) {
      if (!present) v.Error(n, path + "." + key, "required for a " + c.type + " channel");
    };
    if (c.type == "webhook" || c.type == "slack" || c.type == "alertmanager") need("url", !c.url.empty());
    if (c.type == "email") {
      need("smtp", !c.url.empty());
      need("from", !c.from.empty());
      need("to", !c.to.empty());
    }
    if (c.type == "webhook" || c.type == "slack" || c.type == "alertmanager")
      CheckUrl(v, n["url"], path + ".url", c.url, {"http", "https"}, "an http:// or https://");
    if (c.type == "email")
      CheckUrl(v, n["smtp"] ? n["smtp"] : n["url"], path + ".smtp", c.url, {"smtp", "smtps"}, "an smtp:// or smtps://");
    if (c.type == "exec") need("command", !c.command.empty());
    if (c.type == "file") {
      need("path", !c.path.empty());
      if (!c.path.empty()) c.path = ResolvePath(c.path, cfg->workspace);
    }
    if (c.level < 1 || c.level > 3) v.Error(n["level"], path + ".level", "expected 1, 2 or 3");
    if (!names.insert(c.name).second)
      v.Error(n["name"] ? n["name"] : n, path + ".name", "duplicate channel name '" + c.name + "'");
    // Written in the file or not, where a notification goes is a secret.
    for (const auto* secret : {&c.url, &c.password}) {
      if (!secret->empty()) cfg->secrets.push_back(*secret);
    }
    cfg->alert_channels.push_back(std::move(c));
  }
}

Result<Config> ParseConfig(const std::string& text, const std::string& display_name, const std::string& base_dir) {
  auto parsed = LoadYaml(text, display_name, kConfigLimits);
  if (!parsed.ok()) return parsed.status();
  YAML::Node root = *parsed;
  Config cfg;
  cfg.file = display_name;
  Validator v(display_name, &cfg.secrets);
  if (!root.IsMap()) {
    if (root.IsNull())
      return Result<Config>::Error(display_name + ":1: (top level): the file is empty; expected a mapping of keys");
    v.Error(root, "(top level)", "expected a mapping of keys, got " + Validator::Describe(root));
    return Result<Config>::Error(v.errors().front());
  }
  try {
    v.SubstituteEnv(root, "");
    v.CheckMap(root, "", RootSchema());
    cfg.workspace = ResolvePath(Str(root["workspace"], "."), base_dir);
    CheckSystems(root["systems"], v, cfg.workspace, &cfg.systems);

    cfg.state_dir = ResolvePath(Str(root["state_dir"], ".redundancy"), cfg.workspace);
    cfg.log_dir = ResolvePath(Str(root["log_dir"], cfg.state_dir + "/logs"), cfg.workspace);
    cfg.history_retention = Dur(root["history_retention"], cfg.history_retention);
    if (const auto o = root["orchestrator"]; o && o.IsMap()) {
      auto& oc = cfg.orchestrator;
      oc.heartbeat_interval = Dur(o["heartbeat_interval"], oc.heartbeat_interval);
      if (o["heartbeat_liveness"] && o["heartbeat_liveness"].IsScalar()) {
        YAML::convert<int>::decode(o["heartbeat_liveness"], oc.heartbeat_liveness);
      }
      oc.start_timeout = Dur(o["start_timeout"], oc.start_timeout);
      if (o["max_concurrent_recoveries"] && o["max_concurrent_recoveries"].IsScalar())
        YAML::convert<int>::decode(o["max_concurrent_recoveries"], oc.max_concurrent_recoveries);
      oc.stop_grace = Dur(o["stop_grace"], oc.stop_grace);
      if (const auto r = o["agent_restart"]; r && r.IsMap()) {
        auto& rc = oc.agent_restart;
        rc.backoff_initial = Dur(r["backoff_initial"], rc.backoff_initial);
        rc.backoff_max = Dur(r["backoff_max"], rc.backoff_max);
        rc.within = Dur(r["within"], rc.within);
        rc.stable_after = Dur(r["stable_after"], rc.stable_after);
        if (r["max_restarts"] && r["max_restarts"].IsScalar())
          YAML::convert<int>::decode(r["max_restarts"], rc.max_restarts);
        if (rc.backoff_initial > rc.backoff_max) {
          v.Error(r["backoff_initial"], "orchestrator.agent_restart.backoff_initial",
                  "must not exceed backoff_max (" + FormatDuration(rc.backoff_max) + ")");
        }
      }
    }
    if (const auto l = root["logging"]; l && l.IsMap()) {
      cfg.logging.level = Str(l["level"], cfg.logging.level);
      if (l["max_size"] && l["max_size"].IsScalar()) {
        if (auto s = ParseByteSize(l["max_size"].Scalar()); s.ok()) cfg.logging.max_size = *s;
      }
      if (l["max_files"] && l["max_files"].IsScalar())
        YAML::convert<int>::decode(l["max_files"], cfg.logging.max_files);
      for (auto [key, field] :
           {std::pair{"rotate_every", &cfg.logging.rotate_every}, std::pair{"max_age", &cfg.logging.max_age}}) {
        if (l[key] && l[key].IsScalar()) {
          if (auto d = ParseDuration(l[key].Scalar()); d.ok()) *field = *d;
        }
      }
      if (l["compress"] && l["compress"].IsScalar()) cfg.logging.compress = l["compress"].Scalar() == "true";
    }
    if (const auto h = root["http"]; h && h.IsMap()) {
      cfg.http_listen = Str(h["listen"], cfg.http_listen);
      cfg.http_auth_token = Str(h["auth_token"], "");
      if (!cfg.http_auth_token.empty()) cfg.secrets.push_back(cfg.http_auth_token);
      if (const auto b = h["basic_auth"]; b && b.IsMap()) {
        cfg.http_basic_user = Str(b["username"], "");
        cfg.http_basic_password = Str(b["password"], "");
        if (!cfg.http_basic_password.empty()) cfg.secrets.push_back(cfg.http_basic_password);
      }
      std::string host = cfg.http_listen.substr(0, cfg.http_listen.rfind(':'));
      bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
      if (!cfg.http_listen.empty() && !loopback && cfg.http_auth_token.empty() && cfg.http_basic_password.empty()) {
        int line = h["listen"] ? h["listen"].Mark().line + 1 : h.Mark().line + 1;
        cfg.warnings.push_back(display_name + ":" + std::to_string(line) + ": http.listen: '" + cfg.http_listen +
                               "' is reachable from other hosts without auth_token or basic_auth: anyone there can "
                               "read the status page and act on it");
      }
    }
    if (const auto p = root["pipeline"]; p && p.IsMap()) {
      auto& pc = cfg.pipeline;
      if (p["enabled"] && p["enabled"].IsScalar()) YAML::convert<bool>::decode(p["enabled"], pc.enabled);
      if (p["rollback"] && p["rollback"].IsScalar()) YAML::convert<bool>::decode(p["rollback"], pc.rollback);
      pc.step_timeout = Dur(p["step_timeout"], pc.step_timeout);
      if (const auto r = p["rollback_on"]; r && r.IsSequence()) {
        pc.rollback_on.clear();
        for (const auto& n : r) {
          const auto& known = KnownSystems();
          if (n.IsScalar() && std::find(known.begin(), known.end(), n.Scalar()) == known.end()) {
            v.Error(n, "pipeline.rollback_on", "unknown system '" + n.Scalar() + "'");
          } else if (n.IsScalar()) {
            pc.rollback_on.push_back(n.Scalar());
          }
        }
      }
    }
    if (const auto f = root["fleet"]; f && f.IsMap()) ParseFleet(f, v, &cfg);
    if (cfg.fleet.enabled() && !cfg.pipeline.enabled)
      v.Error(root["pipeline"]["enabled"], "pipeline.enabled", "must be true with fleet: (hosts deploy through it)");
    if (const auto a = root["alerts"]; a && a.IsMap()) ParseAlerts(a, v, &cfg);
    if (const auto dm = root["alerts"] ? root["alerts"]["deadman"] : YAML::Node(); dm && dm.IsMap()) {
      cfg.deadman_url = Str(dm["url"], "");
      if (!cfg.deadman_url.empty()) cfg.secrets.push_back(cfg.deadman_url);
      CheckUrl(v, dm["url"], "alerts.deadman.url", cfg.deadman_url, {"http", "https"}, "an http:// or https://");
      if (dm["interval"] && dm["interval"].IsScalar()) {
        if (auto d = ParseDuration(dm["interval"].Scalar()); d.ok()) cfg.deadman_interval = *d;
      }
    }
  } catch (const YAML::Exception& e) {
    v.errors().push_back(display_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!v.errors().empty()) {
    // A message may quote a value that came from ${ENV} (a path built from it): never print it.
    std::string text = ConfigErrors{v.errors()}.Joined();
    for (const auto& secret : cfg.secrets) {
      if (secret.size() < 3) continue;
      for (size_t at; (at = text.find(secret)) != std::string::npos;) text.replace(at, secret.size(), "***");
    }
    return Result<Config>::Error(text);
  }
  return cfg;
}

namespace {

// state_dir and log_dir of the config at `path`, read leniently.
struct Dirs {
  std::string state, log, pm2_logs;
};

Dirs LenientDirs(const std::string& path) {
  std::error_code ec;
  std::string abs = fs::absolute(path, ec).lexically_normal().string();
  std::string base = fs::path(abs).parent_path().string();
  std::string workspace = ".", state_dir = ".redundancy", log_dir, pm2_home = "~/.pm2", pm2_logs;
  try {
    auto parsed = LoadYamlFile(path, path, kConfigLimits);
    YAML::Node root = parsed.ok() ? *parsed : YAML::Node();
    if (root.IsMap()) {
      workspace = Str(root["workspace"], workspace);
      state_dir = Str(root["state_dir"], state_dir);
      log_dir = Str(root["log_dir"], "");
      YAML::Node pm2 = root["systems"] && root["systems"].IsMap() ? root["systems"]["pm2"] : YAML::Node();
      if (pm2 && pm2.IsMap()) {
        pm2_home = Str(pm2["pm2_home"], pm2_home);
        if (pm2["logs"] && pm2["logs"].IsMap()) pm2_logs = Str(pm2["logs"]["dir"], "");
      }
    }
  } catch (const std::exception&) {
  }
  std::string ws = ResolvePath(workspace, base);
  std::string state = ResolvePath(state_dir, ws);
  return {state, log_dir.empty() ? state + "/logs" : ResolvePath(log_dir, ws),
          pm2_logs.empty() ? ResolvePath(pm2_home, ws) + "/logs" : ResolvePath(pm2_logs, ws)};
}

}  // namespace

std::string StateDirOf(const std::string& path) { return LenientDirs(path).state; }

std::string LogDirOf(const std::string& path) { return LenientDirs(path).log; }

std::string Pm2LogDirOf(const std::string& path) { return LenientDirs(path).pm2_logs; }

Result<Config> LoadConfig(const std::string& path) {
  auto text = ReadFileBounded(path, kConfigLimits.max_bytes);
  if (!text.ok()) return Result<Config>::Error(path + ": " + text.error());
  std::error_code ec;
  std::string abs = fs::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  return ParseConfig(*text, abs, fs::path(abs).parent_path().string());
}

}  // namespace redundancy
