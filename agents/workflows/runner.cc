#include "agents/workflows/runner.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "agents/workflows/expr.h"
#include "agents/workflows/lint.h"
#include "common/file_util.h"
#include "common/process/process.h"

namespace redundancy::workflows {
namespace fs = std::filesystem;
using J = nlohmann::json;

namespace {

J ToJson(const YAML::Node& n) {
  if (!n || n.IsNull()) return nullptr;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (n.Tag() == "!") return s;  // quoted
    if (s == "true" || s == "false") return s == "true";
    try {
      size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
    return s;
  }
  if (n.IsSequence()) {
    J a = J::array();
    for (const auto& x : n) a.push_back(ToJson(x));
    return a;
  }
  J o = J::object();
  for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = ToJson(it->second);
  return o;
}

// name=value lines and name<<DELIM heredocs, as in GITHUB_OUTPUT / GITHUB_ENV.
std::map<std::string, std::string> ReadCommandFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    size_t heredoc = line.find("<<"), eq = line.find('=');
    if (heredoc != std::string::npos && (eq == std::string::npos || heredoc < eq)) {
      std::string name = line.substr(0, heredoc), delim = line.substr(heredoc + 2), value, l;
      bool first = true;
      while (std::getline(in, l) && l != delim) value += (first ? "" : "\n") + l, first = false;
      out[name] = value;
    } else if (eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return out;
}

// Matrix combinations: the product of the keys, minus exclude rows, with
// include rows merged into matching combinations or added.
std::vector<J> Combinations(const YAML::Node& strategy, const EvalContext& ctx) {
  std::vector<J> combos = {J::object()};
  if (!strategy || !strategy.IsMap() || !strategy["matrix"]) return combos;
  YAML::Node m = strategy["matrix"];
  J matrix = m.IsScalar() ? J::parse(Interpolate(m.Scalar(), ctx), nullptr, false) : ToJson(m);
  if (!matrix.is_object()) return combos;
  for (auto& [k, v] : matrix.items()) {
    if (v.is_string() && v.get<std::string>().find("${{") != std::string::npos) {
      auto parsed = ParseExpr(FindPlaceholders(v.get<std::string>())[0].inner);
      if (parsed.root) v = Evaluate(*parsed.root, ctx);
    }
  }
  for (const auto& [k, values] : matrix.items()) {
    if (k == "include" || k == "exclude" || !values.is_array()) continue;
    std::vector<J> next;
    for (const auto& c : combos) {
      for (const auto& v : values) {
        J x = c;
        x[k] = v;
        next.push_back(x);
      }
    }
    combos = next;
  }
  auto matches = [](const J& combo, const J& row) {
    for (const auto& [k, v] : row.items()) {
      if (combo.contains(k) && combo[k] != v) return false;
    }
    return true;
  };
  if (matrix.contains("exclude") && matrix["exclude"].is_array()) {
    std::vector<J> kept;
    for (const auto& c : combos) {
      bool out = false;
      for (const auto& row : matrix["exclude"]) {
        bool all = row.is_object();
        for (const auto& [k, v] : row.items()) all = all && c.contains(k) && c[k] == v;
        out = out || all;
      }
      if (!out) kept.push_back(c);
    }
    combos = kept;
  }
  if (matrix.contains("include") && matrix["include"].is_array()) {
    std::vector<std::string> original;
    for (const auto& [k, v] : matrix.items()) {
      if (k != "include" && k != "exclude") original.push_back(k);
    }
    for (const auto& row : matrix["include"]) {
      bool merged = false;
      for (auto& c : combos) {
        bool ok = !original.empty();
        for (const auto& k : original) ok = ok && (!row.contains(k) || row[k] == c[k]);
        if (ok && matches(c, row)) {
          for (const auto& [k, v] : row.items()) c[k] = v;
          merged = true;
        }
      }
      if (!merged) combos.push_back(row);
    }
  }
  if (combos.size() == 1 && combos[0].empty()) return combos;
  combos.erase(std::remove_if(combos.begin(), combos.end(), [](const J& c) { return c.empty(); }), combos.end());
  return combos;
}

bool UsesStatusFunction(const std::string& cond) {
  for (const char* f : {"success(", "failure(", "always(", "cancelled("}) {
    if (cond.find(f) != std::string::npos) return true;
  }
  return false;
}

// An if: condition with GitHub's implicit success() when it names no status function.
bool Condition(const YAML::Node& n, const EvalContext& ctx) {
  std::string cond = n && n.IsScalar() ? n.Scalar() : "";
  auto ps = FindPlaceholders(cond);
  if (ps.size() == 1 && ps[0].start == cond.find_first_not_of(' ')) cond = ps[0].inner;
  if (cond.find_first_not_of(" \t\n") == std::string::npos) cond = "success()";
  if (!UsesStatusFunction(cond)) cond = "success() && (" + cond + ")";
  auto parsed = ParseExpr(cond);
  if (!parsed.root) throw std::runtime_error("if: " + parsed.error);
  return Truthy(Evaluate(*parsed.root, ctx));
}

std::string Scalar(const YAML::Node& n, const std::string& def = "") { return n && n.IsScalar() ? n.Scalar() : def; }

class Runner {
 public:
  Runner(const YAML::Node& wf, const RunOptions& o) : wf_(wf), o_(o) {}
  ~Runner() {
    std::error_code ec;
    if (!temp_.empty() && temp_ != "/tmp") fs::remove_all(temp_, ec);
  }

