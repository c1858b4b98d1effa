// The workflow linter: positions, structure helpers, the top-level keys,
// permissions, env and the expression checks. `on` is in lint_events.cc, jobs
// and steps in lint_jobs.cc.
#include <algorithm>
#include <cstdio>
#include <regex>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"
#include "common/yaml_bounded.h"

namespace redundancy::workflows {
namespace internal {

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

const std::regex kInputId("^[A-Za-z_][A-Za-z0-9_-]*$");

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

Scope ScopeFor(const std::string& where) {
  static const std::map<std::string, std::set<std::string>> kTable = {
      {"run-name", {"github", "inputs", "vars"}},
      {"workflow-concurrency", {"github", "inputs", "vars"}},
      {"workflow-env", {"github", "secrets", "inputs", "vars"}},
      {"job-concurrency", {"github", "needs", "strategy", "matrix", "inputs", "vars"}},
      {"job-env", {"github", "needs", "strategy", "matrix", "vars", "secrets", "inputs"}},
      {"job-environment", {"github", "needs", "strategy", "matrix", "vars", "inputs"}},
      {"job-environment-url",
       {"github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs"}},
      {"job-if", {"github", "needs", "vars", "inputs"}},
      {"job", {"github", "needs", "strategy", "matrix", "vars", "inputs"}},
      {"job-credentials", {"github", "needs", "strategy", "matrix", "env", "vars", "secrets", "inputs"}},
      {"job-outputs",
       {"github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets", "steps", "inputs"}},
      {"job-secrets", {"github", "needs", "strategy", "matrix", "secrets", "inputs", "vars"}},
      {"job-with", {"github", "needs", "strategy", "matrix", "inputs", "vars"}},
      {"job-strategy", {"github", "needs", "vars", "inputs"}},
      {"job-defaults-run", {"github", "needs", "strategy", "matrix", "env", "vars", "inputs"}},
      {"step", {"github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets", "steps", "inputs"}},
      {"step-if", {"github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs"}},
      {"call-input-default", {"github", "inputs", "vars"}},
      {"call-output-value", {"github", "jobs", "vars", "inputs"}},
  };
  Scope s;
  auto it = kTable.find(where);
  if (it != kTable.end()) s.contexts = it->second;
  s.status_functions = where == "job-if" || where == "step-if";
  s.hash_files = where.rfind("step", 0) == 0;
  return s;
}

void Linter::SplitLines() {
  size_t start = 0;
  while (start <= text_.size()) {
    size_t nl = text_.find('\n', start);
    if (nl == std::string::npos) nl = text_.size();
    lines_.push_back(text_.substr(start, nl - start));
    start = nl + 1;
  }
}

void Linter::AddAt(int line, int col, const std::string& message, const std::string& rule,
                   const std::string& severity) {
  result_.problems.push_back({line, col, message, rule, severity});
}

void Linter::Add(const YAML::Mark& m, const std::string& message, const std::string& rule,
                 const std::string& severity) {
  AddAt(m.line + 1, m.column + 1, message, rule, severity);
}

YAML::Mark Linter::MarkOf(const YAML::Node& n, const YAML::Mark& fallback) const {
  if (!n || n.IsNull() || n.Mark().line < 0) return fallback;
  return n.Mark();
}

std::pair<int, int> Linter::PosIn(const YAML::Node& scalar, size_t offset) const {
  YAML::Mark m = scalar.Mark();
  const std::string& v = scalar.Scalar();
  offset = std::min(offset, v.size());
  // The scalar's newlines, kept for the next position in the same scalar (a
  // string with thousands of problems was quadratic).
  if (newlines_of_ != &v || newlines_size_ != v.size()) {
    newlines_of_ = &v, newlines_size_ = v.size();
    newlines_.clear();
    for (size_t i = v.find('\n'); i != std::string::npos; i = v.find('\n', i + 1)) newlines_.push_back(i);
  }
  auto before = std::lower_bound(newlines_.begin(), newlines_.end(), offset);
  size_t k = static_cast<size_t>(before - newlines_.begin());
  size_t in_line = k == 0 ? offset : offset - *(before - 1) - 1;
  char style = m.line >= 0 && static_cast<size_t>(m.line) < lines_.size() &&
                       static_cast<size_t>(m.column) < lines_[m.line].size()
                   ? lines_[m.line][m.column]
                   : ' ';
  if (style == '|' || style == '>') {
    size_t first = m.line + 1;
    while (first < lines_.size() && Trim(lines_[first]).empty()) ++first;
    size_t indent = first < lines_.size() ? lines_[first].find_first_not_of(' ') : 0;
    if (indent == std::string::npos) indent = 0;
    return {static_cast<int>(m.line + 1 + k + 1), static_cast<int>(indent + in_line + 1)};
  }
  int quote = style == '"' || style == '\'' ? 1 : 0;
  if (k == 0) return {m.line + 1, static_cast<int>(m.column + quote + in_line + 1)};
  return {static_cast<int>(m.line + k + 1), static_cast<int>(in_line + 1)};
}

bool Linter::Mapping(const YAML::Node& node, const YAML::Mark& where, const std::string& what,
                     const std::set<std::string>& allowed, Pairs* out, bool report_type) {
  if (!node || !node.IsMap()) {
    if (report_type) Add(MarkOf(node, where), what + " must be a mapping", "syntax-check");
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;  // a copy: it-> is a temporary proxy
    if (!k.IsScalar()) {
      Add(k.Mark(), "a key of " + what + " must be a string", "syntax-check");
      continue;
    }
    if (k.Scalar() == "<<" && k.Tag() != "tag:yaml.org,2002:str") {
      Add(k.Mark(), "YAML merge keys (<<) are not supported by GitHub Actions; write the keys out", "syntax-check");
      continue;
    }
    if (!seen.insert(k.Scalar()).second) {
      Add(k.Mark(), "key \"" + k.Scalar() + "\" is duplicated in " + what, "syntax-check");
      continue;
    }
    if (!allowed.empty() && !allowed.count(k.Scalar())) {
      Add(k.Mark(), "unexpected key \"" + k.Scalar() + "\" for " + what + " (expected one of " + Join(allowed) + ")",
          "syntax-check");
      continue;
    }
    if (out) out->push_back({it->first, it->second});
  }
  return true;
}

bool Linter::IsExpr(const YAML::Node& n) const {
  if (!n || !n.IsScalar()) return false;
  std::string s = Trim(n.Scalar());
  auto ps = FindPlaceholders(s);
  return ps.size() == 1 && ps[0].start == 0 && ps[0].end == s.size();
}

void Linter::ExpectBool(const YAML::Node& n, const std::string& what, const std::string& rule) {
  if (IsExpr(n)) return;
  if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
    Add(n.Mark(), what + " must be true or false", rule);
  }
}

void Linter::ExpectNumber(const YAML::Node& n, const std::string& what, const std::string& rule) {
  if (IsExpr(n)) return;
  static const std::regex kNumber("^-?[0-9]+(\\.[0-9]+)?$");
  if (!n.IsScalar() || !Match(n.Scalar(), kNumber)) Add(n.Mark(), what + " must be a number", rule);
}

void Linter::ExpectString(const YAML::Node& n, const std::string& what) {
  if (n && !n.IsScalar()) Add(n.Mark(), what + " must be a string", "syntax-check");
}

// --- expressions --------------------------------------------------------------

void Linter::CheckExpr(const Expr& e, const Scope& scope, const YAML::Node& n, size_t base) {
  auto report = [&](const Expr& at, const std::string& message) {
    auto [line, col] = PosIn(n, base + at.pos);
    AddAt(line, col, message, "expression");
  };
  switch (e.kind) {
    case Expr::Kind::kVar: {
      static const std::set<std::string> kKnown = {"github", "env",     "vars",     "job",    "jobs",  "steps",
                                                   "runner", "secrets", "strategy", "matrix", "needs", "inputs"};
      std::string name = Lower(e.text);
      if (!kKnown.count(name)) {
        report(e, "undefined variable \"" + e.text + "\" (contexts are " + Join(kKnown) + ")");
      } else if (!scope.contexts.count(name)) {
        report(e, "context \"" + e.text + "\" is not available here (available: " + Join(scope.contexts) + ")");
      }
      return;
    }
    case Expr::Kind::kProp: {
      const Expr& base_e = *e.args[0];
      const Expr* root = &e;  // property errors point at the start of the chain (steps.x.y -> "steps")
      while (!root->args.empty() && (root->kind == Expr::Kind::kProp || root->kind == Expr::Kind::kIndex))
        root = root->args[0].get();
      auto report = [&](const Expr&, const std::string& message) {
        auto [line, col] = PosIn(n, base + root->pos);
        AddAt(line, col, message, "expression");
      };
      if (base_e.kind == Expr::Kind::kVar && !e.star && scope.contexts.count(Lower(base_e.text))) {
        std::string ctx = Lower(base_e.text), prop = Lower(e.text);
        const auto& fixed = ContextProperties();
        if (auto it = fixed.find(ctx); it != fixed.end() && !it->second.count(prop)) {
          report(e, "property \"" + e.text + "\" is not defined in the " + ctx + " context");
        } else if (ctx == "steps" && scope.steps && !scope.steps->count(prop)) {
          report(
              e,
              "step \"" + e.text +
                  "\" is not defined before this point (step ids must be set with id: on an earlier step of this job)");
        } else if (ctx == "needs" && scope.needs && !scope.needs->count(prop)) {
          report(e, "job \"" + e.text + "\" is not in this job's needs" +
                        (scope.needs->empty() ? " (it has none)" : " (" + Join(*scope.needs) + ")"));
        } else if (ctx == "matrix" && scope.matrix && !scope.matrix->count(prop)) {
          report(e, "matrix has no key \"" + e.text + "\"" +
                        (scope.matrix->empty() ? "" : " (keys: " + Join(*scope.matrix) + ")"));
        } else if (ctx == "inputs" && !inputs_.count(prop)) {
          report(e, "input \"" + e.text + "\" is not declared" +
                        (has_inputs_ ? " (inputs: " + Join(inputs_) + ")" : " (the workflow declares no inputs)"));
        } else if (ctx == "jobs" && !job_ids_.count(prop)) {
          report(e, "job \"" + e.text + "\" is not defined");
        } else if (ctx == "secrets" && prop != "github_token") {
          result_.facts.secrets.insert(e.text);
        } else if (ctx == "vars") {
          result_.facts.vars.insert(e.text);
          static const std::regex kVarName("^[A-Za-z_][A-Za-z0-9_]*$");
          if (prop.rfind("github_", 0) == 0) {
            report(e,
                   "configuration variable \"" + e.text + "\" cannot exist: names starting with GITHUB_ are reserved");
          } else if (!Match(e.text, kVarName)) {
            report(e, "configuration variable \"" + e.text +
                          "\" cannot exist: names are letters, digits and _, not starting with a digit");
          }
        }
      }
      // steps.X.Y / needs.X.Y
      if (base_e.kind == Expr::Kind::kProp && !e.star && !base_e.star && base_e.args[0]->kind == Expr::Kind::kVar) {
        std::string ctx = Lower(base_e.args[0]->text), prop = Lower(e.text);
        if (ctx == "steps" && prop != "outputs" && prop != "conclusion" && prop != "outcome") {
          report(e, "property \"" + e.text + "\" of a step must be outputs, conclusion or outcome");
        } else if (ctx == "needs" && prop != "outputs" && prop != "result") {
          report(e, "property \"" + e.text + "\" of needs." + base_e.text + " must be outputs or result");
        }
      }
      CheckExpr(base_e, scope, n, base);
      return;
    }
    case Expr::Kind::kCall: {
      const auto& fns = Functions();
      auto it = fns.find(Lower(e.text));
      int argc = static_cast<int>(e.args.size());
      if (it == fns.end()) {
        report(e, "undefined function \"" + e.text + "\"");
      } else if (argc < it->second.min_args || (it->second.max_args >= 0 && argc > it->second.max_args)) {
        std::string want = it->second.max_args < 0 ? "at least " + std::to_string(it->second.min_args)
                           : it->second.min_args == it->second.max_args
                               ? std::to_string(it->second.min_args)
                               : std::to_string(it->second.min_args) + " to " + std::to_string(it->second.max_args);
        report(e, e.text + "() takes " + want + " argument(s), " + std::to_string(argc) + " given");
      } else if (it->second.status && !scope.status_functions) {
        report(e, e.text + "() is only available in if: conditions");
      } else if (it->first == "hashfiles" && !scope.hash_files) {
        report(e, "hashFiles() is only available in steps");
      }
      for (const auto& a : e.args) CheckExpr(*a, scope, n, base);
      return;
    }
    default:
      for (const auto& a : e.args) CheckExpr(*a, scope, n, base);
  }
}

void Linter::Expressions(const YAML::Node& n, const Scope& scope) {
  if (!n || !n.IsScalar()) return;
  const std::string& s = n.Scalar();
  auto placeholders = FindPlaceholders(s);
  bool whole = IsExpr(n);  // once: per placeholder it made a string of many ${{ }} quadratic
  for (const auto& p : placeholders) {
    if (p.end == std::string::npos) {
      auto [line, col] = PosIn(n, p.start);
      AddAt(line, col, "unterminated ${{ (no closing }})", "expression");
      return;
    }
    auto parsed = ParseExpr(p.inner);
    if (!parsed.root) {
      auto [line, col] = PosIn(n, p.start + 3 + parsed.error_pos);
      AddAt(line, col, "invalid expression: " + parsed.error, "expression");
      continue;
    }
    CheckExpr(*parsed.root, scope, n, p.start + 3);
    TemplateType(*parsed.root, scope, n, p.start, whole);
    if (scope.script) Untrusted(*parsed.root, n, p.start + 3);
  }
}

void Linter::AllExpressions(const YAML::Node& n, const Scope& scope) {
  if (!n) return;
  if (n.IsScalar()) return Expressions(n, scope);
  if (n.IsSequence()) {
    for (const auto& x : n) AllExpressions(x, scope);
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) AllExpressions(it->second, scope);
  }
}

