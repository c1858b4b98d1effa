// The workflow linter, jobs: ids, needs (unknown, duplicate, cycles),
// runs-on labels, strategy/matrix, container and services, reusable workflow
// calls, outputs, and steps (uses XOR run, ids, actions and their inputs,
// shells, deprecated workflow commands).
#include <filesystem>
#include <functional>
#include <regex>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"
#include "common/file_util.h"
#include "common/yaml_bounded.h"

namespace redundancy::workflows::internal {
namespace {

const std::regex kJobId("^[A-Za-z_][A-Za-z0-9_-]*$");

std::vector<YAML::Node> Items(const YAML::Node& n) {
  std::vector<YAML::Node> v;
  if (n && n.IsScalar())
    v.push_back(n);
  else if (n && n.IsSequence())
    for (const auto& x : n) v.push_back(x);
  return v;
}

}  // namespace

void Linter::Jobs(const YAML::Node& jobs, const YAML::Mark& key) {
  Pairs pairs;
  if (!Mapping(jobs, key, "jobs", {}, &pairs)) return;
  if (pairs.empty()) Add(key, "jobs must define at least one job", "syntax-check");
  std::map<std::string, std::string> lower;
  for (const auto& [k, v] : pairs) {
    std::string id = k.Scalar();
    if (!std::regex_match(id, kJobId)) {
      Add(k.Mark(), "invalid job id \"" + id + "\": letters, digits, _ and - only, starting with a letter or _", "id");
    }
    auto [it, fresh] = lower.emplace(Lower(id), id);
    if (!fresh)
      Add(k.Mark(), "job id \"" + id + "\" duplicates \"" + it->second + "\" (job ids are case-insensitive)", "id");
    Job(id, k, v);
  }
  Needs();
}

void Linter::Job(const std::string& id, const YAML::Node& key, const YAML::Node& job) {
  static const std::set<std::string> kKeys = {
      "name",      "permissions", "needs",    "if",    "runs-on",         "environment", "concurrency",
      "outputs",   "env",         "defaults", "steps", "timeout-minutes", "strategy",    "continue-on-error",
      "container", "services",    "uses",     "with",  "secrets"};
  static const std::set<std::string> kCallKeys = {"name", "uses",        "with",     "secrets",    "needs",
                                                  "if",   "permissions", "strategy", "concurrency"};
  Pairs pairs;
  if (!Mapping(job, key.Mark(), "job \"" + id + "\"", kKeys, &pairs)) return;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> keys;
  for (const auto& [k, v] : pairs) keys[k.Scalar()] = {k, v};
  bool reusable = keys.count("uses") > 0;
  // needs, collected for the graph check; the scope of expressions below.
  JobNeeds& jn = needs_[Lower(id)];
  jn.mark = key.Mark();
  current_needs_.clear();
  if (keys.count("needs")) {
    const YAML::Node& n = keys["needs"].second;
    if (!n.IsScalar() && !n.IsSequence()) Add(n.Mark(), "needs must be a job id or a list of job ids", "syntax-check");
    for (const auto& x : Items(n)) {
      if (!x.IsScalar()) continue;
      jn.needs.push_back({x.Scalar(), x.Mark()});
      current_needs_.insert(Lower(x.Scalar()));
    }
  }
  std::set<std::string> matrix_keys;
  bool dynamic_matrix = true;
  if (keys.count("strategy"))
    Matrix(keys["strategy"].second, &matrix_keys, &dynamic_matrix);
  else
    dynamic_matrix = false;  // no matrix at all: matrix.X is unknown
  auto scope = [&](const std::string& where) {
    Scope s = ScopeFor(where);
    s.needs = &current_needs_;
    s.matrix = dynamic_matrix ? nullptr : &matrix_keys;
    return s;
  };
  for (const auto& [name, kv] : keys) {
    const auto& [k, v] = kv;
    if (reusable && !kCallKeys.count(name)) {
      Add(k.Mark(), "\"" + name + "\" cannot be used in a job that calls a reusable workflow (uses:)", "syntax-check");
      continue;
    }
    if (name == "name")
      ExpectString(v, "job name"), Expressions(v, scope("job"));
    else if (name == "permissions")
      Permissions(v, k.Mark());
    else if (name == "if")
      Condition(v, scope("job-if"));
    else if (name == "runs-on")
      RunsOn(v, k.Mark()), AllExpressions(v, scope("job"));
    else if (name == "environment") {
      if (v.IsMap()) {
        Pairs env;
        Mapping(v, k.Mark(), "environment", {"name", "url", "deployment"}, &env);
        for (const auto& [ek, ev] : env)
          Expressions(ev, scope(ek.Scalar() == "url" ? "job-environment-url" : "job-environment"));
      } else {
        ExpectString(v, "environment"), Expressions(v, scope("job-environment"));
      }
    } else if (name == "concurrency")
      Concurrency(v, k.Mark(), scope("job-concurrency"));
    else if (name == "outputs") {
      Pairs outs;
      if (Mapping(v, k.Mark(), "outputs", {}, &outs)) {
        for (const auto& [ok, ov] : outs)
          ExpectString(ov, "output \"" + ok.Scalar() + "\""), Expressions(ov, scope("job-outputs"));
      }
    } else if (name == "env")
      Env(v, k.Mark(), scope("job-env"));
    else if (name == "defaults")
      Defaults(v, k.Mark(), scope("job-defaults-run"));
    else if (name == "timeout-minutes")
      ExpectNumber(v, "timeout-minutes"), Expressions(v, scope("job"));
    else if (name == "continue-on-error")
      ExpectBool(v, "continue-on-error"), Expressions(v, scope("job"));
    else if (name == "strategy")
      AllExpressions(v, scope("job-strategy"));
    else if (name == "container")
      Container(v, k.Mark(), "container", scope("job"), false);
    else if (name == "services") {
      Pairs svcs;
      if (Mapping(v, k.Mark(), "services", {}, &svcs)) {
        for (const auto& [sk, sv] : svcs)
          Container(sv, sk.Mark(), "service \"" + sk.Scalar() + "\"", scope("job"), true);
      }
    } else if (name == "steps") {
      Scope s = scope("step");
      Steps(v, k.Mark(), s);
    }
  }
  if (reusable) {
    ReusableCall(job, pairs);
  } else {
    if (!keys.count("runs-on")) Add(key.Mark(), "job \"" + id + "\" needs runs-on", "syntax-check");
    if (!keys.count("steps")) Add(key.Mark(), "job \"" + id + "\" needs steps", "syntax-check");
  }
}

void Linter::Needs() {
  for (const auto& [id, jn] : needs_) {
    std::set<std::string> seen;
    for (const auto& [need, mark] : jn.needs) {
      std::string n = Lower(need);
      if (!seen.insert(n).second)
        Add(mark, "job \"" + need + "\" is listed twice in needs", "job-needs");
      else if (n == id)
        Add(mark, "job \"" + need + "\" needs itself", "job-needs");
      else if (!needs_.count(n))
        Add(mark, "job \"" + need + "\" in needs does not exist", "job-needs");
    }
  }
  // Cycles: depth-first search, reported once at the job that closes the cycle.
  std::map<std::string, int> state;  // 0 new, 1 on the stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    state[id] = 1;
    stack.push_back(id);
    for (const auto& [need, mark] : needs_[id].needs) {
      std::string n = Lower(need);
      if (!needs_.count(n) || n == id) continue;
      if (state[n] == 1) {
        std::string cycle;
        for (auto it = std::find(stack.begin(), stack.end(), n); it != stack.end(); ++it) cycle += *it + " -> ";
        Add(mark, "jobs form a cycle in needs: " + cycle + n, "job-needs");
      } else if (state[n] == 0) {
        visit(n);
      }
    }
    stack.pop_back();
    state[id] = 2;
  };
  for (const auto& [id, _] : needs_) {
    if (state[id] == 0) visit(id);
  }
}