  WorkflowRun Run() {
    WorkflowRun r;
    YAML::Node jobs = wf_["jobs"];
    std::vector<std::string> order;
    std::set<std::string> wanted;
    if (!o_.job.empty() && !jobs[o_.job]) {
      r.error = "no job \"" + o_.job + "\" in the workflow";
      return r;
    }
    // Topological order (the linter already refused cycles and unknown needs).
    std::set<std::string> done;
    std::function<void(const std::string&)> visit = [&](const std::string& id) {
      if (done.count(id)) return;
      done.insert(id);
      for (const auto& n : Needs(jobs[id])) visit(n);
      order.push_back(id);
    };
    if (!o_.job.empty())
      visit(o_.job);
    else
      for (auto it = jobs.begin(); it != jobs.end(); ++it) visit(it->first.Scalar());
    // Inputs: declared defaults, then the given ones.
    J inputs = J::object();
    for (const char* ev : {"workflow_dispatch", "workflow_call"}) {
      YAML::Node decl = wf_["on"] && wf_["on"].IsMap() && wf_["on"][ev] ? wf_["on"][ev]["inputs"] : YAML::Node();
      if (decl && decl.IsMap()) {
        for (auto it = decl.begin(); it != decl.end(); ++it) {
          inputs[it->first.Scalar()] =
              it->second.IsMap() && it->second["default"] ? ToJson(it->second["default"]) : J("");
        }
      }
    }
    for (const auto& [k, v] : o_.inputs.items()) inputs[k] = v;
    base_.contexts = {{"github", Github()},
                      {"inputs", inputs},
                      {"secrets", o_.secrets},
                      {"vars", o_.vars},
                      {"runner", {{"os", "Linux"}, {"arch", "X64"}, {"name", "redundancy-local"}, {"temp", TempDir()}}},
                      {"env", J::object()},
                      {"needs", J::object()},
                      {"matrix", J::object()},
                      {"steps", J::object()}};
    base_.workspace = o_.workspace;
    workflow_env_ = Env(wf_["env"], base_, J::object());
    for (const auto& id : order) {
      J needs = J::object();
      bool needs_ok = true;
      for (const auto& n : Needs(jobs[id])) {
        needs[n] = results_.count(n) ? results_[n] : J{{"result", "skipped"}, {"outputs", J::object()}};
        needs_ok = needs_ok && needs[n]["result"] == "success";
      }
      EvalContext ctx = base_;
      ctx.contexts["needs"] = needs;
      ctx.status = needs_ok ? "success" : "failure";
      std::vector<J> combos = Combinations(jobs[id]["strategy"], ctx);
      std::string result = "skipped";
      J outputs = J::object();
      for (size_t i = 0; i < combos.size(); ++i) {
        JobRun job = RunJob(id, jobs[id], ctx, combos[i], static_cast<int>(i), static_cast<int>(combos.size()));
        if (job.result == "failure")
          result = "failure";
        else if (job.result == "success" && result != "failure")
          result = "success";
        outputs.update(job.outputs);
        r.jobs.push_back(std::move(job));
      }
      results_[id] = {{"result", result}, {"outputs", outputs}};
    }
    return r;
  }

