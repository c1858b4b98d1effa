// Workflows: `redundancyctl lint-workflow` and `workflow run` through the
// binary, and the workflows agent through the real daemon: restoring deleted
// and corrupted workflows (git HEAD or the last good copy, the broken version
// kept), secrets, the GitHub API (a node server on 127.0.0.1) with failed
// runs, rate limits and silent schedules, and local fallback runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kFixtures = std::string(SOURCE_DIR) + "/tests/fixtures/workflows";

TEST(LintWorkflowCommandTest, ExitCodesAndFormat) {
  std::string out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl lint-workflow " + kFixtures + "/repo/.github/workflows", &out), 0)
      << out;
  EXPECT_TRUE(out.empty()) << out;
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl lint-workflow " + kFixtures + "/invalid/matrix.yml", &out), 1);
  EXPECT_NE(
      out.find(kFixtures + "/invalid/matrix.yml:9:29: duplicate value \"ubuntu-latest\" in matrix key \"os\" [matrix]"),
      std::string::npos)
      << out;
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl lint-workflow /nonexistent.yml 2>&1", &out), 2);
  EXPECT_NE(out.find("/nonexistent.yml cannot be read: No such file or directory"), std::string::npos) << out;
  out.clear();
  // As actionlint: any problem exits 1, a warning too; --json has every field.
  TempDir d;
  d.Write(
      "w.yml",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"::set-output name=a::b\"\n");
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl lint-workflow --json " + d.path() + "/w.yml", &out), 1) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << out;
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["severity"], "warning");
  EXPECT_EQ(j[0]["rule"], "deprecated-commands");
  EXPECT_EQ(j[0]["line"], 6);
}

// The checks of the actionlint parity work through the binary: every problem
// of a file at its line and column with its rule, errors and warnings apart,
// and exit 1 for a schedule GitHub refuses.
TEST(WorkflowLintCommandTest, EveryProblemAtItsTokenWithActionlintsRule) {
  TempDir d;
  d.Write("w.yml",
          "on:\n"
          "  issues:\n"
          "  schedule:\n"
          "    - cron: '*/2 * * * *'\n"
          "jobs:\n"
          "  a:\n"
          "    runs-on: [ubuntu-latest, windows-latest]\n"
          "    steps:\n"
          "      - uses: actions/checkout@v2\n"
          "        with: {fetch_depth: 1}\n"
          "      - run: echo \"${{ github.event.issue.title }}\" \"${{ github.event.issue.body }}\"\n"
          "      - run: echo ${{ github.event }}\n");
  std::string out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl lint-workflow --json " + d.path() + "/w.yml", &out), 1) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << out;
  std::multiset<std::string> got;
  for (const auto& p : j) {
    got.insert(std::to_string(p["line"].get<int>()) + ":" + std::to_string(p["col"].get<int>()) + " " +
               p["rule"].get<std::string>() + " " + p["severity"].get<std::string>());
  }
  EXPECT_EQ(got, (std::multiset<std::string>{"4:13 events error", "7:30 runner-label error", "9:15 action warning",
                                             "10:16 action warning", "11:24 expression warning",
                                             "11:58 expression warning", "12:19 expression warning"}))
      << out;
}

TEST(WorkflowRunCommandTest, TwoJobsInNeedsOrderWithOutputsEnvMatrixAndConditions) {
  TempDir d;
  fs::copy(kFixtures + "/run", d.path(), fs::copy_options::recursive);
  std::string out;
  int rc = RunShell("cd " + d.path() + " && " + BinDir() + "/redundancyctl workflow run .github/workflows/two-jobs.yml",
                    &out);
  EXPECT_EQ(rc, 1) << "the n=2 leg fails\n" << out;
  for (const char* line :
       {"hello world from-env-file", "got world n=1 in sub", "got world n=2 in sub", "cleanup after failure", "py 2",
        "job first: success", "job second (n: 1): success", "job second (n: 2): failure",
        "actions/checkout: a no-op here", "uses: some/action@v1 is not run locally"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  }
  // first's output reached second through needs; "never" ran only where nothing had failed.
  EXPECT_EQ(out.find("never\n== second (n: 2)"), std::string::npos) << out;
  out.clear();
  rc = RunShell(
      BinDir() + "/redundancyctl workflow run " + d.path() + "/.github/workflows/two-jobs.yml --job first --json",
      &out);
  EXPECT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  ASSERT_EQ(j["jobs"].size(), 1u);
  EXPECT_EQ(j["jobs"][0]["outputs"]["word"], "world");
  EXPECT_EQ(j["jobs"][0]["steps"][3]["outcome"], "failure");
  EXPECT_EQ(j["jobs"][0]["steps"][3]["conclusion"], "success") << "continue-on-error";
  // A workflow with lint errors is refused.
  d.Write(".github/workflows/bad.yml",
          "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope }}\n");
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl workflow run " + d.path() + "/.github/workflows/bad.yml 2>&1", &out),
            2);
  EXPECT_NE(out.find("[expression]"), std::string::npos) << out;
}

class WorkflowsAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.path() + "/site";
    fs::create_directories(repo_ + "/.github/workflows");
    for (const char* f : {"node-ci.yml", "nightly.yml", "services.yml"}) {
      fs::copy(kFixtures + "/repo/.github/workflows/" + f, repo_ + "/.github/workflows/" + f);
    }
    Sh("git init -q -b main " + repo_);
    Commit(repo_, "workflows");
  }
  void TearDown() override {
    d_.reset();
    if (server_ > 0) {
      process::Signal(server_, SIGKILL);
      WaitUntil(
          [&] {
            process::ReapAll();
            return !IsRunning(server_);
          },
          5s);
    }
  }
  void Start(const std::string& extra = "") {
    d_ = std::make_unique<Daemon>("  workflows: {interval: 1h, dir: " + repo_ + "/.github/workflows" + extra + "}\n");
    ASSERT_TRUE(d_->Start({{"REDUNDANCY_TEST_GH_TOKEN", "ghp_s3cr3tTOKENvalue"}}));
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  bool WaitStatus(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout,
                  const std::string& has = "") const {
    return d_->WaitCheck(target, want, timeout, has);
  }
  std::string Summary(const std::string& target) const {
    auto c = d_->CheckOf(target);
    return c ? c->summary() : "(no check " + target + ")";
  }
  std::string History() const { return d_->Ctl("history").output; }
  std::string Wf(const std::string& f) const { return repo_ + "/.github/workflows/" + f; }
  int StartApi(const std::string& runs_json) {
    int port = FreePort();
    WriteFile(dir_.path() + "/runs.json", runs_json);
    process::SpawnSpec spec;
    spec.exe = "node";
    spec.args = {kFixtures + "/github_api.js"};
    spec.env = {{"PORT", std::to_string(port)},
                {"RUNS_FILE", dir_.path() + "/runs.json"},
                {"SEEN_FILE", dir_.path() + "/seen.log"}};
    auto pid = process::Spawn(spec);
    EXPECT_TRUE(pid.ok()) << pid.error();
    server_ = pid.ok() ? *pid : 0;
    EXPECT_TRUE(WaitUntil([&] { return !HttpGetBody(port, "/").empty(); }, 10s));
    return port;
  }

  TempDir dir_;
  std::string repo_;
  std::unique_ptr<Daemon> d_;
  pid_t server_ = 0;
};

TEST_F(WorkflowsAgentTest, DeletedWorkflowIsRestoredFromGit) {
  Start(", restore: true");
  ASSERT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:node-ci.yml");
  std::string original = ReadFile(Wf("node-ci.yml"));
  fs::remove(Wf("node-ci.yml"));
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Wf("node-ci.yml")) == original; }, 10s)) << History();
  EXPECT_TRUE(WaitUntil(
      [&] { return History().find("restored node-ci.yml from git HEAD (it had been deleted)") != std::string::npos; },
      5s))
      << History();
  EXPECT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s));
}

