#include "agents/pm2/ecosystem.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/cron.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/process/process.h"
#include "common/yaml_bounded.h"

namespace redundancy::pm2 {
namespace fs = std::filesystem;
namespace {

const std::set<std::string>& KnownKeys() {
  static const auto* keys = new std::set<std::string>{"name",
                                                      "script",
                                                      "cwd",
                                                      "args",
                                                      "interpreter",
                                                      "interpreter_args",
                                                      "node_args",
                                                      "instances",
                                                      "exec_mode",
                                                      "watch",
                                                      "ignore_watch",
                                                      "watch_options",
                                                      "watch_delay",
                                                      "max_memory_restart",
                                                      "env",
                                                      "source_map_support",
                                                      "instance_var",
                                                      "filter_env",
                                                      "log_date_format",
                                                      "error_file",
                                                      "out_file",
                                                      "log_file",
                                                      "combine_logs",
                                                      "merge_logs",
                                                      "pid_file",
                                                      "min_uptime",
                                                      "listen_timeout",
                                                      "kill_timeout",
                                                      "shutdown_with_message",
                                                      "wait_ready",
                                                      "max_restarts",
                                                      "restart_delay",
                                                      "autorestart",
                                                      "cron_restart",
                                                      "vizion",
                                                      "post_update",
                                                      "force",
                                                      "namespace",
                                                      "exp_backoff_restart_delay",
                                                      "stop_exit_codes",
                                                      "time",
                                                      "log_type",
                                                      "disable_logs",
                                                      "increment_var",
                                                      "treekill",
                                                      "windowsHide",
                                                      "appendEnvToName",
                                                      "autostart",
                                                      "kill_retry_time",
                                                      "exec_interpreter",
                                                      "log",
                                                      "output",
                                                      "error",
                                                      "pid",
                                                      "port",
                                                      "uid",
                                                      "gid",
                                                      "user",
                                                      "username",
                                                      "version",
                                                      "node_version",
                                                      "ignoreWatch",
                                                      "execMode",
                                                      "combineLogs",
                                                      "mergeLogs",
                                                      "max_old_space_size",
                                                      "deep_monitoring",
                                                      "trace",
                                                      "disable_trace",
                                                      "pmx",
                                                      "automation",
                                                      "container",
                                                      "dist",
                                                      "docker_image",
                                                      "docker_tag",
                                                      "append_env_to_name",
                                                      "cron"};
  return *keys;
}

nlohmann::json YamlToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = YamlToJson(it->second);
    return o;
  }
  if (n.IsSequence()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : n) a.push_back(YamlToJson(e));
    return a;
  }
  if (n.IsNull()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: a string
  bool b;
  long long i;
  double d;
  if (YAML::convert<long long>::decode(n, i)) return i;
  if (YAML::convert<double>::decode(n, d)) return d;
  if (s == "true" || s == "false" || s == "True" || s == "False") return YAML::convert<bool>::decode(n, b) && b;
  return s;
}

