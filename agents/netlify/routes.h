// Netlify function routes (`config.path` / `excludedPath` of v2 functions) as
// the packager records them: a path without wildcards, named groups, regex
// groups or braces is a literal; anything else becomes the regular expression
// of the URLPattern pathname (path-to-regexp rules: a "/" before a group is its
// prefix, `:name` matches one segment, `*` anything, `(re)` its own regex,
// `{...}` a group, `? * +` modifiers), anchored and with an optional trailing
// slash. Checked against @netlify/zip-it-and-ship-it's output in the tests.
#pragma once

#include <string>

namespace redundancy::netlify {

struct Route {
  std::string pattern;
  std::string literal;     // set when the path is a literal
  std::string expression;  // else the regular expression
};

// False with `error` set when `path` is not a valid route (no leading "/",
// unbalanced group, empty name...).
bool ParseRoute(const std::string& path, Route* out, std::string* error);

}  // namespace redundancy::netlify