void Linter::RunsOn(const YAML::Node& n, const YAML::Mark& key) {
  std::vector<YAML::Node> labels;
  if (n.IsMap()) {
    Pairs pairs;
    Mapping(n, key, "runs-on", {"group", "labels"}, &pairs);
    for (const auto& [k, v] : pairs) {
      if (k.Scalar() == "labels") labels = Items(v);
    }
  } else if (n.IsScalar() || n.IsSequence()) {
    labels = Items(n);
  } else {
    return Add(MarkOf(n, key), "runs-on must be a label, a list of labels or {group, labels}", "syntax-check");
  }
  bool self_hosted = false;
  for (const auto& l : labels) self_hosted |= l.IsScalar() && Lower(l.Scalar()) == "self-hosted";
  for (const auto& l : labels) {
    if (!l.IsScalar() || l.Scalar().find("${{") != std::string::npos) continue;
    std::string label = Lower(l.Scalar());
    if (auto it = RetiredRunnerLabels().find(label); it != RetiredRunnerLabels().end()) {
      Add(l.Mark(), "runner \"" + l.Scalar() + "\" was retired by GitHub (" + it->second + "); jobs on it never start",
          "runner-label");
    } else if (!RunnerLabels().count(label) && !SelfHostedLabels().count(label) &&
               !options_.runner_labels.count(label) && !self_hosted) {
      Add(l.Mark(),
          "unknown runner label \"" + l.Scalar() +
              "\" (not a GitHub-hosted label; add self-hosted for your own runners)",
          "runner-label");
    }
  }
}

