// The GitHub Actions workflow linter behind `redundancyctl lint-workflow` and
// the workflows agent. Checks, by actionlint's rule names: syntax-check (YAML,
// structure, unknown / duplicate keys, types), expression (parser, contexts
// and where they are available, functions and arity, steps/needs/matrix/inputs
// references), job-needs, runner-label, events, glob, matrix, permissions,
// action, id, credentials, if-cond, shell-name, env-var, workflow-call,
// deprecated-commands.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace redundancy::workflows {

struct LintProblem {
  int line = 0, col = 0;  // 1-based
  std::string message;
  std::string rule;
  std::string severity = "error";  // error | warning
};

struct LintOptions {
  std::set<std::string> runner_labels;  // extra self-hosted labels accepted
  std::string repo_root;                // for ./ reusable workflows and local actions ("" = not checked)
};

struct WorkflowFacts {
  bool parsed = false;                 // valid YAML with a mapping at the top
  std::set<std::string> secrets;       // secrets.X referenced (GITHUB_TOKEN excluded)
  std::set<std::string> vars;          // vars.X referenced
  std::vector<std::string> schedules;  // on.schedule crons
  std::string name;
};

struct LintResult {
  std::vector<LintProblem> problems;  // sorted by position
  WorkflowFacts facts;
  bool HasErrors() const;
};

LintResult LintWorkflow(const std::string& text, const LintOptions& options = {});

// "FILE:LINE:COL: message [rule]" (warnings say so).
std::string FormatProblem(const std::string& file, const LintProblem& p);

}  // namespace redundancy::workflows
