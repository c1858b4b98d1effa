// Netlify functions: discovery and validation of a fixture with every rule
// (through `redundancyctl netlify functions --json`), the manifest, and the
// agent through the real daemon (manifest regeneration, count drop, inotify,
// probes against a local HTTP server).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Fixture(const std::string& name) { return std::string(SOURCE_DIR) + "/tests/fixtures/netlify/" + name; }

nlohmann::json Functions(const std::string& dir, int* rc) {
  std::string out;
  *rc = RunShell(BinDir() + "/redundancyctl netlify functions " + dir + " --json 2>/dev/null", &out);
  return nlohmann::json::parse(out, nullptr, false);
}

TEST(NetlifyDiscoveryTest, EveryRuleOfTheFixture) {
  int rc = 0;
  auto j = Functions(Fixture("rules"), &rc);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(rc, 1) << "errors exit 1";
  EXPECT_EQ(j["functions_dir"], "fns");
  std::map<std::string, nlohmann::json> fn;
  for (const auto& f : j["functions"]) fn[f["name"]] = f;
  std::set<std::string> names;
  for (const auto& [n, f] : fn) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"_shared", "bad name", "bad-cron", "badpath", "broken", "broken-ts", "dirfn",
                                          "dup", "gofn", "jobs-background", "report-daily", "report-weekly", "sched",
                                          "tuned", "v1config", "v1handler", "v1sched", "v2default"}))
      << "lonely.go, emptydir/ and node_modules/ are not functions";
  EXPECT_EQ(fn["dirfn"]["main_file"], "dirfn/index.js") << "a directory beats a file";
  EXPECT_EQ(fn["dup"]["main_file"], "dup.js") << ".js beats .ts";
  EXPECT_EQ(fn["gofn"]["runtime"], "go");
  EXPECT_EQ(fn["v2default"]["api_version"], 2);
  EXPECT_EQ(fn["v2default"]["routes"], nlohmann::json::array({"/api/v2"}));
  EXPECT_EQ(fn["v2default"]["invocation_mode"], "stream");
  EXPECT_EQ(fn["v1handler"]["api_version"], 1);
  EXPECT_TRUE(fn["v1handler"]["invocation_mode"].is_null());
  EXPECT_EQ(fn["v1config"]["api_version"], 1) << "a handler export makes it v1 even with a config export";
  EXPECT_TRUE(fn["v1config"]["routes"].empty()) << "v1 config is ignored";
  EXPECT_EQ(fn["jobs-background"]["invocation_mode"], "background");
  EXPECT_EQ(fn["report-daily"]["schedule"], "@daily") << "glob report-*";
  EXPECT_EQ(fn["report-weekly"]["schedule"], "0 9 * * MON") << "the most specific key wins";
  EXPECT_EQ(fn["v1sched"]["schedule"], "*/15 * * * *") << "schedule() in a v1 source";
  EXPECT_EQ(fn["sched"]["schedule"], "@hourly") << "v2 config.schedule";
  EXPECT_EQ(fn["v1handler"]["bundler"], "esbuild") << "[functions] node_bundler applies to all";

  std::set<std::string> problems;
  for (const auto& p : j["problems"]) {
    problems.insert(p["file"].get<std::string>() + ":" + std::to_string(p["line"].get<int>()) + " " +
                    p["severity"].get<std::string>() + " [" + p["rule"].get<std::string>() + "]");
  }
  std::set<std::string> expected = {
      "netlify.toml:3 error [toml-type]",         // build.publish = 42
      "netlify.toml:16 error [cron]",             // minute 61
      "netlify.toml:19 error [toml-type]",        // memory 99999
      "netlify.toml:27 error [redirect-target]",  // /.netlify/functions/nothere
      "fns/dirfn.js:0 warning [duplicate]",
      "fns/dup.ts:0 warning [duplicate]",
      "fns/_shared.js:0 warning [helper]",
      "fns/bad name.js:0 error [name]",
      "fns/badpath.ts:3 error [config-path]",
      "fns/broken-ts.ts:2 error [syntax]",  // unterminated string, found by the lexer
      "fns/broken.js:2 error [syntax]",     // found by node
      "fns/sched.mts:2 error [schedule-with-path]",
      "fns/v1config.js:2 warning [v1-config-ignored]",
      "fns/v1sched.js:1 error [missing-module]",     // @netlify/functions is not installed
      "fns/v2default.mjs:1 error [missing-module]",  // not-installed-pkg; node:fs and path are builtins
  };
  EXPECT_EQ(problems, expected);
}