void Linter::Matrix(const YAML::Node& strategy, std::set<std::string>* keys, bool* dynamic) {
  *dynamic = false;
  Pairs pairs;
  if (IsExpr(strategy)) {
    *dynamic = true;
    return;
  }
  if (!Mapping(strategy, strategy.Mark(), "strategy", {"matrix", "fail-fast", "max-parallel"}, &pairs)) return;
  for (const auto& [k, v] : pairs) {
    if (k.Scalar() == "fail-fast") ExpectBool(v, "fail-fast");
    if (k.Scalar() == "max-parallel") ExpectNumber(v, "max-parallel");
    if (k.Scalar() != "matrix") continue;
    if (IsExpr(v)) {
      *dynamic = true;
      continue;
    }
    Pairs rows;
    if (!Mapping(v, k.Mark(), "matrix", {}, &rows)) continue;
    std::vector<YAML::Node> include, exclude;
    std::map<std::string, std::set<std::string>> values_of;  // static values per key, for exclude rows
    for (const auto& [rk, rv] : rows) {
      std::string key = rk.Scalar();
      if (key == "include" || key == "exclude") {
        if (IsExpr(rv)) {
          *dynamic = true;
          continue;
        }
        if (!rv.IsSequence()) {
          Add(rv.Mark(), "matrix " + key + " must be a list of mappings", "matrix");
          continue;
        }
        for (const auto& x : rv) (key == "include" ? include : exclude).push_back(x);
        continue;
      }
      keys->insert(Lower(key));
      if (IsExpr(rv)) continue;
      if (!rv.IsSequence()) {
        Add(rv.Mark(), "matrix key \"" + key + "\" must be a list of values (or one ${{ }} expression)", "matrix");
        continue;
      }
      if (rv.size() == 0) Add(rv.Mark(), "matrix key \"" + key + "\" has no values: the matrix is empty", "matrix");
      std::set<std::string>& values = values_of[Lower(key)];
      for (const auto& x : rv) {
        std::string text = x.IsScalar() ? x.Scalar() : YAML::Dump(x);
        if (!values.insert(text).second)
          Add(x.Mark(), "duplicate value \"" + text + "\" in matrix key \"" + key + "\"", "matrix");
      }
    }
    std::set<std::string> base = *keys;
    for (auto* rows_of : {&include, &exclude}) {
      std::set<std::string> seen_rows;
      for (const auto& row : *rows_of) {
        if (row.IsMap() && !seen_rows.insert(YAML::Dump(row)).second) {
          Add(row.Mark(), std::string("duplicate row in matrix ") + (rows_of == &include ? "include" : "exclude"),
              "matrix");
        }
      }
    }
    for (const auto& row : include) {
      if (!row.IsMap()) {
        Add(row.Mark(), "a matrix include row must be a mapping", "matrix");
        continue;
      }
      for (auto it = row.begin(); it != row.end(); ++it) {
        keys->insert(Lower(it->first.Scalar()));
        if (it->second.IsScalar()) values_of[Lower(it->first.Scalar())].insert(it->second.Scalar());
      }
    }
    for (const auto& row : exclude) {
      if (!row.IsMap()) {
        Add(row.Mark(), "a matrix exclude row must be a mapping", "matrix");
        continue;
      }
      for (auto it = row.begin(); it != row.end(); ++it) {
        std::string key = Lower(it->first.Scalar());
        if (!*dynamic && !base.count(key)) {
          Add(it->first.Mark(),
              "exclude refers to matrix key \"" + it->first.Scalar() + "\", which the matrix does not have", "matrix");
        } else if (!*dynamic && it->second.IsScalar() && values_of.count(key) && !values_of[key].empty() &&
                   it->second.Scalar().find("${{") == std::string::npos && !values_of[key].count(it->second.Scalar())) {
          std::string known;
          for (const auto& v : values_of[key]) known += (known.empty() ? "" : ", ") + v;
          Add(it->second.Mark(),
              "exclude value \"" + it->second.Scalar() + "\" is not a value of matrix key \"" + it->first.Scalar() +
                  "\" (" + known + "): the row excludes nothing",
              "matrix");
        }
      }
    }
  }
}

