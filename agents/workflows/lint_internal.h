// The linter's walker, shared by lint.cc (the file, `on`, permissions, env,
// expressions) and lint_jobs.cc (jobs, steps, matrix, needs).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "agents/workflows/expr.h"
#include "agents/workflows/lint.h"

namespace redundancy::workflows::internal {

// What an expression at some key may refer to.
struct Scope {
  std::set<std::string> contexts;  // available contexts
  bool status_functions = false;   // success() & co (if:)
  bool hash_files = false;
  bool script = false;           // an inline script (run:, github-script's script:): untrusted input is reported
  bool object_ok = false;        // a whole-value ${{ }} may be an object or array here (matrix, runs-on, container...)
  bool object_expected = false;  // ... and must be (env: ${{ }})
  const std::set<std::string>* steps = nullptr;   // earlier step ids (null = steps unavailable)
  const std::set<std::string>* needs = nullptr;   // the job's needs
  const std::set<std::string>* matrix = nullptr;  // matrix keys (null = unknown / dynamic)
};

// Available contexts by key, from GitHub's "Context availability" table.
Scope ScopeFor(const std::string& where);
// `s` where a whole-value ${{ }} may give an object or an array (and, with
// `expected`, must).
inline Scope Objects(Scope s, bool expected = false) {
  s.object_ok = true;
  s.object_expected = expected;
  return s;
}

class Linter {
 public:
  Linter(const std::string& text, const LintOptions& options) : text_(text), options_(options) { SplitLines(); }
  LintResult Run();

  // Reporting.
  void Add(const YAML::Mark& m, const std::string& message, const std::string& rule,
           const std::string& severity = "error");
  void AddAt(int line, int col, const std::string& message, const std::string& rule,
             const std::string& severity = "error");
  // Position of byte `offset` of a scalar's value in the source.
  std::pair<int, int> PosIn(const YAML::Node& scalar, size_t offset) const;

  // Structure helpers.
  using Pairs = std::vector<std::pair<YAML::Node, YAML::Node>>;
  // The pairs of a mapping, reporting duplicate keys and keys not in `allowed`
  // (when non-empty); false (reported) when `node` is not a mapping.
  bool Mapping(const YAML::Node& node, const YAML::Mark& where, const std::string& what,
               const std::set<std::string>& allowed, Pairs* out, bool report_type = true);
  bool IsExpr(const YAML::Node& n) const;  // a scalar that is exactly one ${{ }}
  void ExpectBool(const YAML::Node& n, const std::string& what, const std::string& rule = "syntax-check");
  void ExpectNumber(const YAML::Node& n, const std::string& what, const std::string& rule = "syntax-check");
  void ExpectString(const YAML::Node& n, const std::string& what);
  YAML::Mark MarkOf(const YAML::Node& n, const YAML::Mark& fallback) const;

  // Expressions: every ${{ }} in a scalar (or the whole scalar for `if`).
  void Expressions(const YAML::Node& n, const Scope& scope);
  void AllExpressions(const YAML::Node& n, const Scope& scope);  // recursive over maps / sequences
  void Condition(const YAML::Node& n, const Scope& scope);
  void CheckExpr(const Expr& e, const Scope& scope, const YAML::Node& n, size_t base);
  // Types (lint_types.cc): the type of an expression, reporting properties
  // that do not exist, dereferences of strings, comparisons of incompatible
  // types, format() placeholders and fromJSON() of broken JSON literals.
  struct Ty;
  std::shared_ptr<Ty> TypeCheck(const Expr& e, const Scope& scope, const YAML::Node& n, size_t base);
  void TemplateType(const Expr& e, const Scope& scope, const YAML::Node& n, size_t start, bool whole);
  std::shared_ptr<Ty> MatrixType() const;
  // Script injection: untrusted event data expanded into an inline script (lint_untrusted.cc).
  void Untrusted(const Expr& e, const YAML::Node& n, size_t base);