 private:
  static std::vector<std::string> Needs(const YAML::Node& job) {
    std::vector<std::string> out;
    YAML::Node n = job["needs"];
    if (n && n.IsScalar())
      out.push_back(n.Scalar());
    else if (n && n.IsSequence())
      for (const auto& x : n) out.push_back(x.Scalar());
    return out;
  }
  J Github() const {
    std::string sha;
    auto r = process::RunCapture({.exe = "/usr/bin/git", .args = {"-C", o_.workspace, "rev-parse", "HEAD"}},
                                 std::chrono::seconds(10));
    if (r.ok() && r->exit.code == 0) sha = r->output.substr(0, r->output.find('\n'));
    return {{"workspace", o_.workspace},
            {"event_name", o_.event_name},
            {"sha", sha},
            {"ref", ""},
            {"repository", ""},
            {"actor", getenv("USER") ? getenv("USER") : "redundancy"},
            {"run_id", std::to_string(getpid())},
            {"run_number", "1"},
            {"run_attempt", "1"},
            {"server_url", "https://github.com"},
            {"event", J::object()}};
  }
  std::string TempDir() {
    if (temp_.empty()) {
      char tmpl[] = "/tmp/redundancy-workflow-XXXXXX";
      temp_ = mkdtemp(tmpl) ? tmpl : "/tmp";
    }
    return temp_;
  }
  J Env(const YAML::Node& env, const EvalContext& ctx, J into) {
    if (env && env.IsMap()) {
      for (auto it = env.begin(); it != env.end(); ++it)
        into[it->first.Scalar()] = Interpolate(Scalar(it->second), ctx);
    }
    return into;
  }
  std::string Shell(const YAML::Node& step, const YAML::Node& job) const {
    for (const YAML::Node& n : {step["shell"], job["defaults"] ? job["defaults"]["run"]["shell"] : YAML::Node(),
                                wf_["defaults"] ? wf_["defaults"]["run"]["shell"] : YAML::Node()}) {
      if (n && n.IsScalar()) return n.Scalar();
    }
    return "";
  }
  std::string WorkDir(const YAML::Node& step, const YAML::Node& job, const EvalContext& ctx) const {
    for (const YAML::Node& n :
         {step["working-directory"], job["defaults"] ? job["defaults"]["run"]["working-directory"] : YAML::Node(),
          wf_["defaults"] ? wf_["defaults"]["run"]["working-directory"] : YAML::Node()}) {
      if (n && n.IsScalar()) {
        std::string d = Interpolate(n.Scalar(), ctx);
        return d.empty() || d[0] == '/' ? d : o_.workspace + "/" + d;
      }
    }
    return o_.workspace;
  }