// git is the source of truth: a workflow deleted by a commit stays deleted
// (its last good copy is kept aside), one deleted from the tree only comes back.
TEST_F(WorkflowsAgentTest, AWorkflowDeletedByACommitStaysDeleted) {
  Start(", restore: true");
  ASSERT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:node-ci.yml");
  // As a pull that brings the deletion does it: the commit, then the file goes.
  Sh("git -C " + repo_ + " rm -q --cached .github/workflows/node-ci.yml && git -C " + repo_ +
     " -c user.name=t -c user.email=t@example.com commit -q -m 'drop node-ci' && rm " + Wf("node-ci.yml"));
  EXPECT_TRUE(
      WaitUntil([&] { return History().find("node-ci.yml was deleted by a commit") != std::string::npos; }, 10s))
      << History();
  EXPECT_FALSE(WaitUntil([&] { return fs::exists(Wf("node-ci.yml")); }, 2s)) << "restored what a commit deleted";
  EXPECT_FALSE(d_->CheckOf("workflow:node-ci.yml").has_value());
  EXPECT_EQ(History().find("restored node-ci.yml"), std::string::npos) << History();
  bool kept = false;
  for (const auto& e : fs::directory_iterator(d_->state_dir() + "/workflows/retired")) {
    kept |= e.path().filename().string().rfind("node-ci.yml.", 0) == 0;
  }
  EXPECT_TRUE(kept) << "the last good copy is kept aside";
  EXPECT_EQ(Sh("git -C " + repo_ + " status --porcelain -- .github"), "") << "the checkout is as committed";
}

TEST_F(WorkflowsAgentTest, CorruptedWorkflowIsRestoredAndTheBrokenOneKept) {
  Start(", restore: true");
  ASSERT_TRUE(WaitStatus("workflow:nightly.yml", v1::HEALTH_OK, 10s));
  std::string original = ReadFile(Wf("nightly.yml"));
  const std::string broken = "name: Nightly\non:\n  schedule:\n    - cron: [\njobs: {}\n";
  WriteFile(Wf("nightly.yml.new"), broken);
  fs::rename(Wf("nightly.yml.new"), Wf("nightly.yml"));
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Wf("nightly.yml")) == original; }, 10s)) << History();
  std::string kept;
  for (const auto& e : fs::directory_iterator(d_->state_dir() + "/workflows/broken")) {
    if (e.path().filename().string().rfind("nightly.yml.", 0) == 0) kept = ReadFile(e.path().string());
  }
  EXPECT_EQ(kept, broken);
  EXPECT_NE(History().find("the broken version is kept as"), std::string::npos) << History();
}

// An operator's edit arrives in pieces (an editor, a redirect, a slow copy):
// what is half written is not judged broken nor restored; and a writer so
// slow that its file is restored still loses nothing: the version kept aside
// is the very file it goes on writing.
TEST_F(WorkflowsAgentTest, AWorkflowBeingWrittenIsNeitherRestoredNorLost) {
  Start(", restore: true");
  ASSERT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:node-ci.yml");
  const std::string original = ReadFile(Wf("node-ci.yml"));
  const std::string head = "name: edited\non:\n  push:\n    branches: [main]\n";
  const std::string rest = "jobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo MY EDIT\n";
  {
    std::ofstream w(Wf("node-ci.yml"), std::ios::trunc);
    w << head << std::flush;  // no jobs yet: an error, for now
    ASSERT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_FAILED, 10s, "just written"))
        << Summary("workflow:node-ci.yml");
    w << rest << std::flush;
  }
  ASSERT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s, "valid: edited")) << History();
  EXPECT_EQ(ReadFile(Wf("node-ci.yml")), head + rest) << "the edit was replaced";
  EXPECT_EQ(History().find("restored node-ci.yml"), std::string::npos) << History();

  // A writer that stops half way for longer than that: restored, and what it
  // writes afterwards lands in the kept copy.
  std::ofstream w(Wf("node-ci.yml"), std::ios::trunc);
  w << head << std::flush;
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Wf("node-ci.yml")) == original; }, 15s)) << History();
  w << rest << std::flush;
  w.close();
  std::string kept;
  for (const auto& e : fs::directory_iterator(d_->state_dir() + "/workflows/broken")) {
    if (e.path().filename().string().rfind("node-ci.yml.", 0) == 0) kept = ReadFile(e.path().string());
  }
  EXPECT_EQ(kept, head + rest) << "the writer's later bytes were lost";
}

