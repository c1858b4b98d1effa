// The workflow linter, jobs: ids, needs (unknown, duplicate, cycles),
// strategy/matrix, container and services, reusable workflow
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

}  // namespace

std::vector<YAML::Node> Items(const YAML::Node& n) {
  std::vector<YAML::Node> v;
  if (n && n.IsScalar())
    v.push_back(n);
  else if (n && n.IsSequence())
    for (const auto& x : n) v.push_back(x);
  return v;
}

void Linter::Jobs(const YAML::Node& jobs, const YAML::Mark& key) {
  Pairs pairs;
  if (!Mapping(jobs, key, "jobs", {}, &pairs)) return;
  if (pairs.empty()) Add(key, "jobs must define at least one job", "syntax-check");
  // The outputs each job declares, for needs.JOB.outputs.X anywhere (a job calling a reusable workflow: unknown).
  job_outputs_.clear();
  for (const auto& [k, v] : pairs) {
    if (!v.IsMap() || v["uses"]) continue;
    auto& outs = job_outputs_[Lower(k.Scalar())];
    if (v["outputs"] && v["outputs"].IsMap()) {
      for (auto it = v["outputs"].begin(); it != v["outputs"].end(); ++it) {
        if (it->first.IsScalar()) outs.insert(Lower(it->first.Scalar()));
      }
    }
  }
  std::map<std::string, std::string> lower;
  for (const auto& [k, v] : pairs) {
    std::string id = k.Scalar();
    if (!Match(id, kJobId)) {
      Add(k.Mark(), "invalid job id \"" + id + "\": letters, digits, _ and - only, starting with a letter or _", "id");
    }
    auto [it, fresh] = lower.emplace(Lower(id), id);
    if (!fresh)
      Add(k.Mark(), "job id \"" + id + "\" duplicates \"" + it->second + "\" (job ids are case-insensitive)",
          "syntax-check");
    Job(id, k, v);
  }
  Needs();
}