// Best effort for JavaScript configs: the first line mentioning `needle`.
int FindLine(const std::string& text, const std::string& needle) {
  size_t pos = text.find(needle);
  if (pos == std::string::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

std::string AsString(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return JsonText(v);
}

}  // namespace

std::string EcosystemProblem::Format() const {
  return file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message;
}

bool Ecosystem::HasErrors() const {
  for (const auto& p : problems) {
    if (p.severity == "error") return true;
  }
  return false;
}

bool ValidMemorySize(const std::string& value) {
  static const std::regex re(R"(^\s*\d+(\.\d+)?\s*([KkMmGg][Bb]?)?\s*$)");
  return std::regex_match(value, re);
}

bool ValidCron(const std::string& value, std::string* why) {
  return redundancy::ValidCron(value, why, CronRules{.seconds_field = true});
}

Ecosystem LoadEcosystem(const std::string& path, const std::string& node_bin) {
  Ecosystem eco;
  eco.file = path;
  auto problem = [&](int line, const std::string& severity, const std::string& msg) {
    eco.problems.push_back({path, line, severity, msg});
  };
  auto read = ReadFileBounded(path, YamlLimits{}.max_bytes);
  if (!read.ok()) {
    problem(0, "error", "the ecosystem file " + read.error());
    return eco;
  }
  const std::string& text = *read;
  std::string ext = fs::path(path).extension().string();
  nlohmann::json root;
  std::map<std::string, int> key_lines;  // "<app index>.<key>" -> line, for JSON/YAML
  std::vector<int> app_lines;
  if (ext == ".js" || ext == ".cjs" || ext == ".mjs") {
    process::SpawnSpec spec;
    spec.exe = node_bin;
    std::string abs = fs::absolute(path).string();
    nlohmann::json quoted = abs;
    spec.args = {"--input-type=module", "-e",
                 "const m = await import(" + JsonText(quoted) +
                     "); const c = m.default ?? m;"
                     " process.stdout.write(JSON.stringify(c, (k, v) => typeof v === 'function' ? undefined : v));"};
    spec.die_with_parent = true;
    auto run = process::RunCapture(spec, std::chrono::seconds(20));
    if (!run.ok() || run->exit.code != 0) {
      std::string why = run.ok() ? run->output : run.error();
      if (why.size() > 400) why = why.substr(0, 400);
      problem(0, "error", "node cannot load it: " + why);
      return eco;
    }
    root = nlohmann::json::parse(run->output, nullptr, false);
    if (root.is_discarded()) {
      problem(0, "error", "node printed something that is not JSON");
      return eco;
    }
  } else {
    try {
      YAML::Node y = YAML::Load(text);
      if (auto bad = FindYamlBoundsProblem(y)) {
        problem(bad->mark.line + 1, "error", bad->message);
        return eco;
      }
      root = YamlToJson(y);
      YAML::Node apps = y.IsMap() ? y["apps"] : y;
      if (apps && apps.IsSequence()) {
        for (size_t i = 0; i < apps.size(); ++i) {
          app_lines.push_back(apps[i].Mark().line + 1);
          if (!apps[i].IsMap()) continue;
          for (auto it = apps[i].begin(); it != apps[i].end(); ++it) {
            key_lines[std::to_string(i) + "." + it->first.Scalar()] = it->first.Mark().line + 1;
          }
        }
      }
    } catch (const YAML::Exception& e) {
      problem(e.mark.line + 1, "error", "does not parse: " + e.msg);
      return eco;
    }
  }
  nlohmann::json apps = root.is_object() && root.contains("apps") ? root["apps"] : root;
  if (apps.is_object()) apps = nlohmann::json::array({apps});
  if (!apps.is_array()) {
    problem(1, "error", "no 'apps' list");
    return eco;
  }
  std::map<std::string, int> names;
  fs::path base = fs::path(path).parent_path();
  for (size_t i = 0; i < apps.size(); ++i) {
    const auto& app = apps[i];
    int app_line = i < app_lines.size() ? app_lines[i] : 0;
    auto line_of = [&](const std::string& key, const std::string& needle) {
      auto it = key_lines.find(std::to_string(i) + "." + key);
      if (it != key_lines.end()) return it->second;
      int l = FindLine(text, needle);
      return l ? l : app_line;
    };
    if (!app.is_object()) {
      problem(app_line, "error", "apps[" + std::to_string(i) + "] is not an object");
      continue;
    }
    std::string name = app.contains("name") ? AsString(app["name"]) : "";
    if (name.empty() && app.contains("script")) name = fs::path(AsString(app["script"])).stem().string();
    std::string label = "app '" + name + "'";
    if (app_line == 0) app_line = FindLine(text, name);
    for (auto it = app.begin(); it != app.end(); ++it) {
      if (!KnownKeys().count(it.key()) && it.key().rfind("env_", 0) != 0) {
        problem(line_of(it.key(), it.key()), "warning", label + ": unknown key '" + it.key() + "' (PM2 ignores it)");
      }
    }
    if (!app.contains("script") || AsString(app["script"]).empty()) {
      problem(app_line, "error", label + ": missing 'script'");
    } else {
      std::string script = AsString(app["script"]);
      fs::path cwd = app.contains("cwd") ? fs::path(AsString(app["cwd"])) : base;
      if (cwd.is_relative()) cwd = base / cwd;
      fs::path sp = fs::path(script).is_absolute() ? fs::path(script) : cwd / script;
      bool on_path = false;
      if (script.find('/') == std::string::npos && app.value("interpreter", "") == "none") {
        auto r =
            process::RunCapture({"/bin/sh", {"-c", "command -v " + script}, {}, "", true}, std::chrono::seconds(5));
        on_path = r.ok() && r->exit.code == 0;
      }
      std::error_code ec;
      if (!on_path && !fs::exists(sp, ec)) {
        problem(line_of("script", script), "error",
                label + ": script '" + script + "' not found (" + sp.string() + ")");
      }
    }
    if (app.contains("max_memory_restart")) {
      std::string v = AsString(app["max_memory_restart"]);
      if (!ValidMemorySize(
              app["max_memory_restart"].is_number() ? std::to_string(app["max_memory_restart"].get<long long>()) : v)) {
        problem(line_of("max_memory_restart", "max_memory_restart"), "error",
                label + ": max_memory_restart '" + v + "' is not a size like 200M or 1G");
      }
    }
    if (app.contains("cron_restart")) {
      std::string v = AsString(app["cron_restart"]);
      std::string why;
      if (!ValidCron(v, &why)) {
        problem(line_of("cron_restart", "cron_restart"), "error", label + ": cron_restart '" + v + "' " + why);
      }
    }
    if (!name.empty()) {
      if (auto [it, inserted] = names.emplace(name, app_line); !inserted) {
        problem(line_of("name", "'" + name + "'"), "error",
                label + ": duplicate name (first at line " + std::to_string(it->second) + ")");
      } else {
        eco.apps.push_back({name, app_line, app});
      }
    }
  }
  return eco;
}

}  // namespace redundancy::pm2
