// Runs a workflow's `run:` steps on this machine, the way a GitHub runner
// would in outline: jobs in needs order (a job whose needs failed is skipped
// unless its if: says otherwise), matrix combinations, env at every level,
// `${{ }}` in scripts and env, working-directory, shell, `if:` with
// success()/failure()/always(), continue-on-error, timeout-minutes, and the
// GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH files feeding steps.X.outputs,
// later steps' env and needs.X.outputs. `uses:` steps are skipped with a note
// (actions/checkout is a no-op: the workspace is the checkout). Used by
// `redundancyctl workflow run` and the agent's local_fallback.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redundancy::workflows {

struct StepRun {
  std::string name;
  std::string outcome = "skipped";  // success | failure | skipped
  std::string conclusion = "skipped";
  int exit_code = 0;
  std::string output;  // stdout + stderr (tail)
  std::string note;    // why it was skipped, or the uses: note
  double ms = 0;
};

struct JobRun {
  std::string id;                  // "build" or "build (node: 20)"
  std::string result = "skipped";  // success | failure | skipped
  std::vector<StepRun> steps;
  nlohmann::json outputs = nlohmann::json::object();
};

struct RunOptions {
  std::string workspace;  // where steps run
  std::string job;        // only this job and what it needs ("" = all)
  std::string event_name = "workflow_dispatch";
  nlohmann::json inputs = nlohmann::json::object();  // over the declared defaults
  nlohmann::json secrets = nlohmann::json::object();
  nlohmann::json vars = nlohmann::json::object();
  std::chrono::milliseconds default_step_timeout{std::chrono::minutes(30)};
  std::function<void(const JobRun&, const StepRun&)> on_step;  // progress
};

struct WorkflowRun {
  std::string error;  // the file could not be run (lint errors, unknown job...)
  std::vector<JobRun> jobs;
  bool ok() const;  // no error and no failed job
  nlohmann::json Json() const;
};

WorkflowRun RunWorkflowFile(const std::string& path, const RunOptions& options);

}  // namespace redundancy::workflows
