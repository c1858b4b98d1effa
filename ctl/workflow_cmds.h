// `redundancyctl lint-workflow` and `redundancyctl workflow run`: the
// workflows agent's linter and local runner as commands (no daemon needed).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace redundancy::ctl {

// Exit 0: no errors (warnings are printed), 1: errors found, 2: a file could not be read.
int LintWorkflows(const std::vector<std::string>& paths, const std::set<std::string>& runner_labels, bool json);

// Runs a workflow's run: steps locally; exit 0 when every job succeeded, 1 when one failed, 2 on usage errors.
int RunWorkflow(const std::string& file, const std::string& job, const std::string& workspace, bool json);

}  // namespace redundancy::ctl