TEST(NetlifyDiscoveryTest, DirectoryResolution) {
  TempDir d;
  // No netlify.toml, no netlify/functions: no functions, no problem.
  int rc = 0;
  auto j = Functions(d.path(), &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["functions_dir"], "");
  // The conventional directory.
  d.Write("netlify/functions/a.js", "exports.handler = async () => ({});\n");
  j = Functions(d.path(), &rc);
  EXPECT_EQ(j["functions_dir"], "netlify/functions");
  // build.functions beats it; [functions] directory beats build.functions.
  d.Write("legacy/b.js", "exports.handler = async () => ({});\n");
  d.Write("modern/c.js", "exports.handler = async () => ({});\n");
  d.Write("netlify.toml", "[build]\nfunctions = \"legacy\"\n");
  EXPECT_EQ(Functions(d.path(), &rc)["functions_dir"], "legacy");
  d.Write("netlify.toml", "[build]\nfunctions = \"legacy\"\n[functions]\ndirectory = \"modern\"\n");
  j = Functions(d.path(), &rc);
  EXPECT_EQ(j["functions_dir"], "modern");
  EXPECT_EQ(j["functions"][0]["name"], "c");
  // Outside the project, or a file: errors.
  d.Write("netlify.toml", "[functions]\ndirectory = \"../elsewhere\"\n");
  j = Functions(d.path(), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["problems"][0]["rule"], "functions-dir");
  d.Write("netlify.toml", "[functions]\ndirectory = \"modern/c.js\"\n");
  EXPECT_EQ(Functions(d.path(), &rc)["problems"][0]["rule"], "functions-dir");
  // A TOML syntax error names its line.
  d.Write("netlify.toml", "[build]\ncommand = \"x\n");
  j = Functions(d.path(), &rc);
  EXPECT_EQ(j["problems"][0]["rule"], "toml-syntax");
  EXPECT_EQ(j["problems"][0]["line"], 2);
}

TEST(NetlifyManifestTest, WrittenInThePackagersShapeWithABackup) {
  TempDir d;
  fs::copy(std::string(SOURCE_DIR) + "/examples/demo/netlify", d.path() + "/netlify", fs::copy_options::recursive);
  fs::copy(std::string(SOURCE_DIR) + "/examples/demo/netlify.toml", d.path() + "/netlify.toml");
  std::string out;
  ASSERT_EQ(RunShell(BinDir() + "/redundancyctl netlify manifest " + d.path(), &out), 0) << out;
  std::string path = d.path() + "/.netlify/functions/manifest.json";
  auto m = nlohmann::json::parse(ReadFile(path), nullptr, false);
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["version"], 1);
  EXPECT_TRUE(m["timestamp"].is_number());
  EXPECT_EQ(m["system"]["platform"], "linux");
  ASSERT_EQ(m["functions"].size(), 2u);
  std::map<std::string, nlohmann::json> fn;
  for (const auto& f : m["functions"]) fn[f["name"]] = f;
  EXPECT_EQ(fn["hello"]["mainFile"], d.path() + "/netlify/functions/hello.js");
  EXPECT_EQ(fn["hello"]["buildData"]["runtimeAPIVersion"], 1);
  EXPECT_EQ(fn["status"]["buildData"]["runtimeAPIVersion"], 2);
  EXPECT_EQ(fn["status"]["invocationMode"], "stream");
  EXPECT_EQ(fn["status"]["routes"][0]["pattern"], "/api/status");
  EXPECT_EQ(fn["status"]["routes"][0]["literal"], "/api/status");
  EXPECT_EQ(fn["hello"]["priority"], 10);
  // Again: the previous one is kept.
  std::string first = ReadFile(path);
  ASSERT_EQ(RunShell(BinDir() + "/redundancyctl netlify manifest " + d.path() + " --out " + path, &out), 0) << out;
  EXPECT_EQ(ReadFile(path + ".bak"), first);
}

