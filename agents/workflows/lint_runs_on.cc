// The workflow linter, runs-on: GitHub-hosted, retired and self-hosted
// labels, `${{ matrix.KEY }}` labels expanded to the matrix's values, and
// labels of two operating systems in one job.
#include <regex>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"

namespace redundancy::workflows::internal {

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
  // Labels as the runner sees them: a `${{ matrix.KEY }}` label stands for each of KEY's values.
  bool self_hosted = false;
  for (const auto& l : labels) self_hosted |= l.IsScalar() && Lower(l.Scalar()) == "self-hosted";
  std::vector<YAML::Node> fixed, expanded;
  static const std::regex kMatrixLabel(R"(^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$)");
  for (const auto& l : labels) {
    if (!l.IsScalar()) continue;
    std::smatch m;
    std::string text = Trim(l.Scalar());
    if (Match(text, m, kMatrixLabel)) {
      auto it = matrix_values_.find(Lower(m[1].str()));
      if (it == matrix_values_.end()) continue;
      for (const auto& v : it->second) {
        if (v.IsScalar() && v.Scalar().find("${{") == std::string::npos) expanded.push_back(v);
      }
    } else if (text.find("${{") == std::string::npos) {
      fixed.push_back(l);
    }
  }
  for (const auto* group : {&fixed, &expanded}) {
    for (const auto& l : *group) {
      std::string label = Lower(l.Scalar());
      if (auto it = RetiredRunnerLabels().find(label); it != RetiredRunnerLabels().end()) {
        Add(l.Mark(),
            "runner \"" + l.Scalar() + "\" was retired by GitHub (" + it->second + "); jobs on it never start",
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
  // One job runs on one machine: labels of two operating systems never match a runner.
  auto os_of = [](const std::string& label) -> std::string {
    std::string l = Lower(label);
    for (const char* os : {"windows", "ubuntu", "macos", "linux"}) {
      if (l == os || l.rfind(std::string(os) + "-", 0) == 0) return std::string(os) == "ubuntu" ? "linux" : os;
    }
    return "";
  };
  const YAML::Node* first = nullptr;
  std::string first_os;
  for (const auto& l : fixed) {
    std::string os = os_of(l.Scalar());
    if (os.empty()) continue;
    if (!first) {
      first = &l, first_os = os;
    } else if (os != first_os) {
      Add(l.Mark(),
          "label \"" + l.Scalar() + "\" conflicts with label \"" + first->Scalar() + "\" at line " +
              std::to_string(first->Mark().line + 1) + ": a job runs on one machine; to run on each, use a matrix",
          "runner-label");
    }
  }
  for (const auto& l : expanded) {
    std::string os = os_of(l.Scalar());
    if (first && !os.empty() && os != first_os) {
      Add(l.Mark(),
          "matrix value \"" + l.Scalar() + "\" conflicts with runs-on label \"" + first->Scalar() + "\" at line " +
              std::to_string(first->Mark().line + 1) + ": a job runs on one machine",
          "runner-label");
    }
  }
}

}  // namespace redundancy::workflows::internal
