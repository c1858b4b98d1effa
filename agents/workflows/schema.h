// What GitHub Actions accepts today, as tables the linter consults: events
// with their activity types and filters, permission scopes, GitHub-hosted
// runner labels, shells, expression contexts and functions (and where each
// context is available), and the inputs of popular actions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace redundancy::workflows {

struct EventSpec {
  std::set<std::string> types;    // activity types ({} = the event has none)
  bool any_types = false;         // repository_dispatch: user-defined
  std::set<std::string> filters;  // branches, tags, paths, ... allowed under it
};
const std::map<std::string, EventSpec>& Events();

// Permission scopes and the values each accepts.
const std::map<std::string, std::set<std::string>>& PermissionScopes();

// GitHub-hosted runner labels of today; retired ones with the date they went.
const std::set<std::string>& RunnerLabels();
const std::map<std::string, std::string>& RetiredRunnerLabels();
const std::set<std::string>& SelfHostedLabels();  // self-hosted, linux, x64...

const std::set<std::string>& Shells();

struct FunctionSpec {
  int min_args, max_args;  // max -1 = variadic
  bool status = false;     // success() & co: only in `if`
};
const std::map<std::string, FunctionSpec>& Functions();  // lower-case names

// Properties of contexts with a fixed shape ({} = free-form keys).
const std::map<std::string, std::set<std::string>>& ContextProperties();

// A popular action at one version (agents/workflows/popular_actions.json,
// from each version's action.yml): its inputs, outputs and runtime.
struct ActionInput {
  std::string name;  // as the action spells it
  bool required = false;
  std::string deprecated;  // the deprecation message ("" = not deprecated)
};
struct ActionVersion {
  std::string runs;                           // node12 | node16 | node20 | node24 | docker | composite
  std::map<std::string, ActionInput> inputs;  // by lower-case name
  bool outputs_known = false;                 // false: outputs are made at run time
  std::set<std::string> outputs;              // lower-case
};
// `name` is "owner/repo" or "owner/repo/path" in lower case; `ref` the part
// after @ (v4, v4.1.2 -> v4, a branch such as stable). Null when unknown.
const ActionVersion* FindPopularAction(const std::string& name, const std::string& ref);
// "owner/repo[/path]@ref" split into its lower-case name and its ref; false
// when `uses` is not a remote action reference.
bool ParseActionRef(const std::string& uses, std::string* name, std::string* ref);
// The popular action a `uses:` names, or null.
const ActionVersion* PopularActionOf(const std::string& uses);

}  // namespace redundancy::workflows
