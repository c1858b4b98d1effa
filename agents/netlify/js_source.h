// What Netlify's packager needs to know of a function's source, read with a
// small JavaScript/TypeScript lexer (comments, strings, template literals and
// regular expressions are skipped correctly enough for module-level facts):
// its exports (v1 `handler` or v2 default), an in-source `export const config`
// object literal, a v1 `schedule("cron", ...)` wrapper, the modules it
// imports, and gross syntax errors (unbalanced brackets, unterminated strings
// or comments) for TypeScript, where node cannot check it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace redundancy::netlify {

struct ConfigValue {
  enum class Kind { kString, kNumber, kBool, kArray, kObject, kOther } kind = Kind::kOther;
  std::string text;                // string / number / bool as written
  std::vector<std::string> items;  // array of strings
};

struct SourceFacts {
  bool has_default_export = false;
  bool has_handler_export = false;
  bool esm = false;  // import/export statements at the top level
  bool has_config_export = false;
  int config_line = 0;
  std::map<std::string, ConfigValue> config;  // keys of `export const config = {...}`
  std::string v1_schedule;                    // schedule("cron", handler)
  int v1_schedule_line = 0;
  struct Import {
    std::string specifier;
    int line = 0;
  };
  std::vector<Import> imports;  // bare and relative specifiers of import/require/import()
  std::string syntax_error;     // "" when the lexer found nothing wrong
  int syntax_line = 0, syntax_col = 0;
};

SourceFacts ScanSource(const std::string& text);

// The npm package an import specifier names ("@scope/pkg/sub" -> "@scope/pkg",
// "pkg/sub" -> "pkg"), or "" when it names none: a relative or absolute path,
// a scheme ("node:fs", "https:..."), or one of Node's built-in modules.
std::string PackageImported(const std::string& specifier);

}  // namespace redundancy::netlify