// Hostile workflows (recursive aliases where the linter recurses, an alias
// bomb, a FIFO, a link to /dev/zero) are failed targets that say why; the
// agent never dies of them, and the other workflows stay checked.
TEST_F(WorkflowsAgentTest, HostileWorkflowsAreFailedTargetsNotACrashLoop) {
  const std::map<std::string, std::string> hostile = {
      {"with.yml",
       "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        "
       "with: &w {x: *w}\n"},
      {"runs-on.yml", "on: push\njobs:\n  a:\n    runs-on: &r [*r]\n    steps:\n      - run: echo\n"},
      {"matrix.yml",
       "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        include: &i [{a: "
       "*i}]\n"
       "    steps:\n      - run: echo\n"},
      {"bomb.yml",
       "on: push\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
       "jobs: {x: {runs-on: [*f], steps: [{run: echo}]}}\n"},
  };
  for (const auto& [name, text] : hostile) WriteFile(Wf(name), text);
  ASSERT_EQ(mkfifo(Wf("fifo.yml").c_str(), 0644), 0);
  fs::create_symlink("/dev/zero", Wf("zero.yml"));
  fs::create_symlink("/etc/passwd", Wf("passwd.yml"));
  Start(", restore: false");
  for (const auto& [name, text] : hostile) {
    EXPECT_TRUE(WaitStatus("workflow:" + name, v1::HEALTH_FAILED, 10s, "[syntax-check]"))
        << name << ": " << Summary("workflow:" + name);
  }
  EXPECT_TRUE(WaitStatus("workflow:fifo.yml", v1::HEALTH_FAILED, 10s, "a FIFO")) << Summary("workflow:fifo.yml");
  EXPECT_TRUE(WaitStatus("workflow:zero.yml", v1::HEALTH_FAILED, 10s, "links outside the checkout"))
      << Summary("workflow:zero.yml");
  EXPECT_TRUE(WaitStatus("workflow:passwd.yml", v1::HEALTH_FAILED, 10s, "links outside the checkout"))
      << Summary("workflow:passwd.yml");
  EXPECT_EQ(d_->Ctl("status").output.find("root:x:"), std::string::npos) << "content outside the checkout was read";
  EXPECT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:node-ci.yml");
  d_->Ctl("check workflows");
  EXPECT_TRUE(WaitStatus("workflow:with.yml", v1::HEALTH_FAILED, 5s));
  EXPECT_EQ(d_->Agent("workflows")->restarts(), 0u) << d_->Agent("workflows")->last_exit();
  // The CLI over the same directory: every file reported, none stops the rest.
  std::string out;
  int rc = RunShell(BinDir() + "/redundancyctl lint-workflow " + repo_ + "/.github/workflows 2>&1", &out);
  EXPECT_EQ(rc, 2) << out;  // some files could not be read at all
  for (const char* name : {"with.yml", "runs-on.yml", "matrix.yml", "bomb.yml", "fifo.yml", "zero.yml"}) {
    EXPECT_NE(out.find(name), std::string::npos) << name << " not reported:\n" << out;
  }
}

// Poison-input isolation: a file that kills the agent (here through a test
// hook) kills it once; the next agent reports that file failed ("crashes
// the checker") and checks the others; a change to the file tries it again.
TEST_F(WorkflowsAgentTest, AFileThatKillsTheAgentIsIsolatedNotACrashLoop) {
  WriteFile(Wf("poison.yml"),
            "on: push\n# CRASH-THE-CHECKER\njobs: {a: {runs-on: ubuntu-latest, steps: [{run: echo}]}}\n");
  d_ = std::make_unique<Daemon>("  workflows: {interval: 1h, dir: " + repo_ + "/.github/workflows, restore: false}\n");
  ASSERT_TRUE(d_->Start({{"REDUNDANCY_TEST_CRASH_MARKER", "CRASH-THE-CHECKER"}}));
  ASSERT_TRUE(WaitStatus("workflow:poison.yml", v1::HEALTH_FAILED, 15s, "crashes the checker"))
      << d_->Ctl("status").output;
  EXPECT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:node-ci.yml");
  d_->Ctl("check workflows");
  d_->Ctl("check workflows");
  EXPECT_TRUE(WaitStatus("workflow:poison.yml", v1::HEALTH_FAILED, 5s, "crashes the checker"));
  auto agent = d_->Agent("workflows");
  ASSERT_TRUE(agent);
  EXPECT_EQ(agent->restarts(), 1u) << "died once, on that file, and not again";
  EXPECT_EQ(agent->state(), "ready");
  // Fixed: checked again.
  WriteFile(Wf("poison.yml"), "on: push\njobs: {a: {runs-on: ubuntu-latest, steps: [{run: echo}]}}\n");
  d_->Ctl("check workflows");
  EXPECT_TRUE(WaitStatus("workflow:poison.yml", v1::HEALTH_OK, 10s)) << Summary("workflow:poison.yml");
}

