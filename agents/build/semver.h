// Node version rules as npm and nvm read them: `engines` ranges (node-semver
// syntax: comparators, ^ ~ x-ranges, hyphen ranges, ||) and `.nvmrc` lines.
// Pure logic, no I/O.
#pragma once

#include <optional>
#include <string>

namespace redundancy::build {

struct Version {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
  std::string ToString() const;
};

// "v20.11.1", "20.11.1", "20.11.1-pre" (prerelease tags are ignored).
std::optional<Version> ParseVersion(const std::string& text);

// Whether `v` satisfies the npm range `range` ("" and "*" match everything).
// An unparseable range yields nullopt, so callers can report it.
std::optional<bool> Satisfies(const std::string& range, const Version& v);

// The version asked for by an .nvmrc's text: the first line that is not a
// comment. nullopt when the file asks for nothing we can check ("lts/*",
// "node", "stable", an alias); otherwise a range ("20" -> 20.x, "v20.11.1" exact).
std::optional<std::string> NvmrcRange(const std::string& text);

}  // namespace redundancy::build