void Linter::Condition(const YAML::Node& n, const Scope& scope) {
  if (!n || !n.IsScalar()) {
    if (n && !n.IsNull()) Add(n.Mark(), "if: must be a string or boolean expression", "syntax-check");
    return;
  }
  // Untrimmed: a block scalar's newline outside ${{ }} makes the condition a non-empty string too.
  const std::string& s = n.Scalar();
  auto ps = FindPlaceholders(s);
  if (ps.empty()) {
    auto parsed = ParseExpr(n.Scalar());
    if (!parsed.root) {
      auto [line, col] = PosIn(n, parsed.error_pos);
      AddAt(line, col, "invalid expression: " + parsed.error, "expression");
      return;
    }
    CheckExpr(*parsed.root, scope, n, 0);
    TypeCheck(*parsed.root, scope, n, 0);
    return;
  }
  if (!(ps.size() == 1 && ps[0].start == 0 && ps[0].end == s.size())) {
    Add(n.Mark(),
        "if: condition \"" + Trim(s) +
            "\" is always true: text outside ${{ }} makes it a non-empty string; put the whole condition inside ${{ }}",
        "if-cond");
  }
  Expressions(n, scope);
}

// --- top level ---------------------------------------------------------------------

LintResult Linter::Run() {
  YAML::Node root;
  const YamlLimits limits;
  if (text_.size() > limits.max_bytes) {
    AddAt(1, 1,
          "the file is " + std::to_string(text_.size() >> 10) + " KB, more than the " +
              std::to_string(limits.max_bytes >> 10) + " KB a workflow may have here",
          "syntax-check");
    return result_;
  }
  // Control characters (NUL, ESC...) are not text: GitHub refuses them; the first is reported.
  for (size_t i = 0, line = 1, col = 1; i < text_.size(); ++i, ++col) {
    unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '\n') {
      ++line, col = 0;
    } else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      AddAt(static_cast<int>(line), static_cast<int>(col),
            std::string("control character ") + hex + " is not allowed in a workflow", "syntax-check");
      break;
    }
  }
  try {
    root = YAML::Load(text_);
  } catch (const YAML::DeepRecursion& e) {
    AddAt(e.mark.line + 1, e.mark.column + 1, "could not parse as YAML: nested too deeply", "syntax-check");
    return result_;
  } catch (const YAML::Exception& e) {
    AddAt(e.mark.line + 1, e.mark.column + 1, "could not parse as YAML: " + e.msg, "syntax-check");
    return result_;
  }
  // Recursive aliases and alias bombs: refused before any walk of the tree.
  if (auto p = FindYamlBoundsProblem(root, limits)) {
    AddAt(p->mark.line + 1, p->mark.column + 1, p->message, "syntax-check");
    return result_;
  }
  YAML::Mark top;
  top.line = 0, top.column = 0;
  Pairs pairs;
  if (!Mapping(root, top, "the workflow",
               {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}, &pairs)) {
    return result_;
  }
  result_.facts.parsed = true;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> keys;
  for (const auto& [k, v] : pairs) keys[k.Scalar()] = {k, v};
  // Inputs first: expressions everywhere refer to them.
  if (keys.count("jobs") && keys["jobs"].second.IsMap()) {
    for (auto it = keys["jobs"].second.begin(); it != keys["jobs"].second.end(); ++it)
      job_ids_.insert(Lower(it->first.Scalar()));
  }
  if (keys.count("on"))
    On(keys["on"].second, keys["on"].first.Mark());
  else
    Add(top, "\"on\" section is missing: a workflow needs at least one event", "syntax-check");
  for (const auto& [k, v] : pairs) {
    std::string key = k.Scalar();
    if (key == "name") {
      ExpectString(v, "name");
      if (v.IsScalar()) result_.facts.name = v.Scalar();
    } else if (key == "run-name") {
      ExpectString(v, "run-name");
      Expressions(v, ScopeFor("run-name"));
    } else if (key == "permissions") {
      Permissions(v, k.Mark());
    } else if (key == "env") {
      Env(v, k.Mark(), ScopeFor("workflow-env"));
    } else if (key == "defaults") {
      Defaults(v, k.Mark(), ScopeFor("workflow-env"));
    } else if (key == "concurrency") {
      Concurrency(v, k.Mark(), ScopeFor("workflow-concurrency"));
    } else if (key == "jobs") {
      Jobs(v, k.Mark());
    }
  }
  if (!keys.count("jobs")) Add(top, "\"jobs\" section is missing", "syntax-check");
  return std::move(result_);
}