TEST_F(WorkflowsAgentTest, WithoutGitTheLastGoodCopyIsUsedAndWithoutRestoreNothingIsTouched) {
  fs::remove_all(repo_ + "/.git");
  Start(", restore: true");
  ASSERT_TRUE(WaitStatus("workflow:services.yml", v1::HEALTH_OK, 10s));
  std::string good = ReadFile(Wf("services.yml"));
  // A valid edit becomes the new good copy...
  std::string edited = good + "# edited\n";
  WriteFile(Wf("services.yml"), edited);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(d_->state_dir() + "/workflows/good/services.yml") == edited; }, 10s));
  // ...and is what a broken version is replaced with.
  WriteFile(Wf("services.yml.new"),
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ oops }}\n");
  fs::rename(Wf("services.yml.new"), Wf("services.yml"));
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Wf("services.yml")) == edited; }, 10s)) << History();
  EXPECT_NE(History().find("from the last good copy"), std::string::npos) << History();
  d_.reset();
  // restore off: failed and given up (a person fixes it), the file untouched.
  Start(", restore: false");
  WriteFile(Wf("services.yml.new"),
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ oops }}\n");
  fs::rename(Wf("services.yml.new"), Wf("services.yml"));
  ASSERT_TRUE(WaitStatus("workflow:services.yml", v1::HEALTH_FAILED, 10s, "[expression]"))
      << Summary("workflow:services.yml");
  d_->Ctl("check workflows");
  EXPECT_TRUE(WaitStatus("workflow:services.yml", v1::HEALTH_FAILED, 5s));
  EXPECT_NE(ReadFile(Wf("services.yml")), edited);
  EXPECT_EQ(History().find("restored services.yml"), std::string::npos) << History();
}

TEST_F(WorkflowsAgentTest, SecretsAndVariablesReferencedButNotConfiguredAreWarnings) {
  WriteFile(Wf("deploy.yml"),
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: echo \"${{ vars.REGION }} ${{ vars.STAGE }} ${{ secrets.DEPLOY_KEY }}\"\n");
  WriteFile(dir_.path() + "/secrets.env", "# names of the repository's secrets\nDEPLOY_KEY=not-read\nOTHER\n");
  Start(", secrets_file: " + dir_.path() + "/secrets.env, vars: [REGION]");
  ASSERT_TRUE(WaitStatus("workflow:services.yml", v1::HEALTH_DEGRADED, 10s)) << Summary("workflow:services.yml");
  EXPECT_NE(Summary("workflow:services.yml").find("missing secret(s): PG_PASSWORD"), std::string::npos)
      << Summary("workflow:services.yml");
  ASSERT_TRUE(WaitStatus("workflow:deploy.yml", v1::HEALTH_DEGRADED, 5s)) << Summary("workflow:deploy.yml");
  EXPECT_NE(Summary("workflow:deploy.yml").find("missing variable(s): STAGE"), std::string::npos)
      << Summary("workflow:deploy.yml");
  EXPECT_EQ(Summary("workflow:deploy.yml").find("secret"), std::string::npos) << "DEPLOY_KEY is in the file";
  EXPECT_TRUE(WaitStatus("workflow:node-ci.yml", v1::HEALTH_OK, 5s));
}

