// Agreement of `LintWorkflow` with actionlint on a set of files: same
// verdict per file (clean or not), same problems (rule and line:col), per
// rule. Used by `bash bench/run.sh workflows --peer`.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace redundancy::bench {

struct PeerProblem {
  int line = 0, col = 0;
  std::string rule;
};

// `peer`: actionlint's problems by file (a file absent = actionlint could not
// lint it: a crash). Prints the tables; returns false when a target is missed.
bool PrintAgreement(const std::vector<std::string>& files, const std::map<std::string, std::vector<PeerProblem>>& peer);

}  // namespace redundancy::bench
