// netlify.toml as Netlify reads it for functions: the directory
// (functions.directory beats build.functions), per-function settings by name
// or glob, [[redirects]] targets, and type errors with their lines.
#include "agents/netlify/netlify_toml.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include "common/cron.h"

namespace redundancy::netlify {
namespace fs = std::filesystem;
namespace {

int LineOf(const toml::node* n) { return n ? static_cast<int>(n->source().begin.line) : 0; }

// Appends a problem found in the file.
struct Reporter {
  std::vector<Problem>* problems;
  void operator()(const std::string& file, int line, int col, const std::string& severity, const std::string& rule,
                  const std::string& message) const {
    problems->push_back({file, line, col, severity, rule, message});
  }
};

void ReadFunctionSettings(const toml::table& t, const std::string& where, TomlFunctionSettings* s,
                          std::vector<Problem>* problems) {
  Reporter Add{problems};
  for (const auto& [key, value] : t) {
    std::string k(key.str());
    std::string path = where + "." + k;
    int line = LineOf(&value);
    if (k == "schedule") {
      if (!value.is_string()) {
        Add("netlify.toml", line, 0, "error", "toml-type", path + " must be a string");
        continue;
      }
      s->schedule = *value.value<std::string>();
      std::string why;
      if (!ValidCron(s->schedule, &why, CronRules{.aliases = true})) {
        Add("netlify.toml", line, 0, "error", "cron", path + " '" + s->schedule + "' " + why);
      }
    } else if (k == "node_bundler") {
      auto v = value.value<std::string>();
      static const std::set<std::string> ok = {"esbuild", "nft", "zisi", "none"};
      if (!v || !ok.count(*v))
        Add("netlify.toml", line, 0, "error", "toml-type", path + " must be one of esbuild, nft, zisi, none");
      else
        s->node_bundler = *v;
    } else if (k == "included_files" || k == "external_node_modules" || k == "ignored_node_modules") {
      const toml::array* a = value.as_array();
      bool ok = a != nullptr;
      if (a) {
        for (const auto& item : *a) ok = ok && item.is_string();
      }
      if (!ok) Add("netlify.toml", line, 0, "error", "toml-type", path + " must be an array of strings");
    } else if (k == "background") {
      if (!value.is_boolean())
        Add("netlify.toml", line, 0, "error", "toml-type", path + " must be true or false");
      else
        s->background = *value.value<bool>();
    } else if (k == "vcpu") {
      auto v = value.value<double>();
      if (!v || *v < 0.5 || *v > 2)
        Add("netlify.toml", line, 0, "error", "toml-type", path + " must be a number from 0.5 to 2");
    } else if (k == "memory") {
      auto v = value.value<int64_t>();
      if (!v || *v < 1024 || *v > 4096)
        Add("netlify.toml", line, 0, "error", "toml-type", path + " must be 1024 to 4096 (MB)");
    } else if (k == "timeout") {
      if (!value.is_number()) Add("netlify.toml", line, 0, "error", "toml-type", path + " must be a number of seconds");
    } else if (k != "directory") {
      Add("netlify.toml", line, 0, "warning", "toml-key", path + ": unknown setting");
    }
  }
}

}  // namespace

TomlFacts ReadNetlifyToml(const std::string& project_dir, std::vector<Problem>* problems) {
  TomlFacts facts;
  Reporter Add{problems};
  std::string path = project_dir + "/netlify.toml";
  if (!fs::exists(path)) return facts;
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    Add("netlify.toml", static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column), "error",
        "toml-syntax", std::string(e.description()));
    return facts;
  }
  auto want_string = [&](const toml::node* n, const std::string& key) {
    if (n && !n->is_string()) Add("netlify.toml", LineOf(n), 0, "error", "toml-type", key + " must be a string");
  };
  if (const toml::table* build = tbl["build"].as_table()) {
    for (const char* k : {"command", "publish", "functions", "base", "edge_functions"})
      want_string(build->get(k), std::string("build.") + k);
    if (auto v = (*build)["functions"].value<std::string>()) {
      facts.functions_dir = *v;
      facts.functions_dir_line = LineOf(build->get("functions"));
    }
  } else if (tbl.get("build")) {
    Add("netlify.toml", LineOf(tbl.get("build")), 0, "error", "toml-type", "build must be a table");
  }
  if (const toml::node* fnode = tbl.get("functions")) {
    const toml::table* functions = fnode->as_table();
    if (!functions) {
      Add("netlify.toml", LineOf(fnode), 0, "error", "toml-type", "functions must be a table");
    } else {
      // Top-level settings apply to every function ("*"); sub-tables to the names/globs they name.
      TomlFunctionSettings all{"*"};
      all.line = LineOf(fnode);
      for (const auto& [key, value] : *functions) {
        std::string k(key.str());
        const toml::table* sub = value.as_table();
        if (k == "directory") {
          want_string(&value, "functions.directory");
          if (auto v = value.value<std::string>()) {
            facts.functions_dir = *v;  // beats build.functions
            facts.functions_dir_line = LineOf(&value);
          }
        } else if (sub) {
          TomlFunctionSettings s;
          s.glob = k;
          s.line = LineOf(&value);
          ReadFunctionSettings(*sub, "functions." + k, &s, problems);
          if (sub->get("directory")) {
            Add("netlify.toml", LineOf(sub->get("directory")), 0, "error", "toml-type",
                "functions." + k + ".directory: the functions directory can only be set as functions.directory");
          }
          facts.functions.push_back(s);
        } else {
          toml::table one;
          one.insert(key, value);
          ReadFunctionSettings(one, "functions", &all, problems);
        }
      }
      facts.functions.insert(facts.functions.begin(), all);
    }
  }
  if (const toml::node* r = tbl.get("redirects")) {
    if (const toml::array* arr = r->as_array()) {
      for (const auto& item : *arr) {
        if (const toml::table* t = item.as_table()) {
          if (auto to = (*t)["to"].value<std::string>()) facts.redirects.push_back({*to, LineOf(t->get("to"))});
        }
      }
    } else {
      Add("netlify.toml", LineOf(r), 0, "error", "toml-type", "redirects must be an array of tables ([[redirects]])");
    }
  }
  if (tbl.get("scheduled_functions")) {
    Add("netlify.toml", LineOf(tbl.get("scheduled_functions")), 0, "error", "toml-type",
        "there is no scheduled_functions table: set schedule under [functions.\"name\"]");
  }
  return facts;
}

}  // namespace redundancy::netlify
