// The manifest in zip-it-and-ship-it's shape: building it, writing it
// atomically with a backup, and telling when it no longer matches.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "agents/netlify/functions.h"
#include "agents/netlify/routes.h"
#include "common/file_util.h"
#include "common/json_text.h"

namespace redundancy::netlify {
namespace fs = std::filesystem;

nlohmann::json Manifest(const Discovery& d, int64_t timestamp_ms) {
  nlohmann::json fns = nlohmann::json::array();
  for (const auto& f : d.functions) {
    nlohmann::json m = {{"name", f.name},
                        {"mainFile", f.main_abs},
                        {"runtime", f.runtime},
                        {"priority", 10},
                        {"buildData", nlohmann::json::object()}};
    // The packager writes 2 or 1 for every JavaScript function (a zip or a
    // source it cannot parse deploys as v1), nothing for other runtimes.
    if (f.runtime == "js") m["buildData"]["runtimeAPIVersion"] = f.api_version == 2 ? 2 : 1;
    if (!f.bundler.empty()) m["bundler"] = f.bundler;
    if (!f.schedule.empty()) m["schedule"] = f.schedule;
    if (!f.invocation_mode.empty()) m["invocationMode"] = f.invocation_mode;
    if (!f.display_name.empty()) m["displayName"] = f.display_name;
    auto route_json = [](const std::string& pattern) {
      Route r;
      std::string why;
      ParseRoute(pattern, &r, &why);  // Discover kept only the routes that parse
      nlohmann::json j = {{"pattern", r.pattern}};
      if (!r.literal.empty())
        j["literal"] = r.literal;
      else
        j["expression"] = r.expression;
      return j;
    };
    if (!f.routes.empty()) {
      m["routes"] = nlohmann::json::array();
      for (const auto& p : f.routes) {
        nlohmann::json r = route_json(p);
        r["methods"] = f.methods;
        m["routes"].push_back(std::move(r));
      }
    }
    if (!f.excluded_routes.empty()) {
      m["excludedRoutes"] = nlohmann::json::array();
      for (const auto& p : f.excluded_routes) m["excludedRoutes"].push_back(route_json(p));
    }
    fns.push_back(std::move(m));
  }
  return {{"functions", fns},
          {"system", {{"arch", "x64"}, {"platform", "linux"}}},
          {"timestamp", timestamp_ms},
          {"version", 1}};
}

std::string WriteManifest(const std::string& path, const nlohmann::json& manifest) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (fs::exists(path, ec)) {
    fs::copy_file(path, path + ".bak", fs::copy_options::overwrite_existing, ec);
    if (ec) return "cannot keep the previous manifest as " + path + ".bak: " + ec.message();
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << JsonText(manifest, 2) << "\n";
    out.flush();
    if (!out) return "cannot write " + tmp;
  }
  fs::rename(tmp, path, ec);
  return ec ? "cannot replace " + path + ": " + ec.message() : "";
}

std::string ManifestStaleness(const std::string& path, const Discovery& d) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return "missing";
  auto j = nlohmann::json::parse(ReadWholeFile(path), nullptr, false);
  if (!j.is_object() || !j.contains("functions") || !j["functions"].is_array()) return "unparseable";
  std::set<std::string> in_manifest, found;
  for (const auto& f : j["functions"]) {
    if (f.is_object() && f.contains("name") && f["name"].is_string()) in_manifest.insert(f["name"].get<std::string>());
  }
  for (const auto& f : d.functions) found.insert(f.name);
  std::string missing, gone;
  for (const auto& n : found) {
    if (!in_manifest.count(n)) missing += (missing.empty() ? "" : ", ") + n;
  }
  for (const auto& n : in_manifest) {
    if (!found.count(n)) gone += (gone.empty() ? "" : ", ") + n;
  }
  if (!missing.empty() || !gone.empty()) {
    return "lists other functions than the tree" + (missing.empty() ? "" : ": lacks " + missing) +
           (gone.empty() ? "" : (missing.empty() ? ": " : "; ") + std::string("lists ") + gone + ", no longer there");
  }
  int64_t written = MtimeNs(path);
  for (const auto& f : d.functions) {
    if (f.mtime_ns > written) return f.main_file + " changed since it was written";
  }
  return "";
}

}  // namespace redundancy::netlify