// --- permissions, env, defaults, concurrency ---------------------------------------

void Linter::Permissions(const YAML::Node& n, const YAML::Mark& key) {
  if (n && n.IsScalar()) {
    if (n.Scalar() != "read-all" && n.Scalar() != "write-all") {
      Add(n.Mark(), "permissions \"" + n.Scalar() + "\" must be read-all, write-all or a mapping of scopes",
          "permissions");
    }
    return;
  }
  if (n && n.IsMap() && n.size() == 0) return;
  Pairs pairs;
  if (!Mapping(n, key, "permissions", {}, &pairs)) return;
  const auto& scopes = PermissionScopes();
  for (const auto& [k, v] : pairs) {
    auto it = scopes.find(k.Scalar());
    if (it == scopes.end()) {
      std::set<std::string> names;
      for (const auto& [s, _] : scopes) names.insert(s);
      Add(k.Mark(), "unknown permission scope \"" + k.Scalar() + "\" (available: " + Join(names) + ")", "permissions");
      continue;
    }
    if (!v.IsScalar() || !it->second.count(v.Scalar())) {
      Add(MarkOf(v, k.Mark()), "permission \"" + k.Scalar() + "\" must be " + Join(it->second), "permissions");
    }
  }
}

void Linter::Env(const YAML::Node& n, const YAML::Mark& key, const Scope& scope) {
  if (IsExpr(n)) return Expressions(n, Objects(scope, /*expected=*/true));
  Pairs pairs;
  if (!Mapping(n, key, "env", {}, &pairs)) return;
  for (const auto& [k, v] : pairs) {
    const std::string& name = k.Scalar();
    // GitHub sets any name but these: '=' ends a name, '&' and spaces break it in the runner's shells.
    if (name.find_first_of("&= \t") != std::string::npos) {
      Add(k.Mark(), "invalid environment variable name \"" + name + "\": '&', '=' and spaces are not allowed",
          "env-var");
    }
    if (v && !v.IsScalar() && !v.IsNull())
      Add(v.Mark(), "the value of env \"" + name + "\" must be a string, number or boolean", "syntax-check");
    Expressions(v, scope);
  }
}

