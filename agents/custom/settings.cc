#include "agents/custom/settings.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cstdlib>
#include <regex>
#include <set>

#include "common/file_util.h"
#include "common/paths.h"
#include "common/settings_reader.h"

namespace redundancy::custom {
namespace {

using T = FieldType;

// The keys of a command, in a check and in a recovery step.
std::vector<FieldSpec> ExecFields() {
  return {
      {"exec", T::kStringList}, {"shell", T::kBool}, {"timeout", T::kDuration, {}, {}, 1},
      {"env", T::kAnyMap},      {"user", T::kName},  {"cwd", T::kString},
      {"max_output", T::kSize},
  };
}

std::vector<FieldSpec> StepFields() {
  auto f = ExecFields();
  f.push_back({"wait", T::kDuration, {}, {}, 0});
  f.push_back({"restart_check_after", T::kDuration, {}, {}, 1});
  f.push_back({"ignore_failure", T::kBool});
  return f;
}

std::vector<FieldSpec> CheckFields() {
  auto f = ExecFields();
  f.insert(f.begin(), {"name", T::kName, {}, {}, 0, true});
  f.push_back({"tcp", T::kString});
  f.push_back({"http",
               T::kMap,
               {},
               {{"url", T::kString, {}, {}, 0, true},
                {"expect_status", T::kInt, {}, {}, 100},
                {"expect_body", T::kString},
                {"expect_body_regex", T::kString},
                {"verify_tls", T::kBool},
                {"headers", T::kStringList}}});
  f.push_back({"file",
               T::kMap,
               {},
               {{"path", T::kString, {}, {}, 0, true},
                {"max_age", T::kDuration, {}, {}, 1},
                {"min_size", T::kSize},
                {"contains", T::kString}}});
  f.push_back(
      {"process",
       T::kMap,
       {},
       {{"pidfile", T::kString}, {"name", T::kString}, {"max_rss", T::kSize}, {"min_count", T::kInt, {}, {}, 1}}});
  f.push_back({"recover", T::kMapList, {}, StepFields()});
  f.push_back({"restore", T::kBool});
  return f;
}

// A failure at a key path: "checks[1].exec: ...".
struct Fail {
  std::string at, why;
};

std::string Path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string PathEnv() {
  const char* p = std::getenv("PATH");
  return p && *p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// The command keys of `node` over `base` (the system's env and user).
std::optional<Fail> ParseExec(const YAML::Node& node, const std::string& at, const std::string& workspace,
                              const ExecSpec& base, ExecSpec* out) {
  SettingsReader r(node);
  *out = base;
  out->argv = r.List("exec");
  out->shell = r.Bool("shell", false);
  out->timeout = r.Dur("timeout", base.timeout);
  out->user = r.Str("user", base.user);
  out->cwd = r.Has("cwd") ? r.Path("cwd", ".", workspace) : base.cwd.empty() ? workspace : base.cwd;
  if (r.Has("cwd")) {
    struct stat st;
    if (stat(out->cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Fail{Path(at, "cwd"), out->cwd + " is not a directory"};
  }
  out->max_output = r.Size("max_output", base.max_output);
  if (const YAML::Node env = r.Node("env"); env.IsMap()) {
    for (auto it = env.begin(); it != env.end(); ++it) {
      std::string k = it->first.Scalar();
      if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos)
        return Fail{Path(at, "env"), "'" + k.substr(0, 60) + "' is not a variable name"};
      if (!it->second.IsScalar()) return Fail{Path(at, "env." + k), "expected a string"};
      out->env.emplace_back(k, it->second.Scalar());
    }
  }
  if (!r.Has("exec")) return std::nullopt;
  if (out->argv.empty() || out->argv[0].empty()) return Fail{Path(at, "exec"), "an empty command"};
  if (out->shell) {
    // One command line for /bin/sh -c.
    std::string line;
    for (const auto& a : out->argv) line += (line.empty() ? "" : " ") + a;
    out->argv = {line};
    return std::nullopt;
  }
  if (node["exec"].IsScalar() && out->argv[0].find_first_of(" \t") != std::string::npos)
    return Fail{Path(at, "exec"), "'" + out->argv[0].substr(0, 60) +
                                      "' is one argument: give a list [command, arg, ...], or shell: true"};
  auto exe = FindExecutable(out->argv[0], workspace, PathEnv());
  if (!exe.ok()) return Fail{Path(at, "exec"), exe.error()};
  if (out->argv[0].find('/') != std::string::npos) out->argv[0] = *exe;
  if (!out->user.empty()) {
    passwd pw, *found = nullptr;
    char buf[4096];
    if (getpwnam_r(out->user.c_str(), &pw, buf, sizeof buf, &found) != 0 || !found)
      return Fail{Path(at, "user"), "no such user '" + out->user + "'"};
  }
  return std::nullopt;
}

std::optional<Fail> ParseSteps(const YAML::Node& list, const std::string& at, const std::string& workspace,
                               const ExecSpec& base, std::vector<Step>* out) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string p = at + "[" + std::to_string(i) + "]";
    SettingsReader r(list[i]);
    int kinds = r.Has("exec") + r.Has("wait") + r.Has("restart_check_after");
    if (kinds != 1) return Fail{p, "a step is one of exec, wait or restart_check_after"};
    Step s;
    s.ignore_failure = r.Bool("ignore_failure", false);
    if (r.Has("wait")) {
      s.kind = Step::Kind::kWait;
      s.wait = r.Dur("wait", Millis(0));
    } else if (r.Has("restart_check_after")) {
      s.kind = Step::Kind::kRecheck;
      s.wait = r.Dur("restart_check_after", Millis(30'000));
    } else {
      ExecSpec step_base = base;
      step_base.timeout = Millis(60'000);
      if (auto f = ParseExec(list[i], p, workspace, step_base, &s.exec)) return f;
    }
    out->push_back(std::move(s));
  }
  return std::nullopt;
}

std::optional<Fail> ParseCheck(const YAML::Node& node, const std::string& at, const std::string& workspace,
                               const ExecSpec& base, CheckSpec* c) {
  SettingsReader r(node);
  c->name = r.Str("name", "");
  if (c->name.empty() || c->name.size() > 100)
    return Fail{Path(at, "name"), "a check needs a name of 1 to 100 characters (its target is <system>:<name>)"};
  int kinds = r.Has("exec") + r.Has("tcp") + r.Has("http") + r.Has("file") + r.Has("process");
  if (kinds != 1)
    return Fail{at, kinds == 0 ? "check '" + c->name + "' needs one of exec, tcp, http, file or process"
                               : "check '" + c->name + "' has more than one of exec, tcp, http, file, process"};
  c->timeout = r.Dur("timeout", Millis(10'000));
  c->restore = r.Bool("restore", false);
  ExecSpec check_base = base;
  check_base.timeout = c->timeout;
  if (auto f = ParseExec(node, at, workspace, check_base, &c->exec)) return f;
  if (r.Has("exec")) {
    c->kind = CheckSpec::Kind::kExec;
  } else if (r.Has("tcp")) {
    c->kind = CheckSpec::Kind::kTcp;
    c->tcp = r.Str("tcp", "");
    size_t colon = c->tcp.rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(c->tcp.c_str() + colon + 1);
    if (colon == std::string::npos || colon == 0 || port < 1 || port > 65535 ||
        c->tcp.find_first_of(" \t\r\n") != std::string::npos)
      return Fail{Path(at, "tcp"), "'" + c->tcp.substr(0, 60) + "' is not host:port"};
  } else if (r.Has("http")) {
    c->kind = CheckSpec::Kind::kHttp;
    SettingsReader h = r.Sub("http");
    HttpSpec& s = c->http;
    s.url = h.Str("url", "");
    if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
      return Fail{Path(at, "http.url"), "'" + s.url.substr(0, 60) + "' is not an http:// or https:// URL"};
    s.expect_status = h.Int("expect_status", 0);
    if (s.expect_status > 599) return Fail{Path(at, "http.expect_status"), "not an HTTP status"};
    s.expect_body = h.Str("expect_body", "");
    s.expect_body_regex = h.Str("expect_body_regex", "");
    if (s.expect_body_regex.size() > 1024) return Fail{Path(at, "http.expect_body_regex"), "longer than 1 KB"};
    if (!s.expect_body_regex.empty()) {
      try {
        std::regex re(s.expect_body_regex);
      } catch (const std::regex_error& e) {
        return Fail{Path(at, "http.expect_body_regex"), std::string("not a regular expression: ") + e.what()};
      }
    }
    s.verify_tls = h.Bool("verify_tls", true);
    s.headers = h.List("headers");
    for (const auto& header : s.headers) {
      if (header.find(':') == std::string::npos || header.find_first_of("\r\n") != std::string::npos)
        return Fail{Path(at, "http.headers"), "'" + header.substr(0, 60) + "' is not 'Name: value'"};
    }
  } else if (r.Has("file")) {
    c->kind = CheckSpec::Kind::kFile;
    SettingsReader f = r.Sub("file");
    c->file.path = f.Path("path", "", workspace);
    c->file.max_age = f.Dur("max_age", Millis(0));
    c->file.min_size = f.Size("min_size", 0);
    c->file.contains = f.Str("contains", "");
  } else {
    c->kind = CheckSpec::Kind::kProcess;
    SettingsReader p = r.Sub("process");
    if (p.Has("pidfile") == p.Has("name")) return Fail{Path(at, "process"), "needs one of pidfile or name"};
    if (p.Has("pidfile")) c->process.pidfile = p.Path("pidfile", "", workspace);
    c->process.name = p.Str("name", "");
    if (p.Has("name") && (c->process.name.empty() || c->process.name.find('/') != std::string::npos))
      return Fail{Path(at, "process.name"), "a process name, without a directory"};
    c->process.max_rss = p.Size("max_rss", 0);
    c->process.min_count = p.Int("min_count", 1);
  }
  return ParseSteps(node["recover"], Path(at, "recover"), workspace, base, &c->recover);
}

}  // namespace

std::string Step::Describe() const {
  switch (kind) {
    case Kind::kWait:
      return "wait " + FormatDuration(wait);
    case Kind::kRecheck:
      return "restart_check_after " + FormatDuration(wait);
    case Kind::kExec:
      break;
  }
  std::string line = "exec";
  for (const auto& a : exec.argv) line += " " + a;
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

const char* KindName(CheckSpec::Kind kind) {
  switch (kind) {
    case CheckSpec::Kind::kExec:
      return "exec";
    case CheckSpec::Kind::kTcp:
      return "tcp";
    case CheckSpec::Kind::kHttp:
      return "http";
    case CheckSpec::Kind::kFile:
      return "file";
    case CheckSpec::Kind::kProcess:
      return "process";
  }
  return "?";
}

const SystemSpec& Spec() {
  static const SystemSpec spec{"custom",
                               {
                                   {"checks", T::kMapList, {}, CheckFields(), 0, true},
                                   {"recover", T::kMapList, {}, StepFields()},
                                   {"env", T::kAnyMap},
                                   {"user", T::kName},
                                   {"recovery",
                                    T::kMap,
                                    {},
                                    {{"max_attempts", T::kInt, {}, {}, 1},
                                     {"within", T::kDuration, {}, {}, 1},
                                     {"backoff_initial", T::kDuration, {}, {}, 0},
                                     {"backoff_max", T::kDuration, {}, {}, 0}}},
                               },
                               Millis(30'000),
                               {},
                               [](const YAML::Node& node, const std::string& workspace) {
                                 auto parsed = ParseSettings(node, workspace);
                                 return parsed.ok() ? std::string() : parsed.error();
                               }};
  return spec;
}

Result<Settings> ParseSettings(const YAML::Node& node, const std::string& workspace) {
  SettingsReader r(node);
  Settings s;
  ExecSpec base;
  base.user = r.Str("user", "");
  if (auto f = ParseExec(node, "", workspace, base, &base)) return Result<Settings>::Error(f->at + ": " + f->why);
  base.argv.clear();
  SettingsReader p = r.Sub("recovery");
  s.policy.max_attempts = p.Int("max_attempts", s.policy.max_attempts);
  s.policy.within = p.Dur("within", s.policy.within);
  s.policy.backoff_initial = p.Dur("backoff_initial", s.policy.backoff_initial);
  s.policy.backoff_max = p.Dur("backoff_max", s.policy.backoff_max);
  const YAML::Node checks = r.Node("checks");
  if (!checks.IsSequence() || checks.size() == 0)
    return Result<Settings>::Error("checks: a custom system needs checks");
  std::set<std::string> names;
  for (size_t i = 0; i < checks.size(); ++i) {
    std::string at = "checks[" + std::to_string(i) + "]";
    CheckSpec c;
    if (auto f = ParseCheck(checks[i], at, workspace, base, &c)) return Result<Settings>::Error(f->at + ": " + f->why);
    if (!names.insert(c.name).second)
      return Result<Settings>::Error(at + ".name: a second check named '" + c.name + "'");
    s.checks.push_back(std::move(c));
  }
  if (auto f = ParseSteps(r.Node("recover"), "recover", workspace, base, &s.recover))
    return Result<Settings>::Error(f->at + ": " + f->why);
  return s;
}

}  // namespace redundancy::custom
