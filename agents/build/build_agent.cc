#include "agents/build/build_agent.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agents/build/semver.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/paths.h"
#include "common/process/git_head.h"
#include "common/process/process.h"

namespace redundancy::build {
namespace fs = std::filesystem;
namespace {

constexpr size_t kTailLines = 20;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t b = s.find_first_not_of(" \n\r");
  return b == std::string::npos ? "" : s.substr(b);
}

// The last `n` lines of a command's output.
std::string TailLines(const std::string& out, size_t n = kTailLines) {
  std::string t = Trim(out);
  size_t pos = t.size();
  for (size_t i = 0; i < n && pos != std::string::npos && pos > 0; ++i) pos = t.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? t : t.substr(pos + 1);
}

// npm's reason for failing: its first "npm error" lines that say something
// (not the log file pointer), else the last line.
std::string NpmReason(const std::string& out) {
  std::istringstream in(out);
  std::string reason;
  int taken = 0;
  for (std::string line; std::getline(in, line) && taken < 3;) {
    for (const char* p : {"npm error ", "npm ERR! "}) {
      if (line.rfind(p, 0) != 0) continue;
      std::string rest = line.substr(std::strlen(p));
      if (rest.find("A complete log") != std::string::npos || rest.find_first_not_of(' ') == std::string::npos)
        continue;
      reason += (reason.empty() ? "" : "; ") + rest;
      ++taken;
    }
  }
  if (!reason.empty()) return reason;
  std::string t = out;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string LastLine(const std::string& out) {
  std::string t = Trim(out);
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Newest mtime under `path` (a file or a folder; node_modules and .git skipped), and which file.
int64_t NewestUnder(const std::string& path, std::string* which) {
  std::error_code ec;
  int64_t best = -1;
  auto consider = [&](const std::string& p) {
    int64_t m = MtimeNs(p);
    if (m > best) {
      best = m;
      *which = p;
    }
  };
  if (!fs::is_directory(path, ec)) {
    consider(path);
    return best;
  }
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
  for (int guard = 0; it != end && guard < 200'000; it.increment(ec), ++guard) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name == "node_modules" || name == ".git") it.disable_recursion_pending();
      continue;
    }
    consider(it->path().string());
  }
  return best;
}

std::string Stamp(int64_t wall_ms) {
  time_t t = wall_ms / 1000;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

v1::CheckResult Result(const std::string& target, v1::HealthStatus st, const std::string& summary,
                       const std::string& details = "") {
  return MakeCheck(target, st, summary, details);
}

}  // namespace

Status BuildAgent::Configure(const AgentContext& ctx) {
  ctx_ = ctx;
  BuildSettings s = ParseSettings(ctx.settings, ctx.workspace);
  bool changed = s.dir != s_.dir || s.validate != s_.validate;
  s_ = std::move(s);
  if (changed) validate_ = ValidateRun();
  tools_key_.clear();
  deps_gave_up_ = false;
  gave_up_fingerprint_.clear();
  retry_.Reset();
  std::error_code ec;
  fs::create_directories(ctx.state_dir + "/build", ec);
  if (!fs::is_directory(s_.dir, ec)) return Status::Error("build.dir " + s_.dir + " is not a directory");
  return Status::Ok();
}

void BuildAgent::Emit(const std::string& target, const std::string& kind, const std::string& detail) {
  if (ctx_.emit) ctx_.emit(target, kind, detail);
}

std::string BuildAgent::Tool(const std::string& bin, std::string* version) {
  auto path = process::ResolveExe(bin);
  if (!path.ok()) return "";
  process::SpawnSpec spec;
  spec.exe = *path;
  spec.args = {"--version"};
  spec.cwd = s_.dir;
  spec.env = {{"npm_config_update_notifier", "false"}};
  auto r = process::RunCapture(spec, Millis(30'000));
  if (!r.ok() || r->exit.code != 0) return "";
  *version = LastLine(r->output);
  return *path;
}

// What the code looks like: HEAD plus the manifest files' mtimes. A change
// re-runs validate and ends a give-up.
std::string BuildAgent::Fingerprint() const {
  std::string head = Trim(ReadWholeFile(s_.dir + "/.git/HEAD"));
  if (head.rfind("ref: ", 0) == 0) {
    bool ok = false;
    std::string ref = Trim(ReadWholeFile(s_.dir + "/.git/" + head.substr(5), &ok));
    if (ok)
      head = ref;
    else
      head += "@" + std::to_string(MtimeNs(s_.dir + "/.git/packed-refs"));
  }
  return head + "|" + std::to_string(MtimeNs(s_.dir + "/package.json")) + "|" +
         std::to_string(MtimeNs(s_.dir + "/package-lock.json"));
}

v1::CheckResult BuildAgent::CheckNode() {
  // Versions are read once per binary (path and mtime), not on every check.
  auto node_path = process::ResolveExe(s_.node_bin);
  auto npm_path = process::ResolveExe(s_.npm_bin);
  std::string key = (node_path.ok() ? *node_path + "@" + std::to_string(MtimeNs(*node_path)) : "-") + "|" +
                    (npm_path.ok() ? *npm_path + "@" + std::to_string(MtimeNs(*npm_path)) : "-");
  if (key != tools_key_) {
    node_version_.clear();
    npm_version_.clear();
    Tool(s_.node_bin, &node_version_);
    Tool(s_.npm_bin, &npm_version_);
    tools_key_ = key;
  }
  std::vector<std::string> problems;
  if (node_version_.empty()) problems.push_back("node (" + s_.node_bin + ") not found or not working");
  if (npm_version_.empty()) problems.push_back("npm (" + s_.npm_bin + ") not found or not working");
  std::vector<std::string> notes;
  auto node_v = ParseVersion(node_version_);
  auto npm_v = ParseVersion(npm_version_);
  simdjson::dom::parser parser;
  simdjson::dom::element pkg;
  if (parser.load(s_.dir + "/package.json").get(pkg) == simdjson::SUCCESS) {
    for (const char* tool : {"node", "npm"}) {
      std::string_view range;
      if (pkg["engines"][tool].get_string().get(range) != simdjson::SUCCESS) continue;
      const auto& v = std::string(tool) == "node" ? node_v : npm_v;
      if (!v) continue;
      auto ok = Satisfies(std::string(range), *v);
      if (!ok)
        problems.push_back("package.json engines." + std::string(tool) + " \"" + std::string(range) +
                           "\" is not a valid range");
      else if (!*ok)
        problems.push_back(std::string(tool) + " " + v->ToString() + " does not satisfy engines." + tool + " \"" +
                           std::string(range) + "\"");
      else
        notes.push_back("engines." + std::string(tool) + " " + std::string(range));
    }
  }
  bool has_nvmrc = false;
  std::string nvmrc = ReadWholeFile(s_.dir + "/.nvmrc", &has_nvmrc);
  if (has_nvmrc && node_v) {
    if (auto want = NvmrcRange(nvmrc)) {
      if (Satisfies(*want, *node_v).value_or(false))
        notes.push_back(".nvmrc " + *want);
      else
        problems.push_back("node " + node_v->ToString() + " is not the " + *want + " that .nvmrc asks for");
    } else {
      notes.push_back(".nvmrc \"" + Trim(nvmrc) + "\" (not a version; not checked)");
    }
  }
  std::string figures =
      "node " + (node_version_.empty() ? "?" : node_version_) + ", npm " + (npm_version_.empty() ? "?" : npm_version_);
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    auto c = Result("build:node", v1::HEALTH_FAILED, all + " (" + figures + ")");
    c.set_gave_up(true);  // installing another node is a person's call
    return c;
  }
  std::string n;
  for (const auto& x : notes) n += ", " + x;
  return Result("build:node", v1::HEALTH_OK, figures + (n.empty() ? "" : "; matches " + n.substr(2)));
}

v1::CheckResult BuildAgent::CheckDeps() {
  deps_ = CheckDependencies(s_.dir);
  const DepsReport& d = deps_;
  auto c = Result("build:deps", v1::HEALTH_OK, "");
  (*c.mutable_metrics())["packages"] = d.expected;
  (*c.mutable_metrics())["problems"] = static_cast<double>(d.problems.size());
  if (!d.error.empty()) {
    c.set_status(v1::HEALTH_FAILED);
    auto committed = CorruptButCommitted();
    if (committed.empty()) {
      c.set_summary(d.error);
      c.set_gave_up(true);  // a person fixes the file
    } else {
      c.set_summary(d.error + "; the version committed at HEAD will be restored");
      c.set_restore(true);  // back to what the checkout holds: never waits for upstreams
    }
    return c;
  }
  if (!d.has_lock) {
    c.set_status(d.problems.empty() ? v1::HEALTH_OK : v1::HEALTH_DEGRADED);
    c.set_summary(d.problems.empty() ? "no dependencies" : d.problems[0] + ": installs are not reproducible");
    return c;
  }
  if (d.problems.empty()) {
    c.set_summary(std::to_string(d.expected) + " package(s) match package-lock.json" +
                  (d.hidden_lockfile_used ? " (npm's hidden lockfile)" : " (read each package.json)"));
    return c;
  }
  std::string details;
  for (size_t i = 0; i < d.problems.size() && i < 50; ++i) details += d.problems[i] + "\n";
  if (d.problems.size() > 50) details += "... and " + std::to_string(d.problems.size() - 50) + " more\n";
  c.set_status(v1::HEALTH_FAILED);
  c.set_summary(std::to_string(d.problems.size()) + " problem(s): " + d.problems[0] +
                (deps_gave_up_ ? "; gave up: a reinstall did not fix it" : ""));
  c.set_details(details);
  c.set_gave_up(deps_gave_up_);
  return c;
}

const BuildAgent::ValidateRun& BuildAgent::RunValidate() {
  ValidateRun v;
  v.ran = true;
  v.fingerprint = Fingerprint();
  v.at = clock_->Now();
  process::SpawnSpec spec;
  spec.exe = "/bin/sh";
  spec.args = {"-c", s_.validate};
  spec.cwd = s_.dir;
  spec.env = {{"npm_config_update_notifier", "false"}, {"CI", "true"}};
  auto started = clock_->Now();
  auto r = process::RunCapture(spec, s_.validate_timeout);
  auto ms = std::chrono::duration_cast<Millis>(clock_->Now() - started);
  v.duration = ms;
  if (!r.ok()) {
    v.summary = "cannot run validate: " + r.error();
  } else {
    v.tail = TailLines(r->output);
    v.ok = r->exit.code == 0 && !r->timed_out;
    v.summary = r->timed_out ? "validate timed out after " + FormatDuration(s_.validate_timeout)
                : v.ok       ? "validate passed in " + FormatDuration(ms)
                       : "validate " + r->exit.Describe() + " after " + FormatDuration(ms) + ": " + LastLine(r->output);
  }
  // History gets the changes of outcome, not every passing run.
  if (!validate_.ran || validate_.ok != v.ok) {
    Emit("build:validate", v.ok ? events::kValidateOk : events::kValidateFailed, "`" + s_.validate + "`: " + v.summary);
  }
  validate_ = std::move(v);
  return validate_;
}

v1::CheckResult BuildAgent::CheckValidate() {
  std::string fp = Fingerprint();
  bool stale = !validate_.ran || validate_.fingerprint != fp ||
               clock_->Now() - validate_.at >= s_.validate_interval.value_or(ctx_.interval);
  if (!gave_up_fingerprint_.empty() && gave_up_fingerprint_ != fp) gave_up_fingerprint_.clear();  // new code
  if (stale) RunValidate();
  auto c =
      Result("build:validate", validate_.ok ? v1::HEALTH_OK : v1::HEALTH_FAILED, validate_.summary, validate_.tail);
  (*c.mutable_metrics())["duration_seconds"] =
      static_cast<double>(validate_.duration.count()) / 1000.0;  // the build's duration
  if (!validate_.ok && !gave_up_fingerprint_.empty()) {
    c.set_gave_up(true);
    c.set_summary(validate_.summary + "; gave up until the code changes");
  }
  return c;
}

v1::CheckResult BuildAgent::CheckArtifacts() {
  std::string newest_source;
  int64_t newest = -1;
  for (const auto& src : s_.sources) {
    std::string which;
    int64_t m = NewestUnder(ResolvePath(src, s_.dir), &which);
    if (m > newest) {
      newest = m;
      newest_source = which;
    }
  }
  std::vector<std::string> problems;
  for (const auto& a : s_.artifacts) {
    int64_t m = MtimeNs(ResolvePath(a, s_.dir));
    if (m < 0)
      problems.push_back(a + " is missing");
    else if (m < newest)
      problems.push_back(a + " is older than " + fs::relative(newest_source, s_.dir).string());
  }
  if (problems.empty()) {
    return Result("build:artifacts", v1::HEALTH_OK,
                  std::to_string(s_.artifacts.size()) + " artifact(s) present" +
                      (s_.sources.empty() ? "" : " and newer than their sources"));
  }
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
  return Result("build:artifacts", v1::HEALTH_FAILED, all);
}

std::vector<v1::CheckResult> BuildAgent::Check() {
  std::vector<v1::CheckResult> out;
  out.push_back(CheckNode());
  out.push_back(CheckDeps());
  // Validating on broken dependencies only repeats their failure.
  if (!s_.validate.empty() && deps_.ok()) out.push_back(CheckValidate());
  if (!s_.artifacts.empty()) out.push_back(CheckArtifacts());
  return out;
}

Status BuildAgent::ReinstallDeps() {
  const std::string nm = s_.dir + "/node_modules";
  const std::string stamp = Stamp(clock_->WallMs());
  std::error_code ec;
  // package.json and the lock as they are: put back whatever npm rewrites.
  bool has_pkg = false, has_lock = false;
  std::string pkg = ReadWholeFile(s_.dir + "/package.json", &has_pkg);
  std::string lock = ReadWholeFile(s_.dir + "/package-lock.json", &has_lock);
  std::string aside;
  if (fs::exists(nm, ec)) {
    aside = ctx_.state_dir + "/build/node_modules.old-" + stamp;
    fs::rename(nm, aside, ec);
    if (ec) {  // another filesystem: beside it, ignored by nothing but removed below
      aside = s_.dir + "/.node_modules.redundancy-old-" + stamp;
      fs::rename(nm, aside, ec);
      if (ec) return Status::Error("cannot move node_modules aside: " + ec.message());
    }
    Emit("build:deps", events::kBackup, "moved node_modules aside to " + aside);
  }
  auto npm = [&](std::vector<std::string> args, std::string* out) {
    process::SpawnSpec spec;
    spec.exe = s_.npm_bin;
    spec.args = std::move(args);
    spec.cwd = s_.dir;
    spec.env = {{"npm_config_update_notifier", "false"}, {"npm_config_fund", "false"}, {"npm_config_audit", "false"}};
    auto r = process::RunCapture(spec, s_.install_timeout);
    if (!r.ok()) {
      *out = r.error();
      return false;
    }
    *out = r->output;
    return r->exit.code == 0 && !r->timed_out;
  };
  auto started = clock_->Now();
  std::string out, method = "npm ci";
  bool ok = has_lock && npm({"ci", "--no-audit", "--no-fund"}, &out);
  bool lock_rejected = !has_lock || out.find("EUSAGE") != std::string::npos ||
                       out.find("in sync") != std::string::npos || out.find("Missing:") != std::string::npos ||
                       out.find("Invalid:") != std::string::npos;
  if (!ok && lock_rejected) {
    method = "npm install --no-save";
    ok = npm({"install", "--no-save", "--no-audit", "--no-fund"}, &out);
  }
  // Never leave the checkout dirty.
  if (has_pkg && ReadWholeFile(s_.dir + "/package.json") != pkg)
    std::ofstream(s_.dir + "/package.json", std::ios::binary) << pkg;
  if (has_lock && ReadWholeFile(s_.dir + "/package-lock.json") != lock)
    std::ofstream(s_.dir + "/package-lock.json", std::ios::binary) << lock;
  if (!has_lock && fs::exists(s_.dir + "/package-lock.json", ec)) fs::remove(s_.dir + "/package-lock.json", ec);
  auto ms = std::chrono::duration_cast<Millis>(clock_->Now() - started);
  if (!ok) {
    std::string why = method + " failed after " + FormatDuration(ms) + ": " + NpmReason(out);
    if (!aside.empty()) {
      fs::remove_all(nm, ec);
      fs::rename(aside, nm, ec);
      Emit("build:deps", events::kDepsRestored,
           ec ? "could not put the old node_modules back from " + aside + ": " + ec.message()
              : "put the old node_modules back");
    }
    Emit("build:deps", events::kDepsReinstallFailed, why);
    return Status::Error(why);
  }
  if (!aside.empty()) fs::remove_all(aside, ec);
  Emit("build:deps", events::kDepsReinstalled, method + " in " + FormatDuration(ms));
  return Status::Ok();
}

std::map<std::string, std::string> BuildAgent::CorruptButCommitted() const {
  std::map<std::string, std::string> out;
  for (const char* name : {"package.json", "package-lock.json"}) {
    bool present = false;
    std::string now = ReadWholeFile(s_.dir + "/" + name, &present);
    if (present && !nlohmann::json::parse(now, nullptr, false).is_discarded())
      continue;  // parses: a person's edit, kept
    auto committed = git_head::File(s_.dir, name);
    if (!committed || *committed == now || nlohmann::json::parse(*committed, nullptr, false).is_discarded()) continue;
    out[name] = std::move(*committed);
  }
  return out;
}

Status BuildAgent::RestoreFromHead(const std::map<std::string, std::string>& files) {
  std::error_code ec;
  std::string stamp = Stamp(clock_->WallMs());
  for (const auto& [name, text] : files) {
    std::string path = s_.dir + "/" + name;
    std::string kept;
    if (fs::exists(path, ec)) {
      kept = ctx_.state_dir + "/build/broken/" + name + "." + stamp;
      fs::create_directories(fs::path(kept).parent_path(), ec);
      fs::copy_file(path, kept, fs::copy_options::overwrite_existing, ec);
      if (ec)
        return Status::Error("cannot keep the corrupt " + name + " aside (" + ec.message() + "); not restoring it");
    }
    if (Status s = WriteFileAtomic(path, text); !s.ok()) return s;
    Emit("build:deps", events::kRestoredFromGit,
         "restored " + name + " from git HEAD" +
             (kept.empty() ? " (it had been deleted)" : "; the corrupt one is kept as " + kept));
  }
  return Status::Ok();
}

Status BuildAgent::Recover(const std::string& target, bool forced) {
  SteadyTime now = clock_->Now();
  if (auto committed = CorruptButCommitted(); !committed.empty() && (target.empty() || target == "build:deps")) {
    if (Status s = RestoreFromHead(committed); !s.ok()) return s;
  }
  if (forced) {
    retry_.Reset();
    deps_gave_up_ = false;
    gave_up_fingerprint_.clear();
  }
  if (!retry_.Ready(now)) return Status::Ok();  // backing off
  bool all = target.empty();
  deps_ = CheckDependencies(s_.dir);
  if ((all || target == "build:deps" || target == "build:validate" || target == "build:artifacts") && !deps_.ok() &&
      deps_.error.empty() && !deps_gave_up_) {
    if (Status s = ReinstallDeps(); !s.ok()) {
      retry_.Failed(now);
      return s;
    }
    deps_ = CheckDependencies(s_.dir);
    if (!deps_.ok()) {
      deps_gave_up_ = true;  // installed fine, still not what the lock says: the lock needs a person
      Emit("build:deps", events::kGaveUp, "reinstalled, still " + deps_.problems[0]);
      return Status::Error("dependencies still inconsistent: " + deps_.problems[0]);
    }
  }
  bool wants_validate = !s_.validate.empty() && (all || target == "build:validate" || target == "build:artifacts") &&
                        gave_up_fingerprint_.empty();
  if (wants_validate && (!validate_.ok || target == "build:artifacts" || (all && !s_.artifacts.empty()))) {
    if (!RunValidate().ok) {
      gave_up_fingerprint_ = validate_.fingerprint;  // retried once; the code itself is broken
      Emit("build:validate", events::kGaveUp, validate_.summary);
      return Status::Error(validate_.summary);
    }
  }
  retry_.Reset();
  return Status::Ok();
}

Status BuildAgent::Deploy(const std::string& revision) {
  // A new revision: dependencies as its lock says, then validate on it, then artifacts.
  auto node = CheckNode();
  if (node.status() == v1::HEALTH_FAILED) return Status::Error(node.summary());
  deps_ = CheckDependencies(s_.dir);
  if (!deps_.error.empty()) return Status::Error(deps_.error);
  if (!deps_.ok()) {
    if (Status s = ReinstallDeps(); !s.ok()) return s;
    deps_ = CheckDependencies(s_.dir);
    if (!deps_.ok()) return Status::Error("dependencies still inconsistent after reinstalling: " + deps_.problems[0]);
  }
  if (!s_.validate.empty()) {
    if (!RunValidate().ok) return Status::Error(validate_.summary);  // the output tail is in build:validate's details
  }
  if (!s_.artifacts.empty()) {
    auto a = CheckArtifacts();
    if (a.status() == v1::HEALTH_FAILED) return Status::Error(a.summary());
  }
  gave_up_fingerprint_.clear();
  deps_gave_up_ = false;
  retry_.Reset();
  return Status::Ok();
}

std::optional<Millis> BuildAgent::NextCheckWithin() { return retry_.Remaining(clock_->Now()); }

}  // namespace redundancy::build
