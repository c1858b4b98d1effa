// Dependency consistency on hand-made projects (files only, no npm):
// every way node_modules can disagree with package-lock.json.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agents/build/deps.h"

namespace redundancy::build {
namespace {
namespace fs = std::filesystem;

class DepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/redundancy-deps-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Write(
        "package.json",
        R"({"name":"p","version":"1.0.0","dependencies":{"a":"^1.0.0","@s/b":"2.0.0"},"devDependencies":{"c":"~3.1.0"}})");
    Write("package-lock.json", R"({"name":"p","lockfileVersion":3,"packages":{
      "":{"name":"p","dependencies":{"a":"^1.0.0","@s/b":"2.0.0"},"devDependencies":{"c":"~3.1.0"}},
      "node_modules/a":{"version":"1.2.0"},
      "node_modules/@s/b":{"version":"2.0.0"},
      "node_modules/@s/b/node_modules/a":{"version":"0.9.0"},
      "node_modules/c":{"version":"3.1.4","dev":true},
      "node_modules/fsevents":{"version":"2.3.3","optional":true,"os":["darwin"]}}})");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << text;
  }
  void Install(const std::string& key, const std::string& version) {
    Write(key + "/package.json", R"({"name":"x","version":")" + version + R"("})");
  }
  void InstallAll() {
    Install("node_modules/a", "1.2.0");
    Install("node_modules/@s/b", "2.0.0");
    Install("node_modules/@s/b/node_modules/a", "0.9.0");
    Install("node_modules/c", "3.1.4");
  }
  // npm's hidden lockfile for what is installed, written last (newest).
  void WriteHidden(const std::string& packages) {
    Write("node_modules/.package-lock.json", R"({"name":"p","lockfileVersion":3,"packages":{)" + packages + "}}");
    std::string p = dir_ + "/node_modules/.package-lock.json";
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = time(nullptr) + 5;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    utimensat(AT_FDCWD, p.c_str(), ts, 0);
  }
  std::string dir_;
};

constexpr const char* kAllHidden =
    R"("node_modules/a":{"version":"1.2.0"},"node_modules/@s/b":{"version":"2.0.0"},)"
    R"("node_modules/@s/b/node_modules/a":{"version":"0.9.0"},"node_modules/c":{"version":"3.1.4"})";

TEST_F(DepsTest, ConsistentThroughTheHiddenLockfile) {
  InstallAll();
  WriteHidden(kAllHidden);
  auto r = CheckDependencies(dir_);
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? r.error : r.problems[0]);
  EXPECT_TRUE(r.hidden_lockfile_used);
  EXPECT_EQ(r.expected, 4) << "the darwin-only optional package is not expected";
  EXPECT_EQ(r.installed, 4);
}

TEST_F(DepsTest, ConsistentWithoutAHiddenLockfile) {
  InstallAll();
  auto r = CheckDependencies(dir_);
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? r.error : r.problems[0]);
  EXPECT_FALSE(r.hidden_lockfile_used);
}

TEST_F(DepsTest, MissingNestedPackage) {
  InstallAll();
  fs::remove_all(dir_ + "/node_modules/@s/b/node_modules");
  auto r = CheckDependencies(dir_);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "missing a@0.9.0 (node_modules/@s/b/node_modules/a)");
}

TEST_F(DepsTest, AStaleHiddenLockfileIsNotTrusted) {
  InstallAll();
  WriteHidden(kAllHidden);
  // A package changed by hand after npm wrote its record.
  Install("node_modules/a", "1.1.0");
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = time(nullptr) + 60;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  utimensat(AT_FDCWD, (dir_ + "/node_modules/a").c_str(), ts, 0);
  auto r = CheckDependencies(dir_);
  EXPECT_FALSE(r.hidden_lockfile_used);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "wrong version of a: installed 1.1.0, locked 1.2.0");
}

TEST_F(DepsTest, ExtraneousFolderDistrustsTheHiddenLockfileAndIsReported) {
  InstallAll();
  WriteHidden(kAllHidden);
  Install("node_modules/left-pad", "1.3.0");
  auto r = CheckDependencies(dir_);
  EXPECT_FALSE(r.hidden_lockfile_used);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "extraneous left-pad@1.3.0");
}

TEST_F(DepsTest, NodeModulesMissing) {
  auto r = CheckDependencies(dir_);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "node_modules is missing (4 packages locked)");
}

TEST_F(DepsTest, PackageJsonAndLockDisagree) {
  InstallAll();
  Write("package.json",
        R"({"name":"p","dependencies":{"a":"^2.0.0","@s/b":"2.0.0","d":"1"},"devDependencies":{"c":"~3.1.0"}})");
  auto r = CheckDependencies(dir_);
  EXPECT_TRUE(r.lock_out_of_sync);
  ASSERT_GE(r.problems.size(), 2u);
  bool a = false, d = false;
  for (const auto& p : r.problems) {
    a |= p == "package.json wants a@^2.0.0, package-lock.json has ^1.0.0";
    d |= p == "package.json wants d@1, package-lock.json does not have it";
  }
  EXPECT_TRUE(a && d);
}

TEST_F(DepsTest, UnparseableLockNamesTheFile) {
  Write("package-lock.json", "{\"packages\": {");
  auto r = CheckDependencies(dir_);
  EXPECT_NE(r.error.find("package-lock.json"), std::string::npos) << r.error;
}

TEST_F(DepsTest, LockfileVersion1IsExplained) {
  Write("package-lock.json", R"({"lockfileVersion":1,"dependencies":{}})");
  auto r = CheckDependencies(dir_);
  EXPECT_NE(r.error.find("lockfileVersion 1"), std::string::npos) << r.error;
}

TEST_F(DepsTest, NoLockWithDependenciesIsAProblemWithoutNone) {
  fs::remove(dir_ + "/package-lock.json");
  EXPECT_EQ(CheckDependencies(dir_).problems.size(), 1u);
  Write("package.json", R"({"name":"p"})");
  EXPECT_TRUE(CheckDependencies(dir_).ok());
}

}  // namespace
}  // namespace redundancy::build
