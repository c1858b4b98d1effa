// The build agent through the real daemon, on a real npm project (no network:
// its dependencies are a local tarball and a local folder).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A copy of tests/fixtures/build/project, installed once and committed.
std::string MakeProject(const std::string& root) {
  std::string p = root + "/project";
  fs::copy(std::string(SOURCE_DIR) + "/tests/fixtures/build/project", p, fs::copy_options::recursive);
  Sh("cd " + p + "/pkg && tar czf ../vendor/greet-1.0.0.tgz --transform 's,^greet,package,' greet");
  Sh("cd " + p + " && " + NpmTestEnvPrefix(root) + "npm install --no-audit --no-fund >/dev/null 2>&1");
  Sh("cd " + p + " && git init -q -b main && git add -A && git commit -q -m initial");
  return p;
}

class BuildAgentTest : public ::testing::Test {
 protected:
  void SetUp() override { project_ = MakeProject(dir_.path()); }
  void Start(const std::string& extra = "") {
    d_ = std::make_unique<Daemon>(
        "  build: {interval: 300ms, dir: " + project_ +
        ", validate: \"npm run build\", validate_interval: 1h, artifacts: [dist/out.txt], sources: [src]" + extra +
        "}\n");
    ASSERT_TRUE(d_->Start(NpmTestEnv(dir_.path())));
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  std::optional<v1::CheckStatus> Check(const std::string& target) const { return d_->CheckOf(target); }
  bool WaitStatus(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout) const {
    return d_->WaitCheck(target, want, timeout);
  }
  std::string History() const { return d_->Ctl("history").output; }
  std::string GitStatus() const { return Sh("git -C " + project_ + " status --porcelain"); }

  TempDir dir_;
  std::string project_;
  std::unique_ptr<Daemon> d_;
};

TEST_F(BuildAgentTest, HealthyProjectPassesEveryCheck) {
  Start();
  for (const char* t : {"build:node", "build:deps", "build:validate", "build:artifacts"}) {
    EXPECT_TRUE(WaitStatus(t, v1::HEALTH_OK, 20s)) << t << ": " << (Check(t) ? Check(t)->summary() : "none");
  }
  EXPECT_NE(Check("build:deps")->summary().find("2 package(s) match package-lock.json (npm's hidden lockfile)"),
            std::string::npos)
      << Check("build:deps")->summary();
  EXPECT_NE(Check("build:node")->summary().find("engines.node >=18"), std::string::npos)
      << Check("build:node")->summary();
  EXPECT_EQ(ReadFile(project_ + "/dist/out.txt"), "hello world OK!\n");
}

TEST_F(BuildAgentTest, RottenNodeModulesAreReinstalledAndTheCheckoutStaysClean) {
  Start();
  ASSERT_TRUE(WaitStatus("build:deps", v1::HEALTH_OK, 20s));
  // Somebody edits an installed package by hand.
  WriteFile(project_ + "/node_modules/greet/package.json", R"({"name":"greet","version":"0.0.1"})");
  ASSERT_TRUE(WaitStatus("build:deps", v1::HEALTH_FAILED, 10s));
  ASSERT_TRUE(WaitUntil([&] { return History().find("deps_reinstalled") != std::string::npos; }, 30s)) << History();
  EXPECT_TRUE(WaitStatus("build:deps", v1::HEALTH_OK, 10s)) << Check("build:deps")->summary();
  EXPECT_NE(History().find("npm ci in"), std::string::npos);
  EXPECT_NE(ReadFile(project_ + "/node_modules/greet/package.json").find("1.0.0"), std::string::npos);
  EXPECT_EQ(GitStatus(), "") << "package.json and the lock are untouched";
  EXPECT_TRUE(fs::is_empty(d_->state_dir() + "/build")) << "the old node_modules is removed once the new one is in";
}

TEST_F(BuildAgentTest, AFailedReinstallPutsTheOldNodeModulesBack) {
  // The tarball the lock points at is gone, and so is npm's cache: npm ci cannot work.
  WriteFile(project_ + "/node_modules/greet/marker", "old copy\n");
  fs::rename(project_ + "/vendor/greet-1.0.0.tgz", dir_.path() + "/greet.tgz");
  fs::remove_all(dir_.path() + "/npm-cache");
  fs::remove_all(project_ + "/node_modules/shout");
  Start();
  ASSERT_TRUE(WaitUntil([&] { return History().find("deps_reinstall_failed") != std::string::npos; }, 30s))
      << History();
  EXPECT_NE(History().find("put the old node_modules back"), std::string::npos) << History();
  EXPECT_EQ(ReadFile(project_ + "/node_modules/greet/marker"), "old copy\n");
  EXPECT_TRUE(WaitStatus("build:deps", v1::HEALTH_FAILED, 5s));
}

TEST_F(BuildAgentTest, ARejectedLockFallsBackToInstallWithoutSaving) {
  // package.json gains a dependency the lock does not have: npm ci refuses.
  std::string pkg = ReadFile(project_ + "/package.json");
  std::string changed = pkg;
  changed.replace(changed.find("\"shout\""), 0, "\"extra\": \"file:vendor/shout\",\n    ");
  WriteFile(project_ + "/package.json", changed);
  Commit(project_, "add extra");
  Start();
  ASSERT_TRUE(WaitUntil([&] { return History().find("npm install --no-save in") != std::string::npos; }, 30s))
      << History();
  EXPECT_TRUE(fs::exists(project_ + "/node_modules/extra/index.js"));
  EXPECT_EQ(GitStatus(), "") << "neither package.json nor the lock is rewritten";
  // Installed, but the lock still disagrees: that needs a person, not a loop.
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto c = Check("build:deps");
        return c && c->summary().find("gave up") != std::string::npos;
      },
      10s))
      << Check("build:deps")->summary();
}

