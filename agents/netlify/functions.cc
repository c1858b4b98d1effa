#include "agents/netlify/functions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "agents/netlify/js_source.h"
#include "agents/netlify/netlify_toml.h"
#include "agents/netlify/routes.h"
#include "agents/netlify/syntax_check.h"
#include "common/cron.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/process/process.h"

namespace redundancy::netlify {
namespace fs = std::filesystem;
namespace {

// Bounds for hostile trees: entries looked at per directory walk, bytes of a source read.
constexpr size_t kMaxEntries = 20'000;
constexpr size_t kMaxSourceBytes = 50u << 20;  // Netlify's own limit for a function

const std::vector<std::string> kExtensions = {".js", ".zip", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"};

// How specific a TOML functions glob is: its count of non-'*' characters.
int Specificity(const std::string& glob) {
  return static_cast<int>(std::count_if(glob.begin(), glob.end(), [](char c) { return c != '*'; }));
}

bool GlobMatch(const std::string& glob, const std::string& name) {
  // Only '*' is special (as in netlify.toml function keys).
  size_t g = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = n;
    } else if (g < glob.size() && glob[g] == name[n]) {
      ++g;
      ++n;
    } else if (star != std::string::npos) {
      g = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

class Discoverer {
 public:
  Discoverer(const std::string& dir, const DiscoverOptions& o) : o_(o) {
    std::error_code ec;
    d_.project_dir = fs::weakly_canonical(dir, ec).string();
    // The project's own esbuild (what its build uses) decides; the system's
    // (Debian's is 0.17, 2023) may not know newer TypeScript: its verdicts are warnings.
    std::string local = d_.project_dir + "/node_modules/esbuild/bin/esbuild";
    if (o_.syntax_check && access(local.c_str(), X_OK) == 0) {
      esbuild_ = local, esbuild_certain_ = true;
    } else if (o_.syntax_check && process::ResolveExe(o_.esbuild_bin).ok()) {
      esbuild_ = o_.esbuild_bin;
    }
  }

  Discovery Run() {
    toml_ = ReadNetlifyToml(d_.project_dir, &d_.problems);
    ResolveDirectory();
    if (!d_.functions_dir_abs.empty()) {
      ScanEntries();
      for (auto& f : d_.functions) Inspect(f);
      if (o_.syntax_check) {
        for (const auto& path : SyntaxCheck()) {
          for (auto& f : d_.functions) {
            if (f.main_abs == path) AsUnparsed(f);
          }
        }
      }
      CheckRedirects();
    }
    std::sort(d_.functions.begin(), d_.functions.end(),
              [](const Function& a, const Function& b) { return a.name < b.name; });
    return std::move(d_);
  }

 private:
  void Add(const std::string& file, int line, int col, const std::string& severity, const std::string& rule,
           const std::string& message) {
    d_.problems.push_back({file, line, col, severity, rule, message});
  }
  std::string Rel(const std::string& abs) const {
    std::error_code ec;
    return fs::relative(abs, d_.project_dir, ec).string();
  }

  static std::string Normal(const std::string& rel) { return fs::path(rel).lexically_normal().string(); }

  // Why a function's main file cannot be used, or "": a symlink loop, a link
  // out of the project (nothing outside it is read through a link), not a
  // regular file (a FIFO would block a read, /dev/zero never end it).
  std::string Unusable(const fs::path& p) const {
    if (std::string real = OutsideOf(p.string(), {d_.project_dir}); !real.empty()) {
      return "links outside the project (to " + real + ")";
    }
    return Unreadable(p.string());
  }

  void ResolveDirectory() {
    std::string rel = toml_.functions_dir;
    std::string where = "netlify.toml";
    if (!rel.empty() && !o_.functions_dir.empty() && Normal(rel) != Normal(o_.functions_dir)) {
      Add("netlify.toml", toml_.functions_dir_line, 0, "warning", "functions-dir",
          "netlify.toml sets the functions directory to " + rel + ", overriding the configured functions_dir " +
              o_.functions_dir + " (Netlify deploys " + rel + ")");
    }
    if (rel.empty() && !o_.functions_dir.empty()) {
      rel = o_.functions_dir;
      where = "functions_dir";
    }
    if (rel.empty()) {
      for (const char* cand : {"netlify/functions", "netlify-automatic-functions"}) {
        std::error_code cec;
        if (fs::is_directory(d_.project_dir + "/" + cand, cec)) {
          rel = cand;
          break;
        }
      }
      if (rel.empty()) return;  // no functions: not an error
    }
    std::error_code ec;
    std::string abs = fs::weakly_canonical(fs::path(d_.project_dir) / rel, ec).string();
    if (ec) {  // a symlink loop, most likely
      Add(where, toml_.functions_dir_line, 0, "error", "functions-dir",
          "functions directory " + rel + " cannot be resolved: " + ec.message());
      return;
    }
    if (abs.rfind(d_.project_dir + "/", 0) != 0 && abs != d_.project_dir) {
      Add(where, toml_.functions_dir_line, 0, "error", "functions-dir",
          "functions directory " + rel + " is outside the project");
      return;
    }
    fs::file_status st = fs::status(abs, ec);
    if (ec && fs::exists(fs::symlink_status(abs, ec))) {
      Add(where, toml_.functions_dir_line, 0, "error", "functions-dir",
          "functions directory " + rel + " cannot be resolved");
      return;
    }
    if (fs::exists(st) && !fs::is_directory(st)) {
      Add(where, toml_.functions_dir_line, 0, "error", "functions-dir", "functions directory " + rel + " is a file");
      return;
    }
    d_.functions_dir = Rel(abs);
    if (fs::is_directory(st)) {
      d_.functions_dir_abs = abs;
    } else if (where == "netlify.toml" || where == "functions_dir") {  // set, not guessed
      Add(where, toml_.functions_dir_line, 0, "warning", "functions-dir",
          "functions directory " + rel + " does not exist: no function is deployed");
    }
  }

  void ScanEntries() {
    struct Candidate {
      std::string main_abs, main_rel, runtime;
      bool is_dir = false;
      int rank = 0;  // lower wins among files
    };
    std::map<std::string, std::vector<Candidate>> by_name;
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (auto it = fs::directory_iterator(d_.functions_dir_abs, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      if (entries.size() >= kMaxEntries) {
        Add(d_.functions_dir, 0, 0, "error", "functions-dir",
            "more than " + std::to_string(kMaxEntries) +
                " entries in the functions directory; only the first are looked at");
        break;
      }
      entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
    for (const auto& e : entries) {
      std::string base = e.path().filename().string();
      if (base == "node_modules") continue;
      if (e.is_directory(ec)) {
        static const char* order[] = {"{n}.js",    "index.js",  "{n}.ts",    "index.ts", "{n}.mjs",
                                      "index.mjs", "{n}.cjs",   "index.cjs", "{n}.tsx",  "index.tsx",
                                      "{n}.mts",   "index.mts", "{n}.cts",   "index.cts"};
        std::string found;
        for (const char* pat : order) {
          std::string f = pat;
          if (f.rfind("{n}", 0) == 0) f = base + f.substr(3);
          if (fs::is_regular_file(e.path() / f, ec)) {
            found = f;
            break;
          }
        }
        std::string runtime = "js";
        if (found.empty()) {
          for (const std::string& go : {base + ".go", std::string("main.go")}) {
            if (fs::is_regular_file(e.path() / go, ec)) {
              found = go;
              runtime = "go";
              break;
            }
          }
        }
        if (found.empty()) continue;  // a directory without a main file is ignored
        if (std::string why = Unusable(e.path() / found); !why.empty()) {
          std::string rel = (e.path() / found).lexically_relative(d_.project_dir).string();
          Add(rel, 0, 0, "error", "unreadable", "function " + base + " is left out: " + rel + " " + why);
          continue;
        }
        by_name[base].push_back({(e.path() / found).string(), base + "/" + found, runtime, true, -1});
        continue;
      }
      std::string ext = e.path().extension().string();
      auto it = std::find(kExtensions.begin(), kExtensions.end(), ext);
      if (it == kExtensions.end()) continue;
      std::string name = e.path().stem().string();
      if (std::string why = Unusable(e.path()); !why.empty()) {
        std::string rel = e.path().lexically_relative(d_.project_dir).string();
        Add(rel, 0, 0, "error", "unreadable", "function " + name + " is left out: " + rel + " " + why);
        continue;
      }
      by_name[name].push_back({e.path().string(), base, "js", false, static_cast<int>(it - kExtensions.begin())});
    }
    for (auto& [name, cands] : by_name) {
      std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.rank < b.rank; });
      Function f;
      f.name = name;
      f.main_abs = cands[0].main_abs;
      f.main_file = cands[0].main_rel;
      f.runtime = cands[0].runtime;
      for (size_t i = 1; i < cands.size(); ++i) {
        Add(Rel(cands[i].main_abs), 0, 0, "warning", "duplicate",
            "function " + name + " is shadowed by " + cands[0].main_rel + " (" +
                (cands[0].is_dir ? "a directory beats a file" : "extension precedence") + ")");
      }
      // Size and newest file: the folder for directory functions, else the file.
      fs::path root = cands[0].is_dir ? fs::path(cands[0].main_abs).parent_path() : fs::path(cands[0].main_abs);
      if (cands[0].is_dir) {
        size_t seen = 0;
        for (auto rit = fs::recursive_directory_iterator(root, ec); rit != fs::recursive_directory_iterator();
             rit.increment(ec)) {
          if (ec || ++seen > kMaxEntries) break;
          if (rit->is_directory(ec) && rit->path().filename() == "node_modules") {
            rit.disable_recursion_pending();
            continue;
          }
          if (rit->is_regular_file(ec)) {
            uintmax_t size = rit->file_size(ec);
            if (!ec) f.size_bytes += size;
            f.mtime_ns = std::max(f.mtime_ns, MtimeNs(rit->path().string()));
          }
        }
      } else {
        uintmax_t size = fs::file_size(root, ec);
        f.size_bytes = ec ? 0 : size;
        f.mtime_ns = MtimeNs(root.string());
      }
      d_.functions.push_back(std::move(f));
    }
  }

  void Inspect(Function& f) {
    std::string file = Rel(f.main_abs);
    static const std::regex kName("^[A-Za-z0-9_-]+$");
    if (!std::regex_match(f.name, kName)) {
      Add(file, 0, 0, "error", "name",
          "function name '" + f.name + "' is not accepted by Netlify's deploy API (only letters, digits, _ and -)");
    }
    if (f.name == "___netlify-entry-point") Add(file, 0, 0, "error", "name", "'___netlify-entry-point' is reserved");
    static const std::regex kHelper(R"(^(\.|_)|\.(test|spec)$|^(utils?|helpers?|lib|shared|common)$)");
    if (std::regex_search(f.name, kHelper)) {
      Add(file, 0, 0, "warning", "helper",
          "'" + f.name +
              "' looks like a helper but is deployed as a function; move helpers out of the functions directory");
    }
    bool oversized = f.size_bytes > o_.max_function_bytes;
    if (oversized) {
      Add(file, 0, 0, "error", "size",
          "function " + f.name + " is " + std::to_string(f.size_bytes >> 20) + " MB, over Netlify's 50 MB limit");
    }
    // TOML settings: "*" first, then matching globs from least to most specific.
    std::vector<const TomlFunctionSettings*> matching;
    for (const auto& s : toml_.functions) {
      if (GlobMatch(s.glob, f.name)) matching.push_back(&s);
    }
    std::stable_sort(matching.begin(), matching.end(),
                     [](auto* a, auto* b) { return Specificity(a->glob) < Specificity(b->glob); });
    bool background = f.name.size() > 11 && f.name.compare(f.name.size() - 11, 11, "-background") == 0;
    std::string bundler;
    for (const auto* s : matching) {
      if (!s->schedule.empty()) f.schedule = s->schedule;
      if (!s->node_bundler.empty()) bundler = s->node_bundler;
      background = background || s->background;
    }
    if (f.runtime != "js" || (f.main_file.size() > 4 && f.main_file.compare(f.main_file.size() - 4, 4, ".zip") == 0)) {
      f.invocation_mode = background ? "background" : "";
      f.bundler = f.runtime == "js" ? "none" : "";
      return;
    }
    Unparsed& base = unparsed_[f.main_abs];
    base = {f.schedule, background, bundler, fs::path(f.main_abs).extension().string(), false};
    const std::string& ext = base.ext;
    bool ts = IsTypeScript(ext);
    AsUnparsed(f);                                            // until the source is read
    if (oversized && f.size_bytes > kMaxSourceBytes) return;  // said; not scanned
    auto text = ReadFileBounded(f.main_abs, kMaxSourceBytes);
    if (!text.ok()) {
      Add(file, 0, 0, "error", "unreadable", "function " + f.name + ": " + file + " " + text.error());
      return;
    }
    if (text->compare(0, 3, "\xEF\xBB\xBF") == 0) text->erase(0, 3);  // a UTF-8 BOM is not code
    SourceFacts src = ScanSource(*text);
    base.esm = ext == ".mjs" || (ext != ".cjs" && src.esm);
    bool lexer_decides = !src.syntax_error.empty() && ts && !esbuild_certain_;  // a firm verdict beats a hesitant one
    if (o_.syntax_check && (!ts || !esbuild_.empty()) && !lexer_decides) {
      using Kind = SyntaxJob::Kind;
      to_check_.push_back({f.main_abs, ts ? Kind::kTypeScript : base.esm ? Kind::kModule : Kind::kCommonJs});
    } else if (!src.syntax_error.empty()) {
      Add(file, src.syntax_line, src.syntax_col, "error", "syntax", src.syntax_error);
      return;  // the packager cannot parse it either
    }
    f.api_version = src.has_default_export && !src.has_handler_export ? 2 : 1;
    if (f.api_version == 1 && src.has_config_export) {
      Add(file, src.config_line, 0, "warning", "v1-config-ignored",
          "`export const config` is ignored for a v1 function (it exports `handler`); Netlify reads in-source config "
          "only for v2 functions");
    }
    if (f.api_version == 1 && !src.v1_schedule.empty()) {
      f.schedule = src.v1_schedule;
      std::string why;
      if (!ValidCron(f.schedule, &why, CronRules{.aliases = true})) {
        Add(file, src.v1_schedule_line, 0, "error", "cron", "schedule '" + f.schedule + "' " + why);
      }
    }
    if (f.api_version == 2) {
      const auto& c = src.config;
      if (auto it = c.find("schedule"); it != c.end() && it->second.kind == ConfigValue::Kind::kString) {
        f.schedule = it->second.text;  // in-source config beats the TOML
        std::string why;
        if (!ValidCron(f.schedule, &why, CronRules{.aliases = true})) {
          Add(file, src.config_line, 0, "error", "cron", "config.schedule '" + f.schedule + "' " + why);
        }
      }
      auto strings = [&](const char* key) {
        std::vector<std::string> v;
        auto it = c.find(key);
        if (it == c.end()) return v;
        if (it->second.kind == ConfigValue::Kind::kString)
          v.push_back(it->second.text);
        else if (it->second.kind == ConfigValue::Kind::kArray)
          v = it->second.items;
        else
          Add(file, src.config_line, 0, "error", "config-type",
              std::string("config.") + key + " must be a string or an array of strings");
        return v;
      };
      for (const char* key : {"path", "excludedPath"}) {
        for (const auto& p : strings(key)) {
          Route route;
          std::string why;
          if (!ParseRoute(p, &route, &why)) {
            Add(file, src.config_line, 0, "error", "config-path", std::string("config.") + key + " '" + p + "' " + why);
          } else {
            auto& list = key[0] == 'p' ? f.routes : f.excluded_routes;  // duplicates dropped, as the packager does
            if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
          }
        }
      }
      for (std::string m : strings("method")) {
        for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "OPTIONS", "DELETE", "HEAD"};
        if (!kMethods.count(m)) {
          Add(file, src.config_line, 0, "error", "config-method",
              "config.method '" + m + "' is not one of GET, POST, PUT, PATCH, OPTIONS, DELETE, HEAD");
        } else if (std::find(f.methods.begin(), f.methods.end(), m) == f.methods.end()) {
          f.methods.push_back(m);
        }
      }
      if (c.count("memory") && c.count("vcpu")) {
        Add(file, src.config_line, 0, "error", "config-type", "config.memory and config.vcpu cannot both be set");
      }
      if (auto it = c.find("background"); it != c.end() && it->second.text == "true") background = true;
      if (auto it = c.find("name"); it != c.end()) f.display_name = it->second.text;  // the manifest's displayName
      if (auto it = c.find("nodeBundler"); it != c.end()) bundler = it->second.text;
      if (!f.schedule.empty() && !f.routes.empty()) {
        Add(file, src.config_line, 0, "error", "schedule-with-path", "a scheduled function cannot also have a path");
      }
    }
    f.invocation_mode = background ? "background" : f.api_version == 2 ? "stream" : "";
    // The packager's choice: v2 always nft (unless "none"), else V1Bundler.
    f.bundler = f.api_version == 2 ? (bundler == "none" ? "none" : "nft") : V1Bundler(base);
    // Imports of packages that are not installed.
    for (const auto& imp : src.imports) {
      std::string pkg = PackageImported(imp.specifier);
      if (pkg.empty()) continue;
      bool found = false;
      for (fs::path dir = fs::path(f.main_abs).parent_path();; dir = dir.parent_path()) {
        if (fs::exists(dir / "node_modules" / pkg)) {
          found = true;
          break;
        }
        if (dir.string().size() <= d_.project_dir.size() || dir == dir.parent_path()) break;
      }
      if (!found)
        Add(file, imp.line, 0, "error", "missing-module",
            "imports '" + imp.specifier + "' but " + pkg + " is not installed");
    }
  }

  // What a function is when its source cannot be parsed, as the packager
  // treats it: no in-source config, API version unknown (v1 for packaging).
  struct Unparsed {
    std::string schedule;  // from netlify.toml
    bool background = false;
    std::string bundler;  // node_bundler from netlify.toml
    std::string ext;
    bool esm = false;
  };
  static bool IsTypeScript(const std::string& ext) {
    return ext == ".ts" || ext == ".tsx" || ext == ".mts" || ext == ".cts";
  }
  // The packager's choice for v1: the configured bundler; else esbuild for
  // .mjs and TypeScript, nft for ESM .js, zisi.
  static std::string V1Bundler(const Unparsed& b) {
    if (!b.bundler.empty()) return b.bundler;
    if (b.ext == ".mjs" || IsTypeScript(b.ext)) return "esbuild";
    return b.ext != ".cjs" && b.esm ? "nft" : "zisi";
  }
  void AsUnparsed(Function& f) const {
    const Unparsed& b = unparsed_.at(f.main_abs);
    f.api_version = 0;
    f.schedule = b.schedule;
    f.routes.clear();
    f.excluded_routes.clear();
    f.methods.clear();
    f.display_name.clear();
    f.invocation_mode = b.background ? "background" : "";
    f.bundler = V1Bundler(b);
  }

  // The main files that do not compile (cached verdicts for files whose size
  // and mtime did not change; node and esbuild for the rest).
  std::vector<std::string> SyntaxCheck() {
    std::vector<std::string> broken;
    std::vector<SyntaxJob> todo;
    std::map<std::string, SyntaxCache::Entry> stat;  // size and mtime before the check, for the cache
    for (const auto& job : to_check_) {
      std::error_code ec;
      uint64_t size = fs::file_size(job.path, ec);
      int64_t mtime = MtimeNs(job.path);
      stat[job.path] = {mtime, size, "", 0, 0};
      if (o_.cache) {
        auto it = o_.cache->files.find(job.path);
        if (it != o_.cache->files.end() && it->second.mtime_ns == mtime && it->second.size == size) {
          if (!it->second.message.empty()) {
            Add(Rel(job.path), it->second.line, it->second.col, "error", "syntax", it->second.message);
            broken.push_back(job.path);
          }
          continue;
        }
      }
      todo.push_back(job);
    }
    if (todo.empty()) return broken;
    std::vector<std::string> cannot_run;
    auto verdicts = CheckSyntax(todo, {o_.node_bin, esbuild_}, &cannot_run);
    for (const auto& why : cannot_run) Add(d_.functions_dir, 0, 0, "warning", "syntax", why);
    for (const auto& job : todo) {
      auto v = verdicts.find(job.path);
      if (v != verdicts.end()) {
        if (job.kind == SyntaxJob::Kind::kTypeScript && !esbuild_certain_) {
          Add(Rel(job.path), v->second.line, v->second.col, "warning", "syntax",
              v->second.message +
                  " (by the system's esbuild, which may not know newer TypeScript; install esbuild "
                  "in the project for a firm verdict)");
          continue;  // not cached: the verdict is not firm
        }
        Add(Rel(job.path), v->second.line, v->second.col, "error", "syntax", v->second.message);
        broken.push_back(job.path);
      }
      if (o_.cache && cannot_run.empty()) {
        auto& e = o_.cache->files[job.path] = stat[job.path];
        if (v != verdicts.end()) e.message = v->second.message, e.line = v->second.line, e.col = v->second.col;
      }
    }
    return broken;
  }

  void CheckRedirects() {
    std::set<std::string> names;
    for (const auto& f : d_.functions) names.insert(f.name);
    static const std::string kPrefix = "/.netlify/functions/";
    for (const auto& r : toml_.redirects) {
      if (r.to.rfind(kPrefix, 0) != 0) continue;
      std::string name = r.to.substr(kPrefix.size());
      name = name.substr(0, name.find_first_of("/?#"));
      if (name.empty() || name == ":splat" || name.find('*') != std::string::npos) continue;
      if (!names.count(name)) {
        Add("netlify.toml", r.line, 0, "error", "redirect-target",
            "redirect to " + r.to + ": there is no function " + name);
      }
    }
  }

  DiscoverOptions o_;
  Discovery d_;
  TomlFacts toml_;
  std::vector<SyntaxJob> to_check_;
  std::string esbuild_;  // "" when TypeScript is left to the lexer
  bool esbuild_certain_ = false;
  std::map<std::string, Unparsed> unparsed_;  // by main file
};

}  // namespace

std::string ApiLabel(const Function& f) { return f.api_version ? "v" + std::to_string(f.api_version) + " " : ""; }

bool Discovery::HasErrors() const {
  return std::any_of(problems.begin(), problems.end(), [](const Problem& p) { return p.severity == "error"; });
}

Discovery Discover(const std::string& project_dir, const DiscoverOptions& options) {
  return Discoverer(project_dir, options).Run();
}

nlohmann::json DiscoveryJson(const Discovery& d) {
  nlohmann::json j;
  j["functions_dir"] = d.functions_dir;
  j["functions"] = nlohmann::json::array();
  for (const auto& f : d.functions) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& r : f.routes) routes.push_back(r);
    nlohmann::json excluded = f.excluded_routes, methods = f.methods;
    j["functions"].push_back(
        {{"name", f.name},
         {"runtime", f.runtime},
         {"main_file", f.main_file},
         {"api_version", f.api_version ? nlohmann::json(f.api_version) : nlohmann::json()},
         {"schedule", f.schedule.empty() ? nlohmann::json() : nlohmann::json(f.schedule)},
         {"invocation_mode", f.invocation_mode.empty() ? nlohmann::json() : nlohmann::json(f.invocation_mode)},
         {"routes", routes},
         {"excluded_routes", excluded},
         {"methods", methods},
         {"bundler", f.bundler},
         {"size_bytes", f.size_bytes}});
  }
  j["problems"] = nlohmann::json::array();
  for (const auto& p : d.problems) {
    j["problems"].push_back({{"file", p.file},
                             {"line", p.line},
                             {"col", p.col},
                             {"severity", p.severity},
                             {"rule", p.rule},
                             {"message", p.message}});
  }
  return j;
}

}  // namespace redundancy::netlify
