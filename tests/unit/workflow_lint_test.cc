// The workflow linter against the corpus in tests/fixtures/workflows: the
// valid workflows (a repository layout, so reusable workflows and local
// actions resolve) lint clean; every invalid one reports exactly the
// "# expect: LINE:COL [rule]" lines written at its end. Plus a fuzz run: the
// linter returns on every mutation of the corpus and on pathological input.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include "agents/workflows/lint.h"
#include "common/file_util.h"

namespace redundancy::workflows {
namespace {

namespace fs = std::filesystem;
const std::string kCorpus = std::string(SOURCE_DIR) + "/tests/fixtures/workflows";

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WorkflowLintTest, ValidCorpusLintsClean) {
  auto files = Files(kCorpus + "/repo/.github/workflows");
  ASSERT_GE(files.size(), 9u);
  LintOptions o;
  o.repo_root = kCorpus + "/repo";
  for (const auto& f : files) {
    auto r = LintWorkflow(ReadWholeFile(f), o);
    std::string all;
    for (const auto& p : r.problems) all += FormatProblem(f, p) + "\n";
    EXPECT_TRUE(r.problems.empty()) << all;
    EXPECT_TRUE(r.facts.parsed) << f;
  }
}

// Every file of invalid/, checks/ (a file per check family, valid and invalid
// twins) and realworld/ (workflows in the shapes of GitHub's starter workflows
// and of open-source projects' CI) reports exactly its "# expect:" lines;
// "# expect: clean" files report nothing. The expectations are actionlint
// 1.7.7's, except where a "# actionlint:" line in the file says why we differ.
TEST(WorkflowLintTest, CorpusReportsExactlyTheExpectedProblems) {
  std::set<std::string> rules_seen;
  const std::regex kExpect(R"(# expect: (\d+:\d+ \[[a-z-]+\]))");
  int files = 0, clean = 0;
  for (const char* dir : {"/invalid", "/checks", "/realworld"}) {
    for (const auto& f : Files(kCorpus + dir)) {
      std::string text = ReadWholeFile(f);
      std::multiset<std::string> want, got;
      for (auto it = std::sregex_iterator(text.begin(), text.end(), kExpect); it != std::sregex_iterator(); ++it)
        want.insert((*it)[1]);
      bool is_clean = text.find("\n# expect: clean\n") != std::string::npos;
      ASSERT_TRUE(!want.empty() || is_clean) << f << " has no expectations";
      std::string all;
      for (const auto& p : LintWorkflow(text).problems) {
        got.insert(std::to_string(p.line) + ":" + std::to_string(p.col) + " [" + p.rule + "]");
        rules_seen.insert(p.rule);
        all += FormatProblem(f, p) + "\n";
      }
      EXPECT_EQ(got, want) << f << "\n" << all;
      ++files, clean += is_clean;
    }
  }
  EXPECT_GE(files, 150);
  EXPECT_GE(clean, 60);
  // Every rule of the linter is exercised by the corpus.
  for (const char* rule :
       {"syntax-check", "expression", "job-needs", "runner-label", "events", "glob", "matrix", "permissions", "action",
        "id", "credentials", "if-cond", "shell-name", "env-var", "workflow-call", "deprecated-commands"}) {
    EXPECT_TRUE(rules_seen.count(rule)) << rule;
  }
}

TEST(WorkflowLintTest, FactsForTheAgent) {
  auto r = LintWorkflow(ReadWholeFile(kCorpus + "/repo/.github/workflows/services.yml"));
  EXPECT_EQ(r.facts.secrets, (std::set<std::string>{"PG_PASSWORD"})) << "GITHUB_TOKEN is always there";
  r = LintWorkflow(ReadWholeFile(kCorpus + "/repo/.github/workflows/nightly.yml"));
  EXPECT_EQ(r.facts.schedules, (std::vector<std::string>{"17 3 * * 1-5", "0 12 * * SUN"}));
  EXPECT_EQ(r.facts.name, "Nightly");
}

TEST(WorkflowLintTest, ExtraRunnerLabelsAreAccepted) {
  std::string wf = "on: push\njobs:\n  a:\n    runs-on: gpu-box\n    steps:\n      - run: echo\n";
  EXPECT_EQ(LintWorkflow(wf).problems.size(), 1u);
  LintOptions o;
  o.runner_labels = {"gpu-box"};
  EXPECT_TRUE(LintWorkflow(wf, o).problems.empty());
}

// What a hostile repository can put in a workflow: values long enough to
// overflow std::regex's recursion, operator and property chains thousands
// deep, a fromJSON() literal nested 30,000 times, thousands of ${{ }} in one
// string. Each used to crash (stack overflow) or take seconds; now each is
// a problem (or nothing) and the linter returns.
TEST(WorkflowLintTest, HostileValuesAreProblemsNotCrashes) {
  auto lint = [](const std::string& step) {
    return LintWorkflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n" + step + "\n");
  };
  auto rules = [](const LintResult& r) {
    std::string s;
    for (const auto& p : r.problems) s += p.rule + ":" + p.message.substr(0, 60) + "\n";
    return s;
  };
  std::string big(30000, '0');
  EXPECT_FALSE(lint("      - uses: actions/checkout@" + big).problems.empty());
  EXPECT_FALSE(lint("      - uses: " + std::string(30000, 'x') + "/checkout@v4").problems.empty());
  EXPECT_FALSE(lint("      - id: a" + big + "\n        run: echo").problems.empty());
  EXPECT_FALSE(lint("      - run: echo\n        timeout-minutes: 1" + big).problems.empty());
  std::string chain = "true";
  for (int i = 0; i < 8000; ++i) chain += " && true";
  auto r = lint("      - run: echo \"${{ " + chain + " }}\"");
  EXPECT_NE(rules(r).find("expression:invalid expression: expression"), std::string::npos) << rules(r);
  std::string props = "github";
  for (int i = 0; i < 5000; ++i) props += ".a";
  EXPECT_FALSE(lint("      - run: echo \"${{ " + props + " }}\"").problems.empty());
  std::string deep = std::string(30000, '[') + std::string(30000, ']');
  lint("      - run: echo \"${{ fromJSON('" + deep.substr(0, 12000) + "') }}\"");
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "${{ github.event.issue.title }}";
  EXPECT_EQ(lint("      - run: echo \"" + many + "\"").problems.size(), 5000u) << "every one, at its token";
  r = lint("      - run: echo a" + std::string(1, '\0') + "b");
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].line, 6);
  EXPECT_EQ(r.problems[0].col, 20);
  EXPECT_EQ(r.problems[0].message, "control character 0x00 is not allowed in a workflow");
}

