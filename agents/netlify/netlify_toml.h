// netlify.toml, the parts that decide the functions (netlify_toml.cc).
#pragma once

#include <string>
#include <vector>

#include "agents/netlify/functions.h"

namespace redundancy::netlify {

struct TomlFunctionSettings {
  std::string glob;
  std::string schedule;
  std::string node_bundler;
  bool background = false;
  int line = 0;
};

struct TomlFacts {
  std::string functions_dir;
  int functions_dir_line = 0;
  std::vector<TomlFunctionSettings> functions;
  struct Redirect {
    std::string to;
    int line = 0;
  };
  std::vector<Redirect> redirects;
};

// Reads <project_dir>/netlify.toml (none: empty facts); its problems are appended.
TomlFacts ReadNetlifyToml(const std::string& project_dir, std::vector<Problem>* problems);

}  // namespace redundancy::netlify