void Linter::Container(const YAML::Node& n, const YAML::Mark& key, const std::string& what, const Scope& scope,
                       bool service) {
  if (n && n.IsScalar()) {
    Expressions(n, scope);
    if (n.Scalar().empty()) Add(n.Mark(), what + " needs an image", "syntax-check");
    return;
  }
  Pairs pairs;
  if (!Mapping(n, key, what, {"image", "credentials", "env", "ports", "volumes", "options"}, &pairs)) return;
  bool image = false;
  Scope creds = ScopeFor("job-credentials");
  creds.needs = scope.needs, creds.matrix = scope.matrix;
  for (const auto& [k, v] : pairs) {
    std::string name = k.Scalar();
    if (name == "image")
      image = true, ExpectString(v, "image"), Expressions(v, scope);
    else if (name == "env")
      Env(v, k.Mark(), creds);
    else if (name == "credentials") {
      Pairs cp;
      if (!Mapping(v, k.Mark(), "credentials", {"username", "password"}, &cp)) continue;
      for (const auto& [ck, cv] : cp) {
        Expressions(cv, creds);
        if (ck.Scalar() == "password" && cv.IsScalar() && cv.Scalar().find("${{") == std::string::npos) {
          Add(cv.Mark(), "the password of " + what + " is written in the workflow; use a secret: ${{ secrets.NAME }}",
              "credentials");
        }
      }
    } else if (name == "ports" || name == "volumes") {
      if (!v.IsSequence()) Add(v.Mark(), name + " must be a list", "syntax-check");
      AllExpressions(v, scope);
    } else {
      ExpectString(v, name), Expressions(v, scope);
    }
  }
  if (!image && service) Add(key, what + " needs an image", "syntax-check");
}

void Linter::ReusableCall(const YAML::Node& job, const Pairs& pairs) {
  YAML::Node uses, with, secrets;
  bool has_secrets = false;
  for (const auto& [k, v] : pairs) {
    if (k.Scalar() == "uses") uses = v;
    if (k.Scalar() == "with") with = v;
    if (k.Scalar() == "secrets") secrets = v, has_secrets = true;
  }
  Scope with_scope = ScopeFor("job-with"), secret_scope = ScopeFor("job-secrets");
  with_scope.needs = secret_scope.needs = &current_needs_;
  AllExpressions(with, with_scope);
  if (has_secrets && !(secrets.IsScalar() && secrets.Scalar() == "inherit")) {
    Pairs sp;
    Mapping(secrets, secrets.Mark(), "secrets", {}, &sp);
    AllExpressions(secrets, secret_scope);
  }
  if (!uses.IsScalar()) return Add(uses.Mark(), "uses must be a string", "syntax-check");
  const std::string& u = uses.Scalar();
  static const std::regex kLocal(R"(^\./\.github/workflows/[^/@]+\.ya?ml$)");
  static const std::regex kRemote(R"(^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\.github/workflows/[^/@]+\.ya?ml@[^@\s]+$)");
  if (!std::regex_match(u, kLocal) && !std::regex_match(u, kRemote)) {
    return Add(uses.Mark(),
               "reusable workflow \"" + u +
                   "\" must be ./.github/workflows/FILE.yml or OWNER/REPO/.github/workflows/FILE.yml@REF",
               "workflow-call");
  }
  if (u[0] != '.' || options_.repo_root.empty()) return;
  std::string path = options_.repo_root + "/" + u.substr(2);
  if (!std::filesystem::exists(path))
    return Add(uses.Mark(), "reusable workflow " + u + " does not exist", "workflow-call");
  // Its declared inputs and secrets against with: / secrets:.
  auto loaded = LoadYamlFile(path, u);
  if (!loaded.ok()) return;  // reported when that file is linted
  YAML::Node called = *loaded;
  YAML::Node call =
      called.IsMap() && called["on"] && called["on"].IsMap() ? called["on"]["workflow_call"] : YAML::Node();
  if (!call || !called["on"]["workflow_call"].IsDefined()) {
    return Add(uses.Mark(), u + " has no on.workflow_call trigger: it cannot be called", "workflow-call");
  }
  auto check = [&](const YAML::Node& declared, const YAML::Node& given, const std::string& kind) {
    std::set<std::string> names;
    if (declared && declared.IsMap()) {
      for (auto it = declared.begin(); it != declared.end(); ++it) {
        names.insert(Lower(it->first.Scalar()));
        bool required = it->second.IsMap() && it->second["required"] && it->second["required"].IsScalar() &&
                        it->second["required"].Scalar() == "true" && !(kind == "input" && it->second["default"]);
        bool present = given && given.IsMap() && given[it->first.Scalar()];
        bool inherit = kind == "secret" && given && given.IsScalar() && given.Scalar() == "inherit";
        if (required && !present && !inherit)
          Add(uses.Mark(), "required " + kind + " \"" + it->first.Scalar() + "\" of " + u + " is not given",
              "workflow-call");
      }
    }
    if (given && given.IsMap()) {
      for (auto it = given.begin(); it != given.end(); ++it) {
        if (!names.count(Lower(it->first.Scalar())))
          Add(it->first.Mark(), kind + " \"" + it->first.Scalar() + "\" is not declared by " + u, "workflow-call");
      }
    }
  };
  check(call.IsMap() ? call["inputs"] : YAML::Node(), with, "input");
  check(call.IsMap() ? call["secrets"] : YAML::Node(), secrets, "secret");
  (void)job;
}