  JobRun RunJob(const std::string& id, const YAML::Node& job, EvalContext ctx, const J& matrix, int index, int total) {
    JobRun run;
    run.id = id;
    if (!matrix.empty()) {
      std::string label;
      for (const auto& [k, v] : matrix.items()) label += (label.empty() ? "" : ", ") + k + ": " + ToText(v);
      run.id += " (" + label + ")";
    }
    ctx.contexts["matrix"] = matrix;
    ctx.contexts["strategy"] = {
        {"job-index", index}, {"job-total", total}, {"fail-fast", true}, {"max-parallel", total}};
    ctx.contexts["github"]["job"] = id;
    try {
      if (!Condition(job["if"], ctx)) {
        run.result = "skipped";
        return run;
      }
    } catch (const std::exception& e) {
      run.result = "failure";
      run.steps.push_back({"if", "failure", "failure", 1, e.what(), "", 0});
      return run;
    }
    J env = Env(job["env"], ctx, workflow_env_);
    std::string dir = TempDir() + "/" + std::to_string(counter_++);
    fs::create_directories(dir);
    std::string env_file = dir + "/env", path_file = dir + "/path";
    std::ofstream(env_file).close();
    std::ofstream(path_file).close();
    bool failed = false;
    J steps = J::object();
    int n = 0;
    for (const auto& step : job["steps"]) {
      StepRun s;
      s.name = Scalar(step["name"], step["run"] ? Scalar(step["run"]).substr(0, Scalar(step["run"]).find('\n'))
                                                : Scalar(step["uses"]));
      ctx.status = failed ? "failure" : "success";
      ctx.contexts["steps"] = steps;
      ctx.contexts["job"] = {{"status", ctx.status}};
      for (const auto& [k, v] : ReadCommandFile(env_file)) env[k] = v;
      ctx.contexts["env"] = env;
      std::string step_id = Scalar(step["id"], "__" + std::to_string(n++));
      bool go = false;
      try {
        go = Condition(step["if"], ctx);
      } catch (const std::exception& e) {
        s.outcome = s.conclusion = "failure", s.output = e.what(), failed = true;
      }
      std::string output_file = dir + "/output-" + std::to_string(n);
      if (go)
        Step(step, job, ctx, env, dir, env_file, path_file, output_file, &s);
      else if (s.outcome == "skipped")
        s.note = "if: condition is false";
      bool continue_on_error =
          step["continue-on-error"] && Truthy(J(Interpolate(Scalar(step["continue-on-error"]), ctx) == "true"));
      s.conclusion = s.outcome == "failure" && continue_on_error ? "success" : s.outcome;
      if (s.conclusion == "failure") failed = true;
      J outputs = J::object();
      for (const auto& [k, v] : ReadCommandFile(output_file)) outputs[k] = v;
      steps[step_id] = {{"outputs", outputs}, {"outcome", s.outcome}, {"conclusion", s.conclusion}};
      if (o_.on_step) o_.on_step(run, s);
      run.steps.push_back(std::move(s));
    }
    run.result = failed ? "failure" : "success";
    ctx.contexts["steps"] = steps;
    ctx.contexts["env"] = env;
    if (job["outputs"] && job["outputs"].IsMap()) {
      for (auto it = job["outputs"].begin(); it != job["outputs"].end(); ++it) {
        try {
          run.outputs[it->first.Scalar()] = Interpolate(Scalar(it->second), ctx);
        } catch (const std::exception&) {
        }
      }
    }
    return run;
  }

