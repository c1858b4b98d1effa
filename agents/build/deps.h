// Is node_modules what package-lock.json says? Answered in C++ without an npm
// process: npm's own hidden lockfile (node_modules/.package-lock.json) is
// trusted the way npm trusts it (every listed folder exists, none unlisted,
// and it is newer than each of them); otherwise every installed package.json
// is read. Also catches a package.json that disagrees with its lock, which
// `npm ci` rejects.
#pragma once

#include <string>
#include <vector>

namespace redundancy::build {

struct DepsReport {
  bool has_package_json = false;
  bool has_lock = false;
  bool has_node_modules = false;
  bool hidden_lockfile_used = false;  // the fast path applied
  bool lock_out_of_sync = false;      // package.json wants what the lock does not have: npm ci would refuse
  int expected = 0;                   // packages the lock installs
  int installed = 0;                  // of those, present with the locked version
  std::vector<std::string> problems;  // one line each: "missing lodash@4.17.21", "extraneous left-pad", ...
  std::string error;                  // a file that cannot be read or parsed: "<file>: <why>"
  bool ok() const { return error.empty() && problems.empty(); }
};

DepsReport CheckDependencies(const std::string& project_dir);

}  // namespace redundancy::build