void Linter::Steps(const YAML::Node& steps, const YAML::Mark& key, Scope base) {
  if (!steps.IsSequence()) return Add(MarkOf(steps, key), "steps must be a list", "syntax-check");
  if (steps.size() == 0) Add(key, "steps must have at least one step", "syntax-check");
  std::set<std::string> ids;
  for (const auto& step : steps) Step(step, &ids, base);
}

void Linter::Step(const YAML::Node& step, std::set<std::string>* ids, const Scope& base) {
  static const std::set<std::string> kKeys = {"id",
                                              "if",
                                              "name",
                                              "uses",
                                              "run",
                                              "shell",
                                              "with",
                                              "env",
                                              "continue-on-error",
                                              "timeout-minutes",
                                              "working-directory"};
  Pairs pairs;
  if (!Mapping(step, step.Mark(), "a step", kKeys, &pairs)) return;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> keys;
  for (const auto& [k, v] : pairs) keys[k.Scalar()] = {k, v};
  Scope scope = base;
  scope.steps = ids;  // earlier steps only
  Scope cond = ScopeFor("step-if");
  cond.needs = base.needs, cond.matrix = base.matrix, cond.steps = ids, cond.hash_files = true;
  bool uses = keys.count("uses"), run = keys.count("run");
  if (uses && run) Add(keys["run"].first.Mark(), "a step cannot have both uses and run", "syntax-check");
  if (!uses && !run) Add(step.Mark(), "a step needs uses or run", "syntax-check");
  for (const auto& [name, kv] : keys) {
    const auto& [k, v] = kv;
    if (name == "id") {
      ExpectString(v, "id");
      if (!v.IsScalar()) continue;
      if (v.Scalar().find("${{") == std::string::npos && !std::regex_match(v.Scalar(), kJobId)) {
        Add(v.Mark(),
            "invalid step id \"" + v.Scalar() + "\": letters, digits, _ and - only, starting with a letter or _", "id");
      }
      if (ids->count(Lower(v.Scalar())))
        Add(v.Mark(), "step id \"" + v.Scalar() + "\" is already used in this job", "id");
    } else if (name == "if") {
      Condition(v, cond);
    } else if (name == "run") {
      ExpectString(v, "run");
      Expressions(v, scope);
      if (!v.IsScalar()) continue;
      static const std::regex kDeprecated(R"(::(set-output|save-state|set-env|add-path)\b)");
      const std::string& script = v.Scalar();
      for (auto it = std::sregex_iterator(script.begin(), script.end(), kDeprecated); it != std::sregex_iterator();
           ++it) {
        const std::smatch& m = *it;
        auto [line, col] = PosIn(v, static_cast<size_t>(m.position(0)));
        static const std::map<std::string, std::string> kInstead = {
            {"set-output", "echo \"name=value\" >> \"$GITHUB_OUTPUT\""},
            {"save-state", "echo \"name=value\" >> \"$GITHUB_STATE\""},
            {"set-env", "echo \"NAME=value\" >> \"$GITHUB_ENV\""},
            {"add-path", "echo \"DIR\" >> \"$GITHUB_PATH\""}};
        std::string cmd = m[1].str();
        AddAt(line, col,
              "workflow command \"" + cmd + "\" is deprecated" +
                  (cmd == "set-env" || cmd == "add-path" ? " and disabled" : "") + "; use " + kInstead.at(cmd),
              "deprecated-commands", cmd == "set-env" || cmd == "add-path" ? "error" : "warning");
      }
    } else if (name == "shell") {
      if (!run) Add(k.Mark(), "shell is only for run steps", "syntax-check");
      Shell(v);
    } else if (name == "working-directory") {
      if (!run) Add(k.Mark(), "working-directory is only for run steps", "syntax-check");
      Expressions(v, scope);
    } else if (name == "with") {
      if (!uses) Add(k.Mark(), "with is only for uses steps", "syntax-check");
      Pairs wp;
      Mapping(v, k.Mark(), "with", {}, &wp);
      AllExpressions(v, scope);
    } else if (name == "env") {
      Env(v, k.Mark(), scope);
    } else if (name == "continue-on-error") {
      ExpectBool(v, "continue-on-error"), Expressions(v, scope);
    } else if (name == "timeout-minutes") {
      ExpectNumber(v, "timeout-minutes"), Expressions(v, scope);
    } else if (name == "name") {
      Expressions(v, scope);
    } else if (name == "uses") {
      Uses(v, keys.count("with") ? keys["with"].second : YAML::Node());
    }
  }
  if (keys.count("id") && keys["id"].second.IsScalar()) ids->insert(Lower(keys["id"].second.Scalar()));
}

