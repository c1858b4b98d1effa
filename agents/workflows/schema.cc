// Tables from GitHub's documentation ("Events that trigger workflows",
// "Workflow syntax", "Contexts", "Expressions", "GitHub-hosted runners") as of
// late 2025, and the action.yml files of the popular actions.
#include "agents/workflows/schema.h"

namespace redundancy::workflows {
namespace {

const std::set<std::string> kPushFilters = {"branches",    "branches-ignore", "tags",
                                            "tags-ignore", "paths",           "paths-ignore"};
const std::set<std::string> kPrFilters = {"types", "branches", "branches-ignore", "paths", "paths-ignore"};
const std::set<std::string> kPrTypes = {"assigned",
                                        "unassigned",
                                        "labeled",
                                        "unlabeled",
                                        "opened",
                                        "edited",
                                        "closed",
                                        "reopened",
                                        "synchronize",
                                        "converted_to_draft",
                                        "locked",
                                        "unlocked",
                                        "enqueued",
                                        "dequeued",
                                        "milestoned",
                                        "demilestoned",
                                        "ready_for_review",
                                        "review_requested",
                                        "review_request_removed",
                                        "auto_merge_enabled",
                                        "auto_merge_disabled"};

EventSpec Typed(std::set<std::string> types) { return {std::move(types), false, {"types"}}; }

}  // namespace

const std::map<std::string, EventSpec>& Events() {
  static const auto* m = new std::map<std::string, EventSpec>{
      {"branch_protection_rule", Typed({"created", "edited", "deleted"})},
      {"check_run", Typed({"created", "rerequested", "completed", "requested_action"})},
      {"check_suite", Typed({"completed"})},
      {"create", {}},
      {"delete", {}},
      {"deployment", {}},
      {"deployment_status", {}},
      {"discussion", Typed({"created", "edited", "deleted", "transferred", "pinned", "unpinned", "labeled", "unlabeled",
                            "locked", "unlocked", "category_changed", "answered", "unanswered"})},
      {"discussion_comment", Typed({"created", "edited", "deleted"})},
      {"fork", {}},
      {"gollum", {}},
      {"image_version", {{"created", "ready"}, false, {"types", "names", "versions"}}},
      {"issue_comment", Typed({"created", "edited", "deleted"})},
      {"issues", Typed({"opened", "edited", "deleted", "transferred", "pinned", "unpinned", "closed", "reopened",
                        "assigned", "unassigned", "labeled", "unlabeled", "locked", "unlocked", "milestoned",
                        "demilestoned", "typed", "untyped"})},
      {"label", Typed({"created", "edited", "deleted"})},
      {"merge_group", {{"checks_requested"}, false, {"types", "branches", "branches-ignore"}}},
      {"milestone", Typed({"created", "closed", "opened", "edited", "deleted"})},
      {"page_build", {}},
      {"public", {}},
      {"pull_request", {kPrTypes, false, kPrFilters}},
      {"pull_request_review", Typed({"submitted", "edited", "dismissed"})},
      {"pull_request_review_comment", Typed({"created", "edited", "deleted"})},
      {"pull_request_target", {kPrTypes, false, kPrFilters}},
      {"push", {{}, false, kPushFilters}},
      {"registry_package", Typed({"published", "updated"})},
      {"release", Typed({"published", "unpublished", "created", "edited", "deleted", "prereleased", "released"})},
      {"repository_dispatch", {{}, true, {"types"}}},
      {"schedule", {}},
      {"status", {}},
      {"watch", Typed({"started"})},
      {"workflow_call", {{}, false, {"inputs", "outputs", "secrets"}}},
      {"workflow_dispatch", {{}, false, {"inputs"}}},
      {"workflow_run",
       {{"completed", "requested", "in_progress"}, false, {"types", "workflows", "branches", "branches-ignore"}}},
  };
  return *m;
}

const std::map<std::string, std::set<std::string>>& PermissionScopes() {
  static const std::set<std::string> rwn = {"read", "write", "none"};
  static const auto* m = new std::map<std::string, std::set<std::string>>{
      {"actions", rwn},
      {"attestations", rwn},
      {"checks", rwn},
      {"contents", rwn},
      {"deployments", rwn},
      {"discussions", rwn},
      {"id-token", {"write", "none"}},
      {"issues", rwn},
      {"models", {"read", "none"}},
      {"packages", rwn},
      {"pages", rwn},
      {"pull-requests", rwn},
      {"repository-projects", rwn},
      {"security-events", rwn},
      {"statuses", rwn},
  };
  return *m;
}

const std::set<std::string>& RunnerLabels() {
  static const auto* s = new std::set<std::string>{
      "ubuntu-latest",       "ubuntu-24.04",    "ubuntu-22.04",    "ubuntu-24.04-arm", "ubuntu-22.04-arm",
      "ubuntu-slim",         "windows-latest",  "windows-2025",    "windows-2022",     "windows-11-arm",
      "macos-latest",        "macos-26",        "macos-15",        "macos-14",         "macos-13",
      "macos-latest-large",  "macos-26-large",  "macos-15-large",  "macos-14-large",   "macos-13-large",
      "macos-latest-xlarge", "macos-26-xlarge", "macos-15-xlarge", "macos-14-xlarge",  "macos-13-xlarge",
      "macos-15-intel"};
  return *s;
}

const std::map<std::string, std::string>& RetiredRunnerLabels() {
  static const auto* m = new std::map<std::string, std::string>{
      {"ubuntu-16.04", "2021-09"}, {"ubuntu-18.04", "2023-04"}, {"ubuntu-20.04", "2025-04"},
      {"windows-2016", "2022-03"}, {"windows-2019", "2025-06"}, {"macos-10.15", "2022-12"},
      {"macos-11", "2024-06"},     {"macos-12", "2024-12"},     {"windows-latest-8-cores", "2023"}};
  return *m;
}

const std::set<std::string>& SelfHostedLabels() {
  static const auto* s =
      new std::set<std::string>{"self-hosted", "linux", "windows", "macos", "x64", "x86", "arm", "arm64"};
  return *s;
}

const std::set<std::string>& Shells() {
  static const auto* s = new std::set<std::string>{"bash", "pwsh", "python", "sh", "cmd", "powershell"};
  return *s;
}

const std::map<std::string, FunctionSpec>& Functions() {
  static const auto* m = new std::map<std::string, FunctionSpec>{
      {"contains", {2, 2}},      {"startswith", {2, 2}},   {"endswith", {2, 2}},        {"format", {1, -1}},
      {"join", {1, 2}},          {"tojson", {1, 1}},       {"fromjson", {1, 1}},        {"hashfiles", {1, -1}},
      {"success", {0, 0, true}}, {"always", {0, 0, true}}, {"cancelled", {0, 0, true}}, {"failure", {0, 0, true}},
      {"case", {3, -1}},
  };
  return *m;
}

const std::map<std::string, std::set<std::string>>& ContextProperties() {
  static const auto* m = new std::map<std::string, std::set<std::string>>{
      {"github",
       {"action",
        "action_path",
        "action_ref",
        "action_repository",
        "action_status",
        "actor",
        "actor_id",
        "api_url",
        "base_ref",
        "env",
        "event",
        "event_name",
        "event_path",
        "graphql_url",
        "head_ref",
        "job",
        "job_workflow_sha",
        "path",
        "ref",
        "ref_name",
        "ref_protected",
        "ref_type",
        "repository",
        "repository_id",
        "repository_owner",
        "repository_owner_id",
        "repositoryurl",
        "repository_visibility",
        "retention_days",
        "run_id",
        "run_number",
        "run_attempt",
        "secret_source",
        "server_url",
        "sha",
        "token",
        "triggering_actor",
        "workflow",
        "workflow_ref",
        "workflow_sha",
        "workspace",
        "output",
        "state",
        "step_summary"}},
      {"runner", {"name", "os", "arch", "temp", "tool_cache", "debug", "environment"}},
      {"job",
       {"status", "container", "services", "check_run_id", "workflow_ref", "workflow_sha", "workflow_repository",
        "workflow_file_path"}},
      {"strategy", {"fail-fast", "job-index", "job-total", "max-parallel"}},
  };
  return *m;
}

}  // namespace redundancy::workflows
