#include "ctl/workflow_cmds.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agents/workflows/lint.h"
#include "agents/workflows/runner.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/yaml_bounded.h"

namespace redundancy::ctl {
namespace fs = std::filesystem;

namespace {

// The repository holding `file` (the folder above .github/workflows), or "".
std::string RepoRootOf(const std::string& file) {
  std::error_code ec;
  std::string abs = fs::weakly_canonical(file, ec).string();
  size_t at = abs.rfind("/.github/workflows/");
  return at == std::string::npos ? "" : abs.substr(0, at);
}

}  // namespace

int LintWorkflows(const std::vector<std::string>& paths, const std::set<std::string>& runner_labels, bool json) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        std::string ext = e.path().extension().string();
        if (!e.is_directory(ec) && (ext == ".yml" || ext == ".yaml")) in_dir.push_back(e.path().string());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(p);
    }
  }
  int rc = 0;
  nlohmann::json out = nlohmann::json::array();
  std::string text_out;
  for (const auto& f : files) {
    // A file that cannot be read is a problem of that file; the others are linted all the same.
    auto text = ReadFileBounded(f, YamlLimits{}.max_bytes);
    if (!text.ok()) {
      std::cerr << "redundancyctl: " << f << " " << text.error() << "\n";
      rc = 2;
      continue;
    }
    workflows::LintOptions options;
    options.runner_labels = runner_labels;
    options.repo_root = RepoRootOf(f);
    auto r = workflows::LintWorkflow(*text, options);
    if (!r.problems.empty() && rc == 0) rc = 1;  // as actionlint: any problem, warnings included
    for (const auto& p : r.problems) {
      if (json) {
        out.push_back({{"file", f},
                       {"line", p.line},
                       {"col", p.col},
                       {"severity", p.severity},
                       {"rule", p.rule},
                       {"message", p.message}});
      } else {
        text_out += workflows::FormatProblem(f, p) + "\n";
      }
    }
  }
  if (json)
    std::cout << JsonText(out, 2) << "\n";
  else
    std::cout << text_out;
  return rc;
}

}  // namespace redundancy::ctl

namespace redundancy::ctl {

int RunWorkflow(const std::string& file, const std::string& job, const std::string& workspace, bool json) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    std::cerr << "redundancyctl: cannot read " << file << "\n";
    return 2;
  }
  workflows::RunOptions o;
  o.job = job;
  o.workspace = workspace;
  if (o.workspace.empty()) o.workspace = RepoRootOf(file).empty() ? "." : RepoRootOf(file);
  if (!json) {
    o.on_step = [](const workflows::JobRun& j, const workflows::StepRun& s) {
      std::cout << "== " << j.id << " / " << s.name << ": " << s.outcome << (s.note.empty() ? "" : " (" + s.note + ")")
                << (s.ms > 0 ? " " + std::to_string(static_cast<int>(s.ms)) + " ms" : "") << "\n";
      if (!s.output.empty()) std::cout << s.output << (s.output.back() == '\n' ? "" : "\n");
    };
  }
  auto r = workflows::RunWorkflowFile(file, o);
  if (json) {
    std::cout << JsonText(r.Json(), 2) << "\n";
  } else if (!r.error.empty()) {
    std::cerr << "redundancyctl: " << r.error << "\n";
  } else {
    for (const auto& j : r.jobs) std::cout << "job " << j.id << ": " << j.result << "\n";
  }
  if (!r.error.empty()) return 2;
  return r.ok() ? 0 : 1;
}

}  // namespace redundancy::ctl
