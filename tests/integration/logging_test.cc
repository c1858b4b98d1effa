// Logging as deployed: the daemon's and agents' log files, their rotation,
// what reaches them before an agent's Welcome, and reloads that change them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

TEST(LoggingTest, LogsRotateBySizeCompressedAndKeepTheConfiguredCount) {
  Daemon d(Sys("git"), FastOrchestratorYaml() + "logging: {max_size: 4KB, max_files: 2}\n");
  ASSERT_TRUE(d.Start({{"DEBUG_REDUNDANCY", "true"}}));
  ASSERT_TRUE(d.WaitAllReady(10s));
  EXPECT_NE(d.ReadLogs().find(" debug "), std::string::npos) << "DEBUG_REDUNDANCY=true";
  std::string logs = d.state_dir() + "/logs";
  auto rotated = [&] {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(logs)) {
      std::string f = e.path().filename().string();
      if (f.rfind("redundancyd.log.", 0) == 0 && f.find(".tmp") == std::string::npos) out.push_back(f);
    }
    return out;
  };
  // Each control command writes an audit line; keep going until two rotated archives are there.
  ASSERT_TRUE(WaitUntil(
      [&] {
        d.Ctl("pause git");
        d.Ctl("resume git");
        auto r = rotated();
        return r.size() == 2 &&
               std::all_of(r.begin(), r.end(), [](const std::string& f) { return f.ends_with(".gz"); });
      },
      20s));
  // More rotations: still two (max_files), the live file small.
  for (int i = 0; i < 40; ++i) d.Ctl("pause git"), d.Ctl("resume git");
  EXPECT_TRUE(WaitUntil([&] { return rotated().size() == 2; }, 5s)) << rotated().size();
  EXPECT_LE(std::filesystem::file_size(logs + "/redundancyd.log"), 4096u + 512u);
  EXPECT_TRUE(std::filesystem::exists(logs + "/agent-git.log"));
  EXPECT_NE(d.ReadLogs().find("control pause git"), std::string::npos) << "archives decompress to log lines";
}

TEST(LoggingTest, AgentsLogWhereAndAsTheWelcomeSaysAndAReloadChangesIt) {
  Daemon d(Sys("git"), FastOrchestratorYaml() + "logging: {level: warn}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  std::string log = d.state_dir() + "/logs/agent-git.log";
  auto text = [&] {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  ASSERT_TRUE(std::filesystem::exists(log)) << "the Welcome names the log directory";
  EXPECT_EQ(text().find("ready (agent"), std::string::npos) << "info is below logging.level: warn";
  d.WriteConfig("workspace: .\n" + FastOrchestratorYaml() + "logging: {level: info}\nsystems:\n" + Sys("git"));
  ASSERT_EQ(d.Ctl("reload").exit_code, 0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        d.Ctl("recover git");
        return text().find(" info ") != std::string::npos && text().find("recover git") != std::string::npos;
      },
      10s))
      << text();
}

TEST(LoggingTest, WhatAnAgentPrintsBeforeItsWelcomeIsKeptInItsOutFile) {
  // A custom agent that dies before it ever connects: its last words are the
  // operator's only clue, and redundancyd's own stderr may be /dev/null.
  Daemon probe("");
  std::string agent = probe.dir().Write("broken-agent.sh",
                                        "#!/bin/sh\necho \"broken-agent: cannot open /etc/broken.conf\" >&2\nexit 3\n");
  chmod(agent.c_str(), 0755);
  Daemon d("  git: {interval: 1h, agent: " + agent + "}\n", FastOrchestratorYaml(1));
  ASSERT_TRUE(d.Start());
  std::string out = d.state_dir() + "/logs/agent-git.out";
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::ifstream in(out);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str().find("broken-agent: cannot open /etc/broken.conf") != std::string::npos;
      },
      10s))
      << out;
  struct stat st;
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(LoggingTest, AReloadChangesTheDaemonsOwnRotationToo) {
  Daemon d(Sys("git"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  std::string logs = d.state_dir() + "/logs";
  auto rotated = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(logs)) {
      std::string f = e.path().filename().string();
      if (f.rfind("redundancyd.log.", 0) == 0 && f.find(".tmp") == std::string::npos) ++n;
    }
    return n;
  };
  EXPECT_EQ(rotated(), 0);
  d.WriteConfig("workspace: .\n" + FastOrchestratorYaml() + "logging: {max_size: 4KB, max_files: 2}\nsystems:\n" +
                Sys("git"));
  ASSERT_EQ(d.Ctl("reload").exit_code, 0);
  // Each control command writes an audit line: keep going until the new size limit rotates the file.
  ASSERT_TRUE(WaitUntil(
      [&] {
        d.Ctl("pause git");
        d.Ctl("resume git");
        return rotated() >= 1;
      },
      20s))
      << "the daemon still rotates at the old 10 MB";
  EXPECT_LE(std::filesystem::file_size(logs + "/redundancyd.log"), 4096u + 512u);
}

}  // namespace
}  // namespace redundancy::testing
