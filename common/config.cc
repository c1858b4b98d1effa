#include "common/config.h"

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
#include "common/dependency_graph.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/settings_reader.h"
#include "common/yaml_bounded.h"

namespace redundancy {
namespace fs = std::filesystem;
namespace {

// A config is small: 1 MB, 32 levels, 20,000 nodes (aliases expanded).
constexpr YamlLimits kConfigLimits{.max_bytes = 1u << 20, .max_depth = 32, .max_nodes = 20'000};

// Walks a parsed YAML tree against the schema and collects every problem.
class Validator {
 public:
  Validator(std::string file, std::vector<std::string>* secrets) : file_(std::move(file)), secrets_(secrets) {}

  void Error(const YAML::Node& at, const std::string& path, const std::string& message) {
    int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    errors_.push_back(file_ + ":" + std::to_string(line) + ": " + path + ": " + message);
  }
  std::vector<std::string>& errors() { return errors_; }

  // Resolves ${VAR} in every scalar of the tree, in place.
  void SubstituteEnv(YAML::Node node, const std::string& path) {
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        SubstituteEnv(it->second, Join(path, it->first.Scalar()));
      }
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) SubstituteEnv(node[i], path + "[" + std::to_string(i) + "]");
    } else if (node.IsScalar()) {
      const std::string& in = node.Scalar();
      if (in.find('$') == std::string::npos) return;
      std::string out;
      bool secret = false;
      for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '$') {
          out += '$';
          ++i;
        } else if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '{') {
          size_t end = in.find('}', i + 2);
          if (end == std::string::npos) {
            Error(node, path, "unterminated ${ in '" + in + "'");
            return;
          }
          std::string var = in.substr(i + 2, end - i - 2);
          const char* value = std::getenv(var.c_str());
          if (var.empty() || value == nullptr) {
            Error(node, path, "environment variable " + (var.empty() ? std::string("''") : var) + " is not set");
            return;
          }
          out += value;
          if (*value) secrets_->push_back(value);
          secret = true;
          i = end;
        } else {
          out += in[i];
        }
      }
      if (secret || out != in) node = out;
    }
  }

  // `open`: keys not in `fields` are someone else's (a custom agent's own settings).
  void CheckMap(const YAML::Node& node, const std::string& path, const std::vector<FieldSpec>& fields,
                bool open = false) {
    if (!node.IsMap()) {
      if (!node.IsNull())
        Error(node, path.empty() ? "(top level)" : path, "expected a mapping of keys, got " + Describe(node));
      return;
    }
    std::map<std::string, int> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string key_path = Join(path, key);
      int line = it->first.Mark().line + 1;
      if (auto [pos, inserted] = seen.emplace(key, line); !inserted) {
        Error(it->first, key_path, "duplicate key (first at line " + std::to_string(pos->second) + ")");
        continue;
      }
      auto spec = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.key == key; });
      if (spec == fields.end()) {
        if (open) continue;
        Error(it->first, key_path, "unknown key" + Suggest(key, fields));
        continue;
      }
      CheckValue(it->second, key_path, *spec);
    }
    for (const auto& f : fields) {
      if (f.required && !seen.count(f.key)) Error(node, Join(path, f.key), "required key is missing");
    }
  }

  void CheckValue(const YAML::Node& v, const std::string& path, const FieldSpec& spec) {
    switch (spec.type) {
      case FieldType::kString:
        if (!v.IsScalar()) Error(v, path, "expected a string, got " + Describe(v));
        break;
      case FieldType::kName: {
        if (!v.IsScalar()) {
          Error(v, path, "expected a name, got " + Describe(v));
          break;
        }
        const std::string& n = v.Scalar();
        bool clean = n.empty() || (n.size() <= 255 && n[0] != '-');  // empty: not set
        for (unsigned char c : n) clean = clean && c > 0x20 && c != 0x7f;
        if (!clean)
          Error(v, path,
                "'" + n.substr(0, 60) +
                    "' is not a usable name (no leading '-', spaces or control characters, at most 255 bytes)");
        break;
      }
      case FieldType::kListen: {
        if (!v.IsScalar()) {
          Error(v, path, "expected host:port, got " + Describe(v));
          break;
        }
        if (Status s = CheckListen(v.Scalar()); !s.ok()) Error(v, path, s.message());
        break;
      }
      case FieldType::kBool: {
        bool b;
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
          Error(v, path, "expected true or false, got " + Describe(v));
        break;
      }
      case FieldType::kInt: {
        long long n;
        if (!v.IsScalar() || !YAML::convert<long long>::decode(v, n)) {
          Error(v, path, "expected an integer, got " + Describe(v));
        } else if (n < spec.min) {
          Error(v, path, "must be at least " + std::to_string(spec.min) + ", got " + std::to_string(n));
        }
        break;
      }
      case FieldType::kDuration: {
        if (!v.IsScalar()) {
          Error(v, path, "expected a duration like 30s, got " + Describe(v));
          break;
        }
        auto d = ParseDuration(v.Scalar());
        if (!d.ok()) {
          Error(v, path, d.error());
        } else if (d->count() < spec.min) {
          Error(v, path, "must be at least " + FormatDuration(Millis(spec.min)) + ", got " + v.Scalar());
        }
        break;
      }
      case FieldType::kSize: {
        auto s = v.IsScalar() ? ParseByteSize(v.Scalar())
                              : Result<uint64_t>::Error("expected a size like 10MB, got " + Describe(v));
        if (!s.ok()) Error(v, path, s.error());
        break;
      }
      case FieldType::kEnum: {
        if (!v.IsScalar() || std::find(spec.choices.begin(), spec.choices.end(), v.Scalar()) == spec.choices.end()) {
          std::string all;
          for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
          Error(v, path, (v.IsScalar() ? "'" + v.Scalar() + "'" : Describe(v)) + " is not one of " + all);
        }
        break;
      }
      case FieldType::kStringList:
        if (v.IsSequence()) {
          for (size_t i = 0; i < v.size(); ++i) {
            if (!v[i].IsScalar())
              Error(v[i], path + "[" + std::to_string(i) + "]", "expected a string, got " + Describe(v[i]));
          }
        } else if (!v.IsScalar()) {
          Error(v, path, "expected a list of strings, got " + Describe(v));
        }
        break;
      case FieldType::kMap:
        CheckMap(v, path, spec.children);
        break;
      case FieldType::kMapList:
        if (!v.IsSequence()) {
          Error(v, path, "expected a list, got " + Describe(v));
          break;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          std::string p = path + "[" + std::to_string(i) + "]";
          if (!v[i].IsMap())
            Error(v[i], p, "expected a mapping, got " + Describe(v[i]));
          else
            CheckMap(v[i], p, spec.children);
        }
        break;
      case FieldType::kMapOf:
        if (!v.IsMap()) {
          if (!v.IsNull()) Error(v, path, "expected a mapping of names, got " + Describe(v));
          break;
        }
        for (auto it = v.begin(); it != v.end(); ++it) {
          const YAML::Node item = it->second;  // a copy: it-> is a temporary proxy
          CheckMap(item, Join(path, it->first.Scalar()), spec.children);
        }
        break;
      case FieldType::kAnyMap:
        if (!v.IsMap() && !v.IsNull()) Error(v, path, "expected a mapping, got " + Describe(v));
        break;
    }
  }

  static std::string Join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

  static std::string Describe(const YAML::Node& v) {
    if (v.IsNull()) return "nothing";
    if (v.IsSequence()) return "a list";
    if (v.IsMap()) return "a mapping";
    const std::string& s = v.Scalar();
    return "'" + (s.size() > 60 ? s.substr(0, 60) + "...' (" + std::to_string(s.size()) + " bytes)" : s + "'");
  }

  // "host:port" with a port of 1..65535; "" turns the endpoint off.
  static Status CheckListen(const std::string& listen) {
    if (listen.empty()) return Status::Ok();
    size_t colon = listen.rfind(':');
    std::string shown = "'" + listen.substr(0, 80) + "'";
    if (colon == std::string::npos || colon == 0)
      return Status::Error(shown + " is not host:port (e.g. 127.0.0.1:9464)");
    std::string port = listen.substr(colon + 1);
    int n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
      return Status::Error(shown + ": the port must be a number from 1 to 65535");
    }
    return Status::Ok();
  }

 private:
  // " (did you mean 'interval'?)" when a known key is one or two edits away.
  static std::string Suggest(const std::string& key, const std::vector<FieldSpec>& fields) {
    std::vector<std::string_view> keys;
    for (const auto& f : fields) keys.push_back(f.key);
    return DidYouMean(key, keys);
  }

  std::string file_;
  std::vector<std::string>* secrets_;
  std::vector<std::string> errors_;
};

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
    if (const auto a = root["alerts"]; a && a.IsMap()) ParseAlerts(a, v, &cfg);
    if (const auto dm = root["alerts"] ? root["alerts"]["deadman"] : YAML::Node(); dm && dm.IsMap()) {
      cfg.deadman_url = Str(dm["url"], "");
      if (!cfg.deadman_url.empty()) cfg.secrets.push_back(cfg.deadman_url);
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
