// Script injection (actionlint's "untrusted inputs" check): event data that
// anyone who opens an issue or a pull request controls, expanded by `${{ }}`
// into a run: script or github-script's script:, becomes code. Reported at
// the start of the property chain, once per chain; object filters
// (`commits.*.message`) and indexes (`commits[0].message`) included.
#include "agents/workflows/lint_internal.h"

namespace redundancy::workflows::internal {
namespace {

// Paths under `github`, "*" standing for any array element.
const std::set<std::string>& UntrustedPaths() {
  static const std::set<std::string> kPaths = {
      "github.head_ref",
      "github.event.issue.title",
      "github.event.issue.body",
      "github.event.pull_request.title",
      "github.event.pull_request.body",
      "github.event.pull_request.head.ref",
      "github.event.pull_request.head.label",
      "github.event.pull_request.head.repo.default_branch",
      "github.event.comment.body",
      "github.event.review.body",
      "github.event.review_comment.body",
      "github.event.discussion.title",
      "github.event.discussion.body",
      "github.event.pages.*.page_name",
      "github.event.commits.*.message",
      "github.event.commits.*.author.email",
      "github.event.commits.*.author.name",
      "github.event.head_commit.message",
      "github.event.head_commit.author.email",
      "github.event.head_commit.author.name",
      // GitHub's list of untrusted input also names the triggering run's branch and commit.
      "github.event.workflow_run.head_branch",
      "github.event.workflow_run.head_commit.message",
      "github.event.workflow_run.head_commit.author.email",
      "github.event.workflow_run.head_commit.author.name",
      "github.event.workflow_run.pull_requests.*.head.ref",
  };
  return kPaths;
}

// The segments of a property chain: names lower-cased, "*" for an object
// filter (any property or element), "#" for an index (any element); empty
// when the chain does not start at a context or indexes with something computed.
bool ChainPath(const Expr& e, std::vector<std::string>* out) {
  switch (e.kind) {
    case Expr::Kind::kVar:
      out->push_back(Lower(e.text));
      return true;
    case Expr::Kind::kProp:
      if (!ChainPath(*e.args[0], out)) return false;
      out->push_back(e.star ? "*" : Lower(e.text));
      return true;
    case Expr::Kind::kIndex: {
      if (!ChainPath(*e.args[0], out)) return false;
      if (e.star) {
        out->push_back("*");
      } else if (e.args.size() > 1 && e.args[1] && e.args[1]->kind == Expr::Kind::kString) {
        out->push_back(Lower(e.args[1]->text));
      } else if (e.args.size() > 1 && e.args[1] && e.args[1]->kind == Expr::Kind::kNumber) {
        out->push_back("#");
      } else {
        return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// The untrusted paths a chain reaches.
std::vector<std::string> Reached(const std::vector<std::string>& chain) {
  // Each path split into its segments once.
  static const auto* kSplit = [] {
    auto* out = new std::vector<std::pair<std::string, std::vector<std::string>>>;
    for (const auto& path : UntrustedPaths()) {
      std::vector<std::string> segs;
      for (size_t a = 0, b; a <= path.size(); a = b + 1) {
        b = path.find('.', a);
        if (b == std::string::npos) b = path.size();
        segs.push_back(path.substr(a, b - a));
      }
      out->emplace_back(path, std::move(segs));
    }
    return out;
  }();
  std::vector<std::string> hits;
  for (const auto& [path, segs] : *kSplit) {
    if (segs.size() != chain.size()) continue;
    bool match = true;
    for (size_t k = 0; k < segs.size() && match; ++k) {
      match = chain[k] == segs[k] || chain[k] == "*" || (chain[k] == "#" && segs[k] == "*");
    }
    if (match) hits.push_back(path);
  }
  return hits;
}

}  // namespace

void Linter::Untrusted(const Expr& e, const YAML::Node& n, size_t base) {
  // contains(), startsWith() and endsWith() answer true or false: nothing of their arguments reaches the script.
  if (e.kind == Expr::Kind::kCall) {
    std::string f = Lower(e.text);
    if (f == "contains" || f == "startswith" || f == "endswith") return;
  }
  if (e.kind == Expr::Kind::kProp || e.kind == Expr::Kind::kIndex) {
    std::vector<std::string> chain;
    if (ChainPath(e, &chain)) {
      auto hits = Reached(chain);
      if (!hits.empty()) {
        const Expr* root = &e;
        while (!root->args.empty() && (root->kind == Expr::Kind::kProp || root->kind == Expr::Kind::kIndex))
          root = root->args[0].get();
        auto [line, col] = PosIn(n, base + root->pos);
        std::string what = "\"" + hits[0] + "\"";
        for (size_t k = 1; k < hits.size(); ++k) what += ", \"" + hits[k] + "\"";
        AddAt(line, col,
              (hits.size() > 1 ? "object filter extracts potentially untrusted " + what
                               : what + " is potentially untrusted") +
                  " in an inline script: whoever opens the issue, pull request or comment controls it (script "
                  "injection); pass it through an environment variable and quote that instead",
              "expression", "warning");
      }
      return;  // a chain: its indexes are literals
    }
  }
  for (const auto& a : e.args) {
    if (a) Untrusted(*a, n, base);
  }
}

}  // namespace redundancy::workflows::internal