TEST_F(WorkflowsAgentTest, GitHubRunsFailedRateLimitedAndSilentSchedules) {
  int port =
      StartApi(R"({"node-ci.yml": {"total_count": 1, "workflow_runs": [{"status": "completed", "conclusion": "failure",
      "html_url": "https://github.com/o/r/actions/runs/42", "created_at": "2026-11-20T10:00:00Z"}]},
    "services.yml": {"total_count": 1, "workflow_runs": [{"status": "completed", "conclusion": "success",
      "html_url": "https://github.com/o/r/actions/runs/41", "created_at": "2026-11-20T09:00:00Z"}]},
    "nightly.yml": {"total_count": 1, "workflow_runs": [{"status": "completed", "conclusion": "success",
      "html_url": "https://github.com/o/r/actions/runs/7", "created_at": "2025-01-01T03:17:00Z"}]}})");
  Start(", github: {repo: o/r, token: \"${REDUNDANCY_TEST_GH_TOKEN}\", api_url: \"http://127.0.0.1:" +
        std::to_string(port) + "\"}");
  ASSERT_TRUE(WaitStatus("workflow-run:node-ci.yml", v1::HEALTH_FAILED, 10s)) << Summary("workflow-run:node-ci.yml");
  EXPECT_NE(Summary("workflow-run:node-ci.yml").find("https://github.com/o/r/actions/runs/42"), std::string::npos);
  EXPECT_TRUE(WaitStatus("workflow-run:services.yml", v1::HEALTH_OK, 5s)) << Summary("workflow-run:services.yml");
  EXPECT_TRUE(WaitStatus("workflow-run:nightly.yml", v1::HEALTH_DEGRADED, 5s, "twice its period"))
      << Summary("workflow-run:nightly.yml");
  // The token went to GitHub and nowhere else.
  EXPECT_NE(ReadFile(dir_.path() + "/seen.log").find("Bearer ghp_s3cr3tTOKENvalue"), std::string::npos);
  std::string everything = d_->ReadLogs() + History() + d_->Ctl("status --json").output;
  EXPECT_EQ(everything.find("ghp_s3cr3tTOKENvalue"), std::string::npos);
  // Rate limited: polling stops until the reset time.
  WriteFile(dir_.path() + "/runs.json",
            R"({"_status": 403, "_headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"}})");
  d_->Ctl("check workflows");
  ASSERT_TRUE(WaitStatus("workflow-run:rate-limit", v1::HEALTH_DEGRADED, 10s)) << d_->Ctl("status").output;
  size_t requests = ReadFile(dir_.path() + "/seen.log").size();
  d_->Ctl("check workflows");
  d_->Ctl("check workflows");
  EXPECT_EQ(ReadFile(dir_.path() + "/seen.log").size(), requests) << "no request while rate limited";
}

TEST_F(WorkflowsAgentTest, LocalFallbackRunsAWorkflowGitHubDoesNotRun) {
  WriteFile(Wf("local.yml"),
            "name: Local\non:\n  schedule:\n    - cron: '0 4 * * *'\njobs:\n  tidy:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: echo \"tidied $(basename $GITHUB_WORKSPACE)\" > tidy.out && cat tidy.out\n");
  int port = StartApi(R"({"local.yml": {"total_count": 0, "workflow_runs": []}})");
  Start(", local_fallback: [local.yml], github: {repo: o/r, api_url: \"http://127.0.0.1:" + std::to_string(port) +
        "\"}");
  ASSERT_TRUE(WaitStatus("workflow-local:local.yml", v1::HEALTH_OK, 10s, "waiting for its schedule"))
      << Summary("workflow-local:local.yml");
  d_->Ctl("recover workflow-local:local.yml");
  ASSERT_TRUE(WaitStatus("workflow-local:local.yml", v1::HEALTH_OK, 20s, "tidy success"))
      << Summary("workflow-local:local.yml") << History();
  EXPECT_EQ(ReadFile(repo_ + "/tidy.out"), "tidied site\n");
  EXPECT_TRUE(WaitUntil([&] { return History().find("tidied site") != std::string::npos; }, 5s)) << History();
}

}  // namespace
}  // namespace redundancy::testing
