// Netlify functions as Netlify's packager (zip-it-and-ship-it) finds them,
// plus the problems it lets through: discovery from netlify.toml and the
// functions directory, v1/v2 detection, in-source config, schedules, routes,
// validation, and the manifest in the packager's shape. Shared by the netlify
// agent and `redundancyctl netlify functions|manifest`. Facts:
// ../shared/reference/netlify.md.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redundancy::netlify {

struct Problem {
  std::string file;  // relative to the project
  int line = 0, col = 0;
  std::string severity;  // error | warning
  std::string rule;
  std::string message;
};

struct Function {
  std::string name;
  std::string runtime = "js";  // js | go | rs
  std::string main_file;       // relative to the functions directory
  std::string main_abs;
  int api_version = 0;  // 1 | 2; 0 when the packager cannot tell: not JavaScript, a zip, a source that does not parse
  std::string schedule;
  std::string invocation_mode;               // "" | background | stream
  std::vector<std::string> routes;           // config.path patterns (v2)
  std::vector<std::string> methods;          // config.method, upper case ([] = every method)
  std::vector<std::string> excluded_routes;  // config.excludedPath patterns
  std::string bundler = "zisi";              // node_bundler: esbuild for .ts/.mjs/ESM unless set
  std::string display_name;
  uint64_t size_bytes = 0;  // the function's own files
  int64_t mtime_ns = 0;     // newest of its files, for staleness
};

// "v1 ", "v2 " or "" (unknown), for one-line listings.
std::string ApiLabel(const Function& f);

struct Discovery {
  std::string project_dir;
  std::string functions_dir;  // relative to the project ("" when none)
  std::string functions_dir_abs;
  std::vector<Function> functions;  // sorted by name
  std::vector<Problem> problems;
  bool HasErrors() const;
};

// node's verdicts on files, kept across discoveries (the agent keeps one):
// a file whose size and mtime did not change is not compiled again.
struct SyntaxCache {
  struct Entry {
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    std::string message;  // "" = compiles
    int line = 0, col = 0;
  };
  std::map<std::string, Entry> files;
};

struct DiscoverOptions {
  SyntaxCache* cache = nullptr;  // optional
  std::string node_bin = "node";
  std::string esbuild_bin = "esbuild";  // TypeScript; when missing, only the lexer's findings
  bool syntax_check = true;             // node for JS files, esbuild for TS (one process each for all of them)
  uint64_t max_function_bytes = 50ULL << 20;
  // The site's functions directory as set outside the repository (Netlify's UI,
  // the agent's `functions_dir`): netlify.toml beats it, it beats the
  // conventional netlify/functions. Relative to the project.
  std::string functions_dir;
};

Discovery Discover(const std::string& project_dir, const DiscoverOptions& options = {});

// `redundancyctl netlify functions --json`.
nlohmann::json DiscoveryJson(const Discovery& d);

// zip-it-and-ship-it's manifest.json: {functions: [...], system, timestamp, version: 1}.
nlohmann::json Manifest(const Discovery& d, int64_t timestamp_ms);

// Writes `manifest` to `path` atomically; an existing file is kept as `path`.bak first.
// Returns "" or an error.
std::string WriteManifest(const std::string& path, const nlohmann::json& manifest);

// Why the manifest at `path` no longer describes `d` ("" when it does): missing,
// unparseable, another set of functions, or a main file newer than it.
std::string ManifestStaleness(const std::string& path, const Discovery& d);

}  // namespace redundancy::netlify
