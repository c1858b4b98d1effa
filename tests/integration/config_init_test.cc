// `redundancyctl config init` on the demo and on three differently shaped
// projects: the file names only the systems each has, validates, and a
// daemon starts on it (every agent ready) and stops.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

struct Project {
  std::string name;
  std::function<void(const std::string& dir)> make;
  std::vector<std::string> systems;  // expected, in the file's order
};

void Sh(const std::string& cmd) {
  std::string out;
  ASSERT_EQ(RunShell(cmd, &out), 0) << cmd << "\n" << out;
}

// A git checkout of `dir` following a bare remote beside it.
void GitWithRemote(const std::string& dir) {
  std::string q = "git -C " + dir + " ";
  Sh("git init -q --bare -b main " + dir + ".remote.git");
  Sh(q + "init -q -b main && " + q + "add -A && " + q +
     "-c user.name=t -c user.email=t@example.com commit -q -m init && " + q + "remote add origin " + dir +
     ".remote.git && " + q + "push -q origin main && " + q + "branch -q --set-upstream-to=origin/main main");
}

TEST(ConfigInitTest, EachProjectGetsItsSystemsAValidFileAndARunningDaemon) {
  TempDir root;
  std::vector<Project> projects = {
      {"demo",
       [](const std::string& dir) {
         std::filesystem::copy(SOURCE_DIR "/examples/demo", dir, std::filesystem::copy_options::recursive);
         std::filesystem::remove(dir + "/redundancy.yaml");
         GitWithRemote(dir);
       },
       {"git", "build", "pm2", "netlify", "workflows"}},
      {"api",  // a Node API under PM2, not a checkout
       [](const std::string& dir) {
         std::filesystem::create_directories(dir);
         std::ofstream(dir + "/package.json") << R"({"name":"api","version":"1.0.0","scripts":{"build":"echo built"}})";
         std::ofstream(dir + "/package-lock.json")
             << R"({"name":"api","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"api","version":"1.0.0"}}})";
         std::ofstream(dir + "/server.js") << "require('http').createServer((q, s) => s.end('ok')).listen(0);\n";
         std::ofstream(dir + "/ecosystem.json") << R"({"apps":[{"name":"api","script":"server.js"}]})";
       },
       {"build", "pm2"}},
      {"site",  // a static site on Netlify with CI, deployed from git
       [](const std::string& dir) {
         std::filesystem::create_directories(dir + "/functions");
         std::filesystem::create_directories(dir + "/.github/workflows");
         std::ofstream(dir + "/netlify.toml") << "[build]\n  publish = \"public\"\n  functions = \"functions\"\n";
         std::ofstream(dir + "/functions/hello.js")
             << "exports.handler = async () => ({statusCode: 200, body: 'hi'});\n";
         std::ofstream(dir + "/.github/workflows/ci.yml")
             << "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n";
         GitWithRemote(dir);
       },
       {"git", "netlify", "workflows"}},
      {"empty", [](const std::string& dir) { std::filesystem::create_directories(dir); }, {}},
  };
  for (const auto& p : projects) {
    SCOPED_TRACE(p.name);
    std::string dir = root.path() + "/" + p.name;
    p.make(dir);
    std::string pm2_home = dir + ".pm2";
    std::string env = "PM2_HOME=" + pm2_home + " " + NpmTestEnvPrefix(root.path());
    std::string ctl = env + BinDir() + "/redundancyctl ";
    std::string out;
    ASSERT_EQ(RunShell(ctl + "config init " + dir, &out), 0) << out;
    std::string list;
    for (const auto& s : p.systems) list += (list.empty() ? "" : ", ") + s;
    EXPECT_EQ(out, "wrote " + dir + "/redundancy.yaml (" + (list.empty() ? "no systems" : list) + ")\n");
    // Never over an existing file.
    std::string again, valid;
    EXPECT_EQ(RunShell(ctl + "config init " + dir, &again), 1) << again;
    EXPECT_NE(again.find("never writes over it"), std::string::npos) << again;
    ASSERT_EQ(RunShell(ctl + "config validate --json " + dir + "/redundancy.yaml", &valid), 0) << valid;
    auto j = nlohmann::json::parse(valid);
    std::vector<std::string> got;
    for (const auto& s : j.value("systems", nlohmann::json::array())) got.push_back(s);
    EXPECT_EQ(got, p.systems) << ReadFile(dir + "/redundancy.yaml");
    // It starts: every agent ready (start waits for that), then stops.
    Pm2Home pm2(pm2_home);  // stops a PM2 the pm2 agent brought up, whatever happens
    std::string start_out;
    int started = RunShell(ctl + "--config " + dir + "/redundancy.yaml start", &start_out);
    std::string status;
    RunShell(ctl + "--config " + dir + "/redundancy.yaml status --json", &status);
    std::string stop;
    RunShell(ctl + "--config " + dir + "/redundancy.yaml stop", &stop);
    EXPECT_EQ(started, 0) << start_out << ReadFile(dir + "/.redundancy/logs/redundancyd.log");
    auto st = nlohmann::json::parse(status, nullptr, false);
    ASSERT_FALSE(st.is_discarded()) << status;
    EXPECT_EQ(st["agents"].size(), p.systems.size()) << status;
    for (const auto& a : st["agents"]) EXPECT_EQ(a["state"], "ready") << status;
  }
}

}  // namespace
}  // namespace redundancy::testing