void Linter::Job(const std::string& id, const YAML::Node& key, const YAML::Node& job) {
  static const std::set<std::string> kKeys = {"name",        "permissions",
                                              "needs",       "if",
                                              "runs-on",     "environment",
                                              "concurrency", "outputs",
                                              "env",         "defaults",
                                              "steps",       "timeout-minutes",
                                              "strategy",    "continue-on-error",
                                              "container",   "services",
                                              "uses",        "with",
                                              "secrets",     "snapshot"};  // snapshot: a custom runner image
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
  matrix_values_.clear();
  matrix_include_.clear();
  matrix_static_ = false;
  step_uses_.clear();
  if (keys.count("strategy"))
    Matrix(keys["strategy"].second, &matrix_keys, &dynamic_matrix);
  else
    dynamic_matrix = false;  // no matrix at all: matrix.X is unknown
  job_os_.clear();
  if (keys.count("runs-on")) {
    const YAML::Node& r = keys["runs-on"].second;
    std::string labels;
    for (const auto& x : Items(r.IsMap() && r["labels"] ? r["labels"] : r)) {
      if (x.IsScalar()) labels += " " + Lower(x.Scalar());
    }
    if (labels.find("${{") != std::string::npos) {
      job_os_.clear();
    } else if (labels.find("windows") != std::string::npos) {
      job_os_ = "windows";
    } else if (labels.find("ubuntu") != std::string::npos || labels.find("linux") != std::string::npos) {
      job_os_ = "linux";
    } else if (labels.find("macos") != std::string::npos) {
      job_os_ = "macos";
    }
  }
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
    if (!reusable && (name == "with" || name == "secrets")) {
      Add(k.Mark(), "\"" + name + "\" is only for a job that calls a reusable workflow (uses:)", "syntax-check");
      continue;
    }
    if (name == "name")
      ExpectString(v, "job name"), Expressions(v, scope("job"));
    else if (name == "permissions")
      Permissions(v, k.Mark());
    else if (name == "if")
      Condition(v, scope("job-if"));
    else if (name == "runs-on")
      RunsOn(v, k.Mark()), AllExpressions(v, Objects(scope("job")));
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
      AllExpressions(v, Objects(scope("job-strategy")));
    else if (name == "container")
      Container(v, k.Mark(), "container", scope("job"), false);
    else if (name == "services") {
      Pairs svcs;
      if (IsExpr(v)) {
        Expressions(v, Objects(scope("job")));
      } else if (Mapping(v, k.Mark(), "services", {}, &svcs)) {
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

// As actionlint: an unknown job is reported at the job that needs it; cycles
// are searched only when every need exists, and one cycle is reported, at
// the job of the cycle that comes first in the file.
void Linter::Needs() {
  bool unknown = false;
  for (const auto& [id, jn] : needs_) {
    std::set<std::string> seen;
    for (const auto& [need, mark] : jn.needs) {
      std::string n = Lower(need);
      if (!seen.insert(n).second) {
        Add(mark, "job \"" + need + "\" is listed twice in needs", "job-needs");
      } else if (!needs_.count(n)) {
        Add(jn.mark, "job \"" + id + "\" needs job \"" + need + "\" which does not exist in this workflow",
            "job-needs");
        unknown = true;
      }
    }
  }
  if (unknown) return;
  std::map<std::string, int> state;  // 0 new, 1 on the stack, 2 done
  std::vector<std::string> stack, cycle;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    state[id] = 1;
    stack.push_back(id);
    for (const auto& [need, mark] : needs_[id].needs) {
      std::string n = Lower(need);
      if (!cycle.empty()) break;
      if (state[n] == 1) {
        cycle.assign(std::find(stack.begin(), stack.end(), n), stack.end());
      } else if (state[n] == 0) {
        visit(n);
      }
    }
    stack.pop_back();
    state[id] = 2;
  };
  for (const auto& [id, _] : needs_) {
    if (state[id] == 0 && cycle.empty()) visit(id);
  }
  if (cycle.empty()) return;
  // Start at the job written first; a job needs the next one.
  auto first = std::min_element(cycle.begin(), cycle.end(), [&](const std::string& a, const std::string& b) {
    return needs_[a].mark.line < needs_[b].mark.line;
  });
  std::rotate(cycle.begin(), first, cycle.end());
  std::string path;
  for (const auto& id : cycle) path += "\"" + id + "\" -> ";
  Add(needs_[cycle[0]].mark, "jobs form a cycle in needs: " + path + "\"" + cycle[0] + "\"", "job-needs");
}

void Linter::Matrix(const YAML::Node& strategy, std::set<std::string>* keys, bool* dynamic) {
  *dynamic = false;
  matrix_values_.clear();
  Pairs pairs;
  if (IsExpr(strategy)) {  // only matrix (or its rows) may be computed
    Add(strategy.Mark(), "strategy must be a mapping; a ${{ }} expression may stand for the matrix, not the strategy",
        "syntax-check");
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
      if (!keys->insert(Lower(key)).second) {
        Add(rk.Mark(), "matrix key \"" + key + "\" is defined twice (matrix keys are case-insensitive)",
            "syntax-check");
        continue;
      }
      if (IsExpr(rv)) continue;
      if (!rv.IsSequence()) {
        Add(rv.Mark(), "matrix key \"" + key + "\" must be a list of values (or one ${{ }} expression)",
            "syntax-check");
        continue;
      }
      if (rv.size() == 0)
        Add(rv.Mark(), "matrix key \"" + key + "\" has no values: the matrix is empty", "syntax-check");
      matrix_values_[Lower(key)] = Items(rv);
      std::set<std::string>& values = values_of[Lower(key)];
      for (const auto& x : rv) {
        std::string text = x.IsScalar() ? x.Scalar() : YAML::Dump(x);
        if (!values.insert(text).second)
          Add(x.Mark(), "duplicate value \"" + text + "\" in matrix key \"" + key + "\"", "matrix");
      }
    }
    // Identical include or exclude rows are harmless (GitHub applies them once): not reported.
    std::set<std::string> base = *keys;
    matrix_include_ = include;
    matrix_static_ = !*dynamic;
    for (const auto& row : include) {
      if (IsExpr(row)) continue;
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
      if (IsExpr(row)) continue;
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
    Expressions(n, Objects(scope));  // an image name, or ${{ }} giving the whole mapping
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
      if (IsExpr(v)) {  // computed (fromJSON of a secret): not judged
        Expressions(v, Objects(creds));
        continue;
      }
      Pairs cp;
      if (!Mapping(v, k.Mark(), "credentials", {"username", "password"}, &cp)) continue;
      if (cp.size() < 2) Add(k.Mark(), "credentials of " + what + " need both username and password", "syntax-check");
      for (const auto& [ck, cv] : cp) {
        Expressions(cv, creds);
        if (ck.Scalar() == "password" && cv.IsScalar() && !IsExpr(cv)) {
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
  if (with && !with.IsMap() && !with.IsNull())
    Add(with.Mark(), "with must be a mapping of the called workflow's inputs", "syntax-check");
  AllExpressions(with, with_scope);
  if (has_secrets && !(secrets.IsScalar() && secrets.Scalar() == "inherit")) {
    Pairs sp;
    Mapping(secrets, secrets.Mark(), "secrets", {}, &sp);
    AllExpressions(secrets, secret_scope);
  }
  if (!uses.IsScalar()) return Add(uses.Mark(), "uses must be a string", "syntax-check");
  const std::string& u = uses.Scalar();
  static const std::regex kLocal(R"(^\./\.github/workflows/[^/@]+\.ya?ml$)");
  static const std::regex kRemote(R"(^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[^@\s]+\.ya?ml@[^@\s]+$)");
  if (!Match(u, kLocal) && !Match(u, kRemote)) {
    return Add(uses.Mark(),
               "reusable workflow \"" + u + "\" must be ./.github/workflows/FILE.yml or OWNER/REPO/PATH/FILE.yml@REF",
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
      if (v.Scalar().find("${{") == std::string::npos && !Match(v.Scalar(), kJobId)) {
        Add(v.Mark(),
            "invalid step id \"" + v.Scalar() + "\": letters, digits, _ and - only, starting with a letter or _", "id");
      }
      if (ids->count(Lower(v.Scalar())))
        Add(v.Mark(), "step id \"" + v.Scalar() + "\" is already used in this job", "id");
    } else if (name == "if") {
      Condition(v, cond);
    } else if (name == "run") {
      ExpectString(v, "run");
      Scope script = scope;
      script.script = true;
      Expressions(v, script);
      if (!v.IsScalar()) continue;
      static const std::regex kDeprecated(R"(::(set-output|save-state|set-env|add-path)\b)");
      const std::string& text = v.Scalar();
      for (auto it = std::sregex_iterator(text.begin(), text.end(), kDeprecated); it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        // actionlint's position: the start of the run: string, once per command.
        int line = v.Mark().line + 1, col = v.Mark().column + 1;
        static const std::map<std::string, std::string> kInstead = {
            {"set-output", "echo \"name=value\" >> \"$GITHUB_OUTPUT\""},
            {"save-state", "echo \"name=value\" >> \"$GITHUB_STATE\""},
            {"set-env", "echo \"NAME=value\" >> \"$GITHUB_ENV\""},
            {"add-path", "echo \"DIR\" >> \"$GITHUB_PATH\""}};
        std::string cmd = m[1].str();
        AddAt(line, col,
              "workflow command \"" + cmd + "\" is deprecated" +
                  (cmd == "set-env" || cmd == "add-path" ? " and disabled" : "") + "; use " + kInstead.at(cmd),
              "deprecated-commands",
              cmd == "set-env" || cmd == "add-path" ? "error" : "warning");  // disabled vs warned
      }
    } else if (name == "shell") {
      if (uses) {
        Add(k.Mark(), "shell is only for run steps, and this step runs an action (uses:)", "syntax-check");
      } else {
        Shell(v);
      }
    } else if (name == "working-directory") {
      if (uses)
        Add(v.Mark(), "working-directory is only for run steps, and this step runs an action (uses:)", "syntax-check");
      Expressions(v, scope);
    } else if (name == "with") {
      if (!uses) Add(k.Mark(), "with is only for uses steps", "syntax-check");
      Pairs wp;
      Mapping(v, k.Mark(), "with", {}, &wp);  // an action's inputs are named: never one ${{ }}
      bool github_script = keys.count("uses") && keys["uses"].second.IsScalar() &&
                           Lower(keys["uses"].second.Scalar()).rfind("actions/github-script@", 0) == 0;
      for (const auto& [wk, wv] : wp) {
        Scope input = scope;
        input.script = github_script && wk.IsScalar() && wk.Scalar() == "script";
        AllExpressions(wv, input);
      }
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
  if (keys.count("id") && keys["id"].second.IsScalar()) {
    ids->insert(Lower(keys["id"].second.Scalar()));
    if (keys.count("uses") && keys["uses"].second.IsScalar())
      step_uses_[Lower(keys["id"].second.Scalar())] = keys["uses"].second.Scalar();
  }
}

}  // namespace redundancy::workflows::internal