  // Sections.
  void On(const YAML::Node& on, const YAML::Mark& key);
  void Event(const std::string& name, const YAML::Node& key, const YAML::Node& value);
  void Inputs(const YAML::Node& inputs, bool call);
  void WorkflowCall(const YAML::Node& value);
  void Permissions(const YAML::Node& n, const YAML::Mark& key);
  void Env(const YAML::Node& n, const YAML::Mark& key, const Scope& scope);
  void Defaults(const YAML::Node& n, const YAML::Mark& key, const Scope& scope);
  void Concurrency(const YAML::Node& n, const YAML::Mark& key, const Scope& scope);
  void Globs(const YAML::Node& n, const std::string& filter);
  void Jobs(const YAML::Node& jobs, const YAML::Mark& key);  // lint_jobs.cc
  void Job(const std::string& id, const YAML::Node& key, const YAML::Node& job);
  void Steps(const YAML::Node& steps, const YAML::Mark& key, Scope base);
  void Step(const YAML::Node& step, std::set<std::string>* ids, const Scope& base);
  void Matrix(const YAML::Node& strategy, std::set<std::string>* keys, bool* dynamic);
  void RunsOn(const YAML::Node& n, const YAML::Mark& key);
  void Container(const YAML::Node& n, const YAML::Mark& key, const std::string& what, const Scope& scope, bool service);
  void ReusableCall(const YAML::Node& job, const Pairs& pairs);
  void Needs();
  void Uses(const YAML::Node& uses, const YAML::Node& with);
  void Shell(const YAML::Node& n);

  const std::string& text_;
  LintOptions options_;
  std::vector<std::string> lines_;
  mutable const std::string* newlines_of_ = nullptr;  // PosIn's cache: the scalar whose newlines are below
  mutable size_t newlines_size_ = 0;
  mutable std::vector<size_t> newlines_;
  LintResult result_;
  std::set<std::string> inputs_;  // declared inputs (dispatch + call)
  bool has_inputs_ = false;
  std::set<std::string> job_ids_;
  struct JobNeeds {
    YAML::Mark mark;
    std::vector<std::pair<std::string, YAML::Mark>> needs;
  };
  std::map<std::string, JobNeeds> needs_;
  std::set<std::string> current_needs_;
  bool in_workflow_call_outputs_ = false;
  std::map<std::string, std::vector<YAML::Node>> matrix_values_;  // the current job's static matrix values by key
  std::vector<YAML::Node> matrix_include_;                        // ... and its include rows
  bool matrix_static_ = false;                                    // every key and row known
  std::map<std::string, std::string> input_types_;                // declared inputs: string | number | boolean ...
  std::set<std::string> call_secrets_;                            // workflow_call secrets (lower case)
  bool call_secrets_declared_ = false;
  std::map<std::string, std::set<std::string>> job_outputs_;  // outputs each job declares (lower case)
  std::map<std::string, std::string> step_uses_;              // the current job's step ids -> uses:
  std::string job_os_;  // windows | linux | macos, from the current job's runs-on ("" = unknown)

 private:
  void SplitLines();
};

// std::regex recurses per character: values longer than this never match
// (a 26,000-character uses: overflowed the stack). Shared by every check.
constexpr size_t kMaxMatched = 1024;
template <class... A>
bool Match(const std::string& s, A&&... a) {
  return s.size() <= kMaxMatched && std::regex_match(s, std::forward<A>(a)...);
}

// Shared by lint.cc, lint_events.cc and lint_jobs.cc.
extern const std::regex kInputId;  // input and secret ids
std::string Lower(std::string s);
std::string Trim(const std::string& s);
std::vector<YAML::Node> Items(const YAML::Node& n);  // a scalar as one item, a sequence's items, else none // without
                                                     // leading and trailing white space
std::string Join(const std::set<std::string>& s);    // "a, b, c"

}  // namespace redundancy::workflows::internal