void Linter::Uses(const YAML::Node& uses, const YAML::Node& with) {
  if (!uses.IsScalar()) return Add(uses.Mark(), "uses must be a string", "syntax-check");
  const std::string& u = uses.Scalar();
  if (u.rfind("docker://", 0) == 0) {
    if (u.size() == 9) Add(uses.Mark(), "docker:// needs an image", "action");
    return;
  }
  if (u.rfind("./", 0) == 0) {
    if (!options_.repo_root.empty()) {
      std::string dir = options_.repo_root + "/" + u.substr(2);
      if (!std::filesystem::exists(dir + "/action.yml") && !std::filesystem::exists(dir + "/action.yaml") &&
          !std::filesystem::exists(dir + "/Dockerfile")) {
        Add(uses.Mark(), "local action " + u + " has no action.yml", "action");
      }
    }
    return;
  }
  static const std::regex kRemote(R"(^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)((/[^@\s]+)?)@([^@\s]+)$)");
  std::smatch m;
  if (!std::regex_match(u, m, kRemote)) {
    std::string why = u.find('@') == std::string::npos ? " (a version is required: @v4, a tag, branch or commit)" : "";
    return Add(uses.Mark(),
               "invalid action reference \"" + u + "\": expected OWNER/REPO[/PATH]@REF, ./PATH or docker://IMAGE" + why,
               "action");
  }
  std::string name = Lower(m[1].str() + "/" + m[2].str() + m[3].str());
  const auto& actions = PopularActions();
  auto it = actions.find(name);
  if (it == actions.end()) return;
  std::set<std::string> given;
  if (with && with.IsMap()) {
    for (auto w = with.begin(); w != with.end(); ++w) {
      std::string input = w->first.Scalar();
      given.insert(input);
      if (!it->second.inputs.count(input)) {
        std::string known;
        for (const auto& i : it->second.inputs) known += (known.empty() ? "" : ", ") + i;
        Add(w->first.Mark(), "input \"" + input + "\" is not defined by " + name + " (inputs: " + known + ")",
            "action");
      }
    }
  }
  for (const auto& r : it->second.required) {
    if (!given.count(r)) Add(uses.Mark(), "missing required input \"" + r + "\" of " + name, "action");
  }
}

}  // namespace redundancy::workflows::internal