TEST_F(BuildAgentTest, FailingValidateKeepsItsOutputTail) {
  WriteFile(project_ + "/BUILD_FAIL", "");
  Start();
  ASSERT_TRUE(WaitStatus("build:validate", v1::HEALTH_FAILED, 20s));
  auto c = Check("build:validate");
  EXPECT_NE(c->summary().find("exited 3"), std::string::npos) << c->summary();
  EXPECT_NE(c->details().find("build: refusing, BUILD_FAIL is present"), std::string::npos) << c->details();
  // Retried once, then left alone until the code changes.
  EXPECT_TRUE(WaitUntil([&] { return Check("build:validate")->summary().find("gave up") != std::string::npos; }, 10s));
  fs::remove(project_ + "/BUILD_FAIL");
  Sh("git -C " + project_ + " commit -q --allow-empty -m fixed");
  EXPECT_TRUE(WaitStatus("build:validate", v1::HEALTH_OK, 20s)) << Check("build:validate")->summary();
}

TEST_F(BuildAgentTest, StaleArtifactsAreRebuilt) {
  Start();
  ASSERT_TRUE(WaitStatus("build:artifacts", v1::HEALTH_OK, 20s));
  std::string before = ReadFile(project_ + "/dist/out.txt");
  // A source newer than the artifact.
  WriteFile(project_ + "/src/index.js", "module.exports = () => 'v2 ' + require('greet')('there');\n");
  Sh("touch -d '+2 seconds' " + project_ + "/src/index.js");
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(project_ + "/dist/out.txt") == "v2 hello there\n"; }, 20s)) << History();
  EXPECT_TRUE(WaitStatus("build:artifacts", v1::HEALTH_OK, 20s));
  EXPECT_NE(before, ReadFile(project_ + "/dist/out.txt"));
}

TEST_F(BuildAgentTest, NodeOutsideEnginesAndNvmrcIsFailedAndGivenUp) {
  std::string pkg = ReadFile(project_ + "/package.json");
  pkg.replace(pkg.find(">=18"), 4, "<10");
  WriteFile(project_ + "/package.json", pkg);
  WriteFile(project_ + "/.nvmrc", "# the team's node\nv16.20.2\n");
  Start();
  ASSERT_TRUE(WaitStatus("build:node", v1::HEALTH_FAILED, 20s));
  std::string s = Check("build:node")->summary();
  EXPECT_NE(s.find("does not satisfy engines.node \"<10\""), std::string::npos) << s;
  EXPECT_NE(s.find("is not the 16.20.2 that .nvmrc asks for"), std::string::npos) << s;
}

}  // namespace
}  // namespace redundancy::testing