// The manifest of tests/fixtures/netlify/peer, function by function, equals
// the one Netlify's packager wrote for the same tree (zisi-manifest.json,
// regenerated by `bash scripts/netlify-peer.sh golden`; machine-dependent
// fields and the Go function, which needs Go to package, left out).
TEST(NetlifyManifestTest, EqualsThePackagersManifestOfTheSameTree) {
  std::string project = Fixture("peer");
  auto golden = nlohmann::json::parse(ReadFile(project + "/zisi-manifest.json"), nullptr, false);
  ASSERT_TRUE(golden.is_object());
  std::string out;
  ASSERT_EQ(RunShell(BinDir() + "/redundancyctl netlify functions " + project, &out), 0) << "the fixture is valid:\n"
                                                                                         << out;
  TempDir d;
  ASSERT_EQ(RunShell(BinDir() + "/redundancyctl netlify manifest " + project + " --out " + d.path() + "/m.json", &out),
            0)
      << out;
  auto ours = nlohmann::json::parse(ReadFile(d.path() + "/m.json"), nullptr, false);
  std::map<std::string, nlohmann::json> by_name;
  for (auto f : ours["functions"]) {
    f["mainFile"] = fs::relative(f["mainFile"].get<std::string>(), project + "/functions").string();
    by_name[f["name"]] = f;
  }
  ASSERT_EQ(by_name.size(), golden["functions"].size() + 1) << "every function but gofn";
  for (const auto& expected : golden["functions"]) {
    std::string name = expected["name"];
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_EQ(by_name[name], expected) << name << "\nours:     " << by_name[name].dump()
                                       << "\npackager: " << expected.dump();
  }
  EXPECT_EQ(by_name["gofn"]["runtime"], "go");
}