// Mutations of every corpus file (bytes flipped, cut, duplicated, YAML and
// expression punctuation inserted): the linter must return every time.
TEST(WorkflowLintTest, FuzzedCorpusNeverCrashesOrHangs) {
  std::vector<std::string> seeds;
  for (const auto& f : Files(kCorpus + "/repo/.github/workflows")) seeds.push_back(ReadWholeFile(f));
  for (const char* dir : {"/invalid", "/checks", "/realworld"}) {
    for (const auto& f : Files(kCorpus + dir)) seeds.push_back(ReadWholeFile(f));
  }
  std::mt19937 rng(20261122);
  const std::vector<std::string> kBits = {
      "${{", "}}", "[", "]", "{",  "}",  ":", "- ", "\n", "'", "\"", "|", ">",  "&a",   "*a",
      "!!",  "(",  ")", "!", "==", "&&", ".", "*",  "\t", "%", "@",  "#", "\\", "\x01", "\xff"};
  int problems = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t at = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          s.insert(at, kBits[rng() % kBits.size()]);
          break;
        case 2:
          s.erase(at, rng() % 16);
          break;
        default:
          s = s.substr(0, at) + s.substr(rng() % s.size());
          break;
      }
    }
    auto r = LintWorkflow(s);
    problems += static_cast<int>(r.problems.size());
    for (const auto& p : r.problems) {
      ASSERT_GE(p.line, 1) << s;
      ASSERT_GE(p.col, 1) << s;
    }
  }
  EXPECT_GT(problems, 3000) << "mutations are found";
  // Pathological input.
  for (const std::string& s :
       {std::string(100000, '['), "on: push\njobs:\n  a:\n    if: " + std::string(50000, '!') + "x\n",
        "on: push\nenv:\n  A: ${{ " + std::string(20000, '(') + " }}\n",
        "on: push\nenv:\n  A: " + std::string(20000, '$') + "${{\n", std::string("\0\0\0", 3),
        std::string("a: &x [*x]\n"), "on: [" + std::string(5000, ',') + "]\n"}) {
    auto r = LintWorkflow(s);
    EXPECT_FALSE(r.problems.empty());
  }
}

}  // namespace
}  // namespace redundancy::workflows