void Linter::Defaults(const YAML::Node& n, const YAML::Mark& key, const Scope& scope) {
  Pairs pairs;
  if (!Mapping(n, key, "defaults", {"run"}, &pairs)) return;
  for (const auto& [k, v] : pairs) {
    Pairs run;
    if (!Mapping(v, k.Mark(), "defaults.run", {"shell", "working-directory"}, &run)) continue;
    for (const auto& [rk, rv] : run) {
      if (rk.Scalar() == "shell") Shell(rv);
      Expressions(rv, scope);
    }
  }
}

void Linter::Concurrency(const YAML::Node& n, const YAML::Mark& key, const Scope& scope) {
  if (n && n.IsScalar()) return Expressions(n, scope);
  Pairs pairs;
  if (!Mapping(n, key, "concurrency", {"group", "cancel-in-progress"}, &pairs)) return;
  bool group = false;
  for (const auto& [k, v] : pairs) {
    if (k.Scalar() == "group")
      group = true, ExpectString(v, "concurrency.group");
    else
      ExpectBool(v, "cancel-in-progress");
    Expressions(v, scope);
  }
  if (!group) Add(key, "concurrency needs a group", "syntax-check");
}

// Shell names are case-insensitive; cmd and powershell exist only on Windows
// runners (the job's OS is known when its runs-on names a hosted image).
void Linter::Shell(const YAML::Node& n) {
  if (!n.IsScalar() || IsExpr(n)) return;
  std::string s = n.Scalar();
  if (s.find("{0}") != std::string::npos) return;  // custom shell command
  std::string name = Lower(s);
  if (!Shells().count(name)) {
    Add(n.Mark(), "shell \"" + s + "\" is not a shell GitHub knows (" + Join(Shells()) + ", or a command with {0})",
        "shell-name");
  } else if (name == "sh" && job_os_ == "windows") {
    Add(n.Mark(), "shell \"" + s + "\" does not exist on Windows runners (bash, cmd, powershell, pwsh or python there)",
        "shell-name");
  } else if ((name == "cmd" || name == "powershell") && !job_os_.empty() && job_os_ != "windows") {
    Add(n.Mark(),
        "shell \"" + s + "\" exists only on Windows runners, and this job runs on " + job_os_ +
            " (bash, pwsh, python or sh there)",
        "shell-name");
  }
}

}  // namespace internal

bool LintResult::HasErrors() const {
  return std::any_of(problems.begin(), problems.end(), [](const LintProblem& p) { return p.severity == "error"; });
}

LintResult LintWorkflow(const std::string& text, const LintOptions& options) {
  LintResult r = internal::Linter(text, options).Run();
  std::stable_sort(r.problems.begin(), r.problems.end(), [](const LintProblem& a, const LintProblem& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  return r;
}

std::string FormatProblem(const std::string& file, const LintProblem& p) {
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) + ": " +
         (p.severity == "warning" ? "warning: " : "") + p.message + " [" + p.rule + "]";
}

}  // namespace redundancy::workflows