// Every field of `netlify functions --json` that the packager's listing also
// gives equals it, function by function (zisi-list.json, regenerated by `bash
// scripts/netlify-peer.sh golden`): on the valid tree and on a tree whose
// sources do not parse, with a prebuilt zip and a Go function. Where the
// packager cannot tell the API version, it is null (listFunctions prints its
// default, 1); the broken sources are syntax errors at their line.
TEST(NetlifyDiscoveryTest, ListingEqualsThePackagersOnValidAndBrokenTrees) {
  // The broken tree as a project with its own esbuild (what its build would
  // use): TypeScript verdicts are firm then.
  TempDir project;
  fs::copy(Fixture("broken"), project.path(), fs::copy_options::recursive);
  project.Write("node_modules/esbuild/bin/esbuild", "#!/bin/sh\nexec esbuild \"$@\"\n");
  fs::permissions(project.path() + "/node_modules/esbuild/bin/esbuild", fs::perms::owner_all);
  for (const std::string tree : {"peer", "broken"}) {
    auto golden = nlohmann::json::parse(ReadFile(Fixture(tree) + "/zisi-list.json"), nullptr, false);
    ASSERT_TRUE(golden.is_object()) << tree;
    int rc = 0;
    auto ours = Functions(tree == "broken" ? project.path() : Fixture(tree), &rc);
    EXPECT_EQ(rc, tree == "peer" ? 0 : 1) << ours["problems"].dump(1);
    std::map<std::string, nlohmann::json> by_name;
    for (const auto& f : ours["functions"]) by_name[f["name"]] = f;
    ASSERT_EQ(by_name.size(), golden["functions"].size()) << tree;
    int nulls = 0;
    for (const auto& expected : golden["functions"]) {
      std::string name = expected["name"];
      ASSERT_TRUE(by_name.count(name)) << tree << ": " << name;
      for (const char* field :
           {"main_file", "runtime", "api_version", "schedule", "routes", "excluded_routes", "methods"}) {
        EXPECT_EQ(by_name[name][field], expected[field]) << tree << ": " << name << "." << field;
      }
      nulls += expected["api_version"].is_null();
    }
    if (tree == "broken") {
      EXPECT_EQ(nulls, 8) << "six broken sources, the zip, the Go function";
      std::multiset<std::string> syntax;
      for (const auto& p : ours["problems"]) {
        if (p["rule"] == "syntax")
          syntax.insert(p["file"].get<std::string>() + ":" + std::to_string(p["line"].get<int>()));
      }
      EXPECT_EQ(syntax, (std::multiset<std::string>{"functions/broken-ts.ts:4", "functions/broken-v1.js:2",
                                                    "functions/broken-v2.mjs:2", "functions/dirbroken/dirbroken.mjs:2",
                                                    "functions/queue-worker.js:2", "functions/report-nightly.mjs:2"}))
          << ours["problems"].dump(1);
      // What an unparsed function still has: the TOML's schedule and background, a v1 bundler.
      EXPECT_EQ(by_name["queue-worker"]["invocation_mode"], "background");
      EXPECT_EQ(by_name["broken-v2"]["invocation_mode"], nullptr) << "not a v2 stream when it cannot be parsed";
      EXPECT_EQ(by_name["broken-v2"]["bundler"], "esbuild");
    }
  }
  // Only the system's esbuild (Debian's 0.17 may not know newer TypeScript):
  // its verdict is a warning and the function is still analysed.
  int rc = 0;
  auto plain = Functions(Fixture("broken"), &rc);
  bool warned = false;
  for (const auto& p : plain["problems"]) {
    if (p["file"] == "functions/broken-ts.ts") warned = p["severity"] == "warning" && p["line"] == 4;
  }
  EXPECT_TRUE(warned) << plain["problems"].dump(1);
}

// A functions directory that netlify.toml names but that does not exist is
// said (no function would be deployed), not silently an empty list.
TEST(NetlifyDiscoveryTest, AConfiguredFunctionsDirectoryThatDoesNotExistIsSaid) {
  TempDir d;
  d.Write("netlify.toml", "[build]\n  publish = \"dist\"\n[functions]\n  directory = \"nope\"\n");
  int rc = 0;
  auto j = Functions(d.path(), &rc);
  EXPECT_EQ(rc, 0) << "a warning";
  ASSERT_EQ(j["problems"].size(), 1u) << j.dump(1);
  EXPECT_EQ(j["problems"][0]["rule"], "functions-dir");
  EXPECT_EQ(j["problems"][0]["line"], 4);
  EXPECT_TRUE(j["functions"].empty());
}