  void Step(const YAML::Node& step, const YAML::Node& job, const EvalContext& ctx, const J& job_env,
            const std::string& dir, const std::string& env_file, const std::string& path_file,
            const std::string& output_file, StepRun* s) {
    if (step["uses"]) {
      std::string uses = Scalar(step["uses"]);
      s->outcome = "success";
      s->note = uses.rfind("actions/checkout@", 0) == 0
                    ? "actions/checkout: a no-op here (the workspace is the checkout)"
                    : "uses: " + uses + " is not run locally (skipped)";
      if (uses.rfind("actions/checkout@", 0) != 0) s->outcome = "skipped";
      return;
    }
    auto start = std::chrono::steady_clock::now();
    try {
      std::string script = Interpolate(Scalar(step["run"]), ctx);
      J env = Env(step["env"], ctx, job_env);
      std::string file = dir + "/step-" + std::to_string(counter_++);
      std::string shell = Shell(step, job);
      std::vector<std::string> argv;
      if (shell.empty() || shell == "bash")
        argv = {"bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"};
      else if (shell == "sh")
        argv = {"sh", "-e", "{0}"};
      else if (shell == "python")
        argv = {"python3", "{0}"}, file += ".py";
      else if (shell == "pwsh" || shell == "powershell" || shell == "cmd")
        throw std::runtime_error("shell " + shell + " is not available here");
      else {
        std::istringstream words(shell);
        for (std::string w; words >> w;) argv.push_back(w);
      }
      std::ofstream(file, std::ios::trunc) << script;
      for (auto& a : argv) {
        if (a == "{0}") a = file;
      }
      std::ofstream(output_file).close();
      process::SpawnSpec spec;
      auto exe = process::ResolveExe(argv[0]);
      if (!exe.ok()) throw std::runtime_error(exe.error());
      spec.exe = *exe;
      spec.args.assign(argv.begin() + 1, argv.end());
      spec.cwd = WorkDir(step, job, ctx);
      for (const auto& [k, v] : env.items()) spec.env.push_back({k, ToText(v)});
      std::string path_add;
      std::ifstream pin(path_file);
      for (std::string l; std::getline(pin, l);) path_add += l + ":";
      spec.env.insert(spec.env.end(), {{"CI", "true"},
                                       {"GITHUB_WORKSPACE", o_.workspace},
                                       {"GITHUB_OUTPUT", output_file},
                                       {"GITHUB_ENV", env_file},
                                       {"GITHUB_PATH", path_file},
                                       {"GITHUB_STEP_SUMMARY", dir + "/summary"},
                                       {"GITHUB_EVENT_NAME", o_.event_name},
                                       {"RUNNER_OS", "Linux"},
                                       {"RUNNER_TEMP", TempDir()}});
      if (!path_add.empty()) spec.env.push_back({"PATH", path_add + (getenv("PATH") ? getenv("PATH") : "")});
      auto timeout = o_.default_step_timeout;
      if (step["timeout-minutes"]) {
        // A number of minutes, from 0 to a day; anything else is the step's error, not an exception out of the runner.
        std::string text = Interpolate(Scalar(step["timeout-minutes"]), ctx);
        double minutes = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), minutes);
        if (ec != std::errc() || end != text.data() + text.size() || !(minutes >= 0 && minutes <= 1440)) {
          throw std::runtime_error("timeout-minutes '" + text.substr(0, 40) +
                                   "' is not a number of minutes from 0 to 1440");
        }
        timeout = std::chrono::milliseconds(static_cast<int64_t>(minutes * 60000));
      }
      auto r = process::RunCapture(spec, timeout, 256 * 1024);
      if (!r.ok()) throw std::runtime_error(r.error());
      s->output = r->output;
      s->exit_code = r->exit.code;
      s->outcome = r->exit.code == 0 ? "success" : "failure";
      if (r->timed_out) s->note = "timed out", s->outcome = "failure";
    } catch (const std::exception& e) {
      s->outcome = "failure";
      s->output += e.what();
    }
    s->ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

  const YAML::Node& wf_;
  const RunOptions& o_;
  EvalContext base_;
  J workflow_env_;
  std::map<std::string, J> results_;
  std::string temp_;
  int counter_ = 0;
};

}  // namespace

bool WorkflowRun::ok() const {
  return error.empty() && std::none_of(jobs.begin(), jobs.end(), [](const JobRun& j) { return j.result == "failure"; });
}

J WorkflowRun::Json() const {
  J j = {{"ok", ok()}, {"jobs", J::array()}};
  if (!error.empty()) j["error"] = error;
  for (const auto& job : jobs) {
    J steps = J::array();
    for (const auto& s : job.steps) {
      steps.push_back({{"name", s.name},
                       {"outcome", s.outcome},
                       {"conclusion", s.conclusion},
                       {"exit_code", s.exit_code},
                       {"output", s.output},
                       {"note", s.note},
                       {"ms", s.ms}});
    }
    j["jobs"].push_back({{"id", job.id}, {"result", job.result}, {"outputs", job.outputs}, {"steps", steps}});
  }
  return j;
}

WorkflowRun RunWorkflowFile(const std::string& path, const RunOptions& options) {
  WorkflowRun r;
  std::string text = ReadWholeFile(path);
  LintResult lint = LintWorkflow(text);
  if (lint.HasErrors()) {
    r.error = "the workflow has errors; fix them first:";
    for (const auto& p : lint.problems) {
      if (p.severity == "error") r.error += "\n" + FormatProblem(path, p);
    }
    return r;
  }
  YAML::Node wf = YAML::Load(text);
  RunOptions o = options;
  if (o.workspace.empty()) o.workspace = ".";
  std::error_code ec;
  o.workspace = fs::absolute(o.workspace, ec).string();
  Runner runner(wf, o);
  try {
    return runner.Run();
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
}

}  // namespace redundancy::workflows
