#include "agents/build/deps.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <set>

namespace redundancy::build {
namespace fs = std::filesystem;
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

struct Entry {
  std::string version;
  bool link = false;
  bool optional = false;
};

std::string Str(element e, const char* key) {
  std::string_view s;
  return e[key].get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

bool Flag(element e, const char* key) {
  bool b = false;
  return e[key].get_bool().get(b) == simdjson::SUCCESS && b;
}

// The "packages" map of a lockfile: key (path below the project) -> entry.
// Only installed paths (those with a node_modules/ segment).
bool ReadPackages(element root, std::map<std::string, Entry>* out) {
  object packages;
  if (root["packages"].get_object().get(packages) != simdjson::SUCCESS) return false;
  for (auto [key, value] : packages) {
    std::string k(key);
    if (k.find("node_modules/") == std::string::npos) continue;
    Entry e;
    e.version = Str(value, "version");
    e.link = Flag(value, "link");
    e.optional = Flag(value, "optional");
    (*out)[k] = std::move(e);
  }
  return true;
}

// Name of the package at a lock key: what follows the last "node_modules/".
std::string NameOf(const std::string& key) {
  size_t at = key.rfind("node_modules/");
  return at == std::string::npos ? key : key.substr(at + 13);
}

std::map<std::string, std::string> DeclaredDeps(element e) {
  std::map<std::string, std::string> out;
  for (const char* field : {"dependencies", "devDependencies", "optionalDependencies"}) {
    object deps;
    if (e[field].get_object().get(deps) != simdjson::SUCCESS) continue;
    for (auto [name, spec] : deps) {
      std::string_view s;
      out[std::string(name)] = spec.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
    }
  }
  return out;
}

bool Mtime(const std::string& path, struct timespec* ts) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  *ts = st.st_mtim;
  return true;
}

bool Newer(const timespec& a, const timespec& b) {  // a > b
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

// Folders directly in node_modules (scoped ones as "@scope/name"), as lock keys.
std::set<std::string> TopLevelFolders(const std::string& nm) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(nm, ec)) {
    std::string name = d.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // .bin, .package-lock.json, .cache
    if (name[0] == '@') {
      for (const auto& s : fs::directory_iterator(d.path(), ec)) {
        out.insert("node_modules/" + name + "/" + s.path().filename().string());
      }
    } else {
      out.insert("node_modules/" + name);
    }
  }
  return out;
}

}  // namespace

DepsReport CheckDependencies(const std::string& project_dir) {
  DepsReport r;
  const std::string pkg_path = project_dir + "/package.json";
  const std::string lock_path = project_dir + "/package-lock.json";
  const std::string nm = project_dir + "/node_modules";
  std::error_code ec;
  r.has_package_json = fs::exists(pkg_path, ec);
  r.has_lock = fs::exists(lock_path, ec);
  r.has_node_modules = fs::is_directory(nm, ec);
  if (!r.has_package_json) {
    r.error = pkg_path + ": not found";
    return r;
  }
  simdjson::dom::parser pkg_parser, lock_parser, hidden_parser;
  element pkg, lock;
  if (auto err = pkg_parser.load(pkg_path).get(pkg); err) {
    r.error = pkg_path + ": " + simdjson::error_message(err);
    return r;
  }
  auto declared = DeclaredDeps(pkg);
  if (!r.has_lock) {
    if (!declared.empty())
      r.problems.push_back("no package-lock.json for " + std::to_string(declared.size()) + " declared dependencies");
    return r;
  }
  if (auto err = lock_parser.load(lock_path).get(lock); err) {
    r.error = lock_path + ": " + simdjson::error_message(err);
    return r;
  }
  std::map<std::string, Entry> expected;
  if (!ReadPackages(lock, &expected)) {
    r.error = lock_path + ": no \"packages\" section (lockfileVersion 1?); run npm install once with npm 7 or newer";
    return r;
  }
  // package.json against the lock's root entry: what npm ci checks first.
  element root;
  if (lock["packages"][""].get(root) == simdjson::SUCCESS) {
    auto locked = DeclaredDeps(root);
    for (const auto& [name, spec] : declared) {
      auto it = locked.find(name);
      if (it == locked.end()) {
        r.problems.push_back("package.json wants " + name + "@" + spec + ", package-lock.json does not have it");
        r.lock_out_of_sync = true;
      } else if (it->second != spec) {
        r.problems.push_back("package.json wants " + name + "@" + spec + ", package-lock.json has " + it->second);
        r.lock_out_of_sync = true;
      }
    }
    for (const auto& [name, spec] : locked) {
      if (!declared.count(name)) {
        r.problems.push_back("package-lock.json still lists " + name + ", package.json no longer does");
        r.lock_out_of_sync = true;
      }
    }
  }
  r.expected = 0;
  for (const auto& [k, e] : expected) r.expected += e.optional ? 0 : 1;
  if (!r.has_node_modules) {
    if (r.expected > 0)
      r.problems.push_back("node_modules is missing (" + std::to_string(r.expected) + " packages locked)");
    return r;
  }

  // What is installed: npm's hidden lockfile when npm itself would trust it.
  std::map<std::string, Entry> installed;
  std::set<std::string> top = TopLevelFolders(nm);
  const std::string hidden_path = nm + "/.package-lock.json";
  element hidden;
  timespec hidden_mtime{};
  if (Mtime(hidden_path, &hidden_mtime) && hidden_parser.load(hidden_path).get(hidden) == simdjson::SUCCESS &&
      ReadPackages(hidden, &installed)) {
    // npm's rule (folders exist and are not newer), plus each folder's
    // package.json: an edit in place does not touch the folder's mtime.
    bool trusted = true;
    for (const auto& [key, e] : installed) {
      timespec m{}, pj{};
      std::string dir = project_dir + "/" + key;
      if (!Mtime(dir, &m) || Newer(m, hidden_mtime) || (Mtime(dir + "/package.json", &pj) && Newer(pj, hidden_mtime))) {
        trusted = false;
        break;
      }
    }
    for (const auto& key : top) {
      if (!installed.count(key)) trusted = false;
    }
    r.hidden_lockfile_used = trusted;
    if (!trusted) installed.clear();
  }
  if (!r.hidden_lockfile_used) {
    // Read each package's own package.json: the slow, always-right way.
    simdjson::dom::parser p;
    std::set<std::string> keys = top;
    for (const auto& [k, e] : expected) keys.insert(k);
    for (const auto& key : keys) {
      std::string dir = project_dir + "/" + key;
      if (!fs::exists(dir, ec)) continue;
      Entry e;
      e.link = fs::is_symlink(dir, ec);
      element j;
      if (p.load(dir + "/package.json").get(j) == simdjson::SUCCESS) e.version = Str(j, "version");
      installed[key] = std::move(e);
    }
  }
  for (const auto& [key, want] : expected) {
    auto it = installed.find(key);
    if (it == installed.end()) {
      if (!want.optional)
        r.problems.push_back("missing " + NameOf(key) + (want.version.empty() ? "" : "@" + want.version) + " (" + key +
                             ")");
      continue;
    }
    if (!want.link && !want.version.empty() && it->second.version != want.version) {
      r.problems.push_back("wrong version of " + NameOf(key) + ": installed " +
                           (it->second.version.empty() ? "unknown" : it->second.version) + ", locked " + want.version);
      continue;
    }
    ++r.installed;
  }
  for (const auto& [key, e] : installed) {
    if (!expected.count(key))
      r.problems.push_back("extraneous " + NameOf(key) + (e.version.empty() ? "" : "@" + e.version));
  }
  return r;
}

}  // namespace redundancy::build