// Route patterns and methods the packager rejects are errors with their line.
TEST(NetlifyDiscoveryTest, BadRoutesAndMethodsAreErrors) {
  TempDir d;
  d.Write("netlify/functions/a.mjs",
          "export default async () => new Response('a');\n"
          "export const config = { path: '/x/(oops', method: ['GET', 'FETCH'], excludedPath: 'nope' };\n");
  d.Write("netlify/functions/b.mjs",
          "export default async () => new Response('b');\n\n"
          "export const config = { path: '/b/:', memory: 2048, vcpu: 1 };\n");
  int rc = 0;
  auto j = Functions(d.path(), &rc);
  EXPECT_EQ(rc, 1);
  std::multiset<std::string> seen;
  for (const auto& p : j["problems"]) {
    seen.insert(p["file"].get<std::string>() + ":" + std::to_string(p["line"].get<int>()) + " " +
                p["rule"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{
                      "netlify/functions/a.mjs:2 config-path", "netlify/functions/a.mjs:2 config-method",
                      "netlify/functions/a.mjs:2 config-path", "netlify/functions/b.mjs:3 config-path",
                      "netlify/functions/b.mjs:3 config-type"}))
      << j["problems"].dump(1);
}

// `functions_dir` (the agent's key, --functions-dir here) stands for the
// directory set in Netlify's UI: it beats the conventional netlify/functions,
// and netlify.toml beats it (with a warning, as Netlify deploys the TOML's).
TEST(NetlifyDiscoveryTest, ConfiguredFunctionsDirSitsBetweenTheTomlAndTheConventions) {
  TempDir d;
  d.Write("netlify/functions/conventional.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  d.Write("api/fromui.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  auto list = [&](const std::string& flags) {
    std::string out;
    RunShell(BinDir() + "/redundancyctl netlify functions " + d.path() + " --json " + flags + " 2>/dev/null", &out);
    return nlohmann::json::parse(out, nullptr, false);
  };
  EXPECT_EQ(list("")["functions"][0]["name"], "conventional");
  auto j = list("--functions-dir api");
  EXPECT_EQ(j["functions_dir"], "api");
  EXPECT_EQ(j["functions"][0]["name"], "fromui");
  EXPECT_TRUE(j["problems"].empty()) << j["problems"].dump();
  d.Write("netlify.toml", "[functions]\n  directory = \"netlify/functions\"\n");
  j = list("--functions-dir api");
  EXPECT_EQ(j["functions"][0]["name"], "conventional");
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["rule"], "functions-dir");
  EXPECT_EQ(j["problems"][0]["severity"], "warning");
  EXPECT_EQ(j["problems"][0]["line"], 2);
  j = list("--functions-dir ../outside");
  EXPECT_EQ(j["functions"][0]["name"], "conventional") << "the TOML still decides";
  fs::remove(d.path() + "/netlify.toml");
  j = list("--functions-dir ../outside");
  ASSERT_FALSE(j["problems"].empty());
  EXPECT_EQ(j["problems"][0]["file"], "functions_dir");
  EXPECT_EQ(j["problems"][0]["severity"], "error");
}

class NetlifyAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = dir_.path() + "/site";
    fs::create_directories(project_);
    fs::copy(std::string(SOURCE_DIR) + "/examples/demo/netlify", project_ + "/netlify", fs::copy_options::recursive);
    fs::copy(std::string(SOURCE_DIR) + "/examples/demo/netlify.toml", project_ + "/netlify.toml");
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
  // A long interval by default: everything after the first check comes from inotify or recovery.
  void Start(const std::string& extra = "", const std::string& interval = "1h") {
    d_ = std::make_unique<Daemon>("  netlify: {interval: " + interval + ", dir: " + project_ +
                                  ", regenerate_manifest: true" + extra + "}\n");
    ASSERT_TRUE(d_->Start());
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  std::optional<v1::CheckStatus> Check(const std::string& target) const { return d_->CheckOf(target); }
  bool WaitStatus(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout) const {
    return d_->WaitCheck(target, want, timeout);
  }
  std::string Manifest() const { return project_ + "/.netlify/functions/manifest.json"; }
  std::string History() const { return d_->Ctl("history").output; }

  TempDir dir_;
  std::string project_;
  std::unique_ptr<Daemon> d_;
  pid_t server_ = 0;
};

TEST_F(NetlifyAgentTest, MissingCorruptAndStaleManifestsAreRegeneratedKeepingTheOldOne) {
  // The periodic check backs up inotify here (one unexplained miss seen in ~20 runs; see the closing note).
  Start("", "2s");
  ASSERT_TRUE(WaitUntil([&] { return fs::exists(Manifest()); }, 10s)) << History();
  EXPECT_TRUE(WaitStatus("netlify:manifest", v1::HEALTH_OK, 10s));
  EXPECT_NE(History().find("manifest_regenerated"), std::string::npos);
  // Corrupt: regenerated, the corrupt one kept as .bak.
  // Put in place whole (write, then rename): the agent watches the folder and
  // would otherwise catch the file half-written by this test.
  WriteFile(Manifest() + ".corrupt", "{not json");
  fs::rename(Manifest() + ".corrupt", Manifest());
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Manifest() + ".bak") == "{not json"; }, 10s)) << History();
  EXPECT_FALSE(nlohmann::json::parse(ReadFile(Manifest()), nullptr, false).is_discarded());
  // Stale: a new function appears.
  WriteFile(project_ + "/netlify/functions/added.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(Manifest()).find("\"added\"") != std::string::npos; }, 10s)) << History();
  EXPECT_TRUE(WaitStatus("netlify:added", v1::HEALTH_OK, 5s));
}

TEST_F(NetlifyAgentTest, AFunctionThatDisappearsIsAFailedCount) {
  Start();
  ASSERT_TRUE(WaitStatus("netlify:count", v1::HEALTH_OK, 10s));
  fs::remove(project_ + "/netlify/functions/hello.js");
  ASSERT_TRUE(WaitStatus("netlify:count", v1::HEALTH_FAILED, 10s))
      << ReadFile(d_->state_dir() + "/logs/agent-netlify.log") << d_->Ctl("status").output;
  EXPECT_NE(Check("netlify:count")->summary().find("disappeared: hello"), std::string::npos)
      << Check("netlify:count")->summary();
  // It survives an agent restart (the seen set is on disk), and an operator can accept the loss.
  auto pid = d_->Agent("netlify")->pid();
  process::Signal(pid, SIGKILL);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto a = d_->Agent("netlify");
        return a && a->pid() != pid && a->state() == "ready";
      },
      10s));
  EXPECT_TRUE(WaitStatus("netlify:count", v1::HEALTH_FAILED, 10s));
  d_->Ctl("recover netlify:count");
  EXPECT_TRUE(WaitStatus("netlify:count", v1::HEALTH_OK, 10s));
}

// git is the source of truth: a function deleted from the tree only is
// restored from HEAD; one a commit deleted is accepted, with no operator.
TEST_F(NetlifyAgentTest, InACheckoutDriftIsRestoredAndACommittedDeletionAccepted) {
  Sh("cd " + project_ +
     " && printf '.netlify/\\n' > .gitignore && git init -q -b main && git add -A && "
     "git -c user.name=t -c user.email=t@example.com commit -q -m site");
  Start();
  ASSERT_TRUE(WaitStatus("netlify:count", v1::HEALTH_OK, 10s));
  std::string hello = ReadFile(project_ + "/netlify/functions/hello.js");
  fs::remove(project_ + "/netlify/functions/hello.js");
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(project_ + "/netlify/functions/hello.js") == hello; }, 10s)) << History();
  EXPECT_TRUE(WaitUntil([&] { return History().find("function_restored") != std::string::npos; }, 5s)) << History();
  EXPECT_TRUE(WaitStatus("netlify:count", v1::HEALTH_OK, 10s));
  // Deleted by a commit (as a pull brings it: HEAD moves, the file goes).
  Sh("cd " + project_ +
     " && git rm -q --cached netlify/functions/status.mjs && "
     "git -c user.name=t -c user.email=t@example.com commit -q -m 'drop status' && rm netlify/functions/status.mjs");
  EXPECT_TRUE(WaitUntil([&] { return History().find("status was deleted by a commit") != std::string::npos; }, 10s))
      << History();
  EXPECT_TRUE(WaitStatus("netlify:count", v1::HEALTH_OK, 10s)) << Check("netlify:count")->summary();
  EXPECT_FALSE(fs::exists(project_ + "/netlify/functions/status.mjs"));
  EXPECT_EQ(Sh("git -C " + project_ + " status --porcelain"), "");
}

TEST_F(NetlifyAgentTest, ConfiguredFunctionsDirIsWatchedWhenTheTomlSetsNone) {
  fs::remove(project_ + "/netlify.toml");
  fs::rename(project_ + "/netlify/functions", project_ + "/api");
  Start(", functions_dir: api");
  ASSERT_TRUE(WaitStatus("netlify:hello", v1::HEALTH_OK, 10s)) << d_->Ctl("status").output;
  ASSERT_TRUE(
      WaitUntil([&] { return ReadFile(Manifest()).find(project_ + "/api/hello.js") != std::string::npos; }, 10s));
  WriteFile(project_ + "/api/added.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  EXPECT_TRUE(WaitStatus("netlify:added", v1::HEALTH_OK, 10s)) << "inotify on the configured directory";
}

TEST_F(NetlifyAgentTest, SyntaxErrorsStayReportedFromTheCacheUntilFixed) {
  WriteFile(project_ + "/netlify/functions/oops.js", "exports.handler = async () => { return {statusCode: 200 ; };\n");
  Start();
  ASSERT_TRUE(WaitStatus("netlify:oops", v1::HEALTH_FAILED, 10s));
  EXPECT_NE(Check("netlify:oops")->summary().find("[syntax]"), std::string::npos) << Check("netlify:oops")->summary();
  // Another change re-runs the checks; the unchanged broken file is still reported (from the cache).
  WriteFile(project_ + "/netlify/functions/other.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  ASSERT_TRUE(WaitStatus("netlify:other", v1::HEALTH_OK, 10s));
  EXPECT_EQ(Check("netlify:oops")->status(), v1::HEALTH_FAILED);
  // Fixed: checked again, and healthy.
  WriteFile(project_ + "/netlify/functions/oops.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  EXPECT_TRUE(WaitStatus("netlify:oops", v1::HEALTH_OK, 10s)) << Check("netlify:oops")->summary();
}

// Hostile trees end quickly with problems, in little memory: a link to
// /dev/zero, a FIFO, a symlink loop, a link out of the project, a functions
// directory that contains itself.
TEST(NetlifyDiscoveryTest, HostileFilesAreProblemsNotHangsOrFloods) {
  TempDir d, elsewhere;
  d.Write("netlify/functions/good.js", "exports.handler = async () => ({statusCode: 200});\n");
  elsewhere.Write("secret.js", "exports.handler = async () => ({});\n");
  const std::string fn = d.path() + "/netlify/functions/";
  fs::create_symlink("/dev/zero", fn + "zero.js");
  ASSERT_EQ(mkfifo((fn + "fifo.js").c_str(), 0644), 0);
  fs::create_symlink(fn + "loop.js", fn + "loop.js");
  fs::create_symlink(elsewhere.path() + "/secret.js", fn + "escape.js");
  fs::create_symlink(".", fn + "self");  // a directory function whose folder is the functions dir itself
  std::string out;
  // GNU time reports the peak RSS (KB) on stderr's last line; timeout bounds a hang.
  int rc = RunShell("/usr/bin/time -f '%M' -o " + d.path() + "/time.txt timeout 10 " + BinDir() +
                        "/redundancyctl netlify functions " + d.path() + " --json 2>/dev/null",
                    &out);
  EXPECT_EQ(rc, 1) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  std::map<std::string, std::string> problems;
  for (const auto& p : j["problems"]) problems[p.value("file", "")] += p.value("message", "") + "; ";
  // Outside the project and not a regular file: either is reason enough.
  EXPECT_NE(problems["netlify/functions/zero.js"].find("is left out"), std::string::npos) << j.dump(2);
  EXPECT_NE(problems["netlify/functions/fifo.js"].find("a FIFO, not a regular file"), std::string::npos) << j.dump(2);
  EXPECT_NE(problems["netlify/functions/loop.js"].find("a symbolic link loop"), std::string::npos) << j.dump(2);
  EXPECT_NE(problems["netlify/functions/escape.js"].find("links outside the project"), std::string::npos) << j.dump(2);
  std::set<std::string> names;
  for (const auto& f : j["functions"]) names.insert(f.value("name", ""));
  EXPECT_TRUE(names.count("good")) << j.dump(2);
  for (const char* left_out : {"zero", "fifo", "loop", "escape"}) EXPECT_FALSE(names.count(left_out)) << left_out;
  for (const auto& f : j["functions"]) EXPECT_LT(f.value("size_bytes", uint64_t{0}), uint64_t{1} << 30) << f.dump();
  std::string time_txt = ReadFile(d.path() + "/time.txt");
  // "Command exited with non-zero status 1" comes first: the figure is the last line.
  size_t last = time_txt.find_last_not_of('\n');
  size_t start = last == std::string::npos ? 0 : time_txt.rfind('\n', last);
  long rss_kb = std::atol(time_txt.c_str() + (start == std::string::npos ? 0 : start + 1));
  EXPECT_GT(rss_kb, 0) << time_txt;
  EXPECT_LT(rss_kb, 100 * 1024) << "peak RSS in KB";
}

TEST(NetlifyDiscoveryTest, FunctionsOverFiftyMegabytes) {
  TempDir d;
  d.Write("netlify/functions/big/index.js", "exports.handler = async () => ({});\n");
  fs::resize_file(d.path() + "/netlify/functions/big/index.js", 51ULL << 20);  // sparse: instant
  d.Write("netlify/functions/small.js", "exports.handler = async () => ({});\n");
  int rc = 0;
  auto j = Functions(d.path(), &rc);
  EXPECT_EQ(rc, 1);
  bool size = false;
  for (const auto& p : j["problems"]) size |= p["rule"] == "size" && p["file"] == "netlify/functions/big/index.js";
  EXPECT_TRUE(size) << j.dump(2);
}

TEST_F(NetlifyAgentTest, ProbesOfDeployedFunctions) {
  int port = FreePort();
  process::SpawnSpec spec;
  spec.exe = "node";
  spec.args = {Fixture("deployed.js")};
  spec.env = {{"PORT", std::to_string(port)}};
  auto pid = process::Spawn(spec);
  ASSERT_TRUE(pid.ok()) << pid.error();
  server_ = *pid;
  ASSERT_TRUE(WaitUntil([&] { return !HttpGetBody(port, "/.netlify/functions/ok").empty(); }, 10s));
  WriteFile(project_ + "/netlify/functions/bad.js", "exports.handler = async () => ({ statusCode: 500 });\n");
  WriteFile(project_ + "/netlify/functions/slow.js", "exports.handler = async () => ({ statusCode: 200 });\n");
  Start(
      ", base_url: http://127.0.0.1:" + std::to_string(port) +
      ", probes: [{function: hello, path: /.netlify/functions/ok}, {function: bad}, {function: slow, timeout: 300ms}]");
  EXPECT_TRUE(WaitStatus("netlify:hello", v1::HEALTH_OK, 10s));
  EXPECT_NE(Check("netlify:hello")->summary().find("probe 200"), std::string::npos)
      << Check("netlify:hello")->summary();
  ASSERT_TRUE(WaitStatus("netlify:bad", v1::HEALTH_FAILED, 10s));
  EXPECT_NE(Check("netlify:bad")->summary().find("500"), std::string::npos) << Check("netlify:bad")->summary();
  ASSERT_TRUE(WaitStatus("netlify:slow", v1::HEALTH_FAILED, 10s));
  EXPECT_NE(Check("netlify:slow")->summary().find("probe"), std::string::npos) << Check("netlify:slow")->summary();
}

}  // namespace
}  // namespace redundancy::testing
