#include "common/process/environment.h"

#include <gtest/gtest.h>

namespace redundancy::process {
namespace {

bool Has(const EnvList& env, const std::string& name) {
  for (const auto& [k, v] : env) {
    if (k == name) return true;
  }
  return false;
}

TEST(EnvironmentTest, DropsWhatSystemdAndNodeSetForUs) {
  EnvList env = {{"PATH", "/usr/bin"},   {"HOME", "/home/www"},   {"NODE_CHANNEL_FD", "3"}, {"NOTIFY_SOCKET", "/run/n"},
                 {"WATCHDOG_USEC", "1"}, {"WATCHDOG_PID", "2"},   {"LISTEN_FDS", "1"},      {"LISTEN_PID", "2"},
                 {"INVOCATION_ID", "x"}, {"NODE_UNIQUE_ID", "1"}, {"name", "kept"},         {"PM2_HOME", "/srv/.pm2"}};
  EnvList clean = CleanEnvironment(env);
  EXPECT_TRUE(Has(clean, "PATH"));
  EXPECT_TRUE(Has(clean, "HOME"));
  for (const char* v : {"NODE_CHANNEL_FD", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                        "INVOCATION_ID", "NODE_UNIQUE_ID"}) {
    EXPECT_FALSE(Has(clean, v)) << v;
  }
  // Not started by PM2: a user's own PM2_HOME and lower-case names stay.
  EXPECT_TRUE(Has(clean, "PM2_HOME"));
  EXPECT_TRUE(Has(clean, "name"));
  EXPECT_EQ(HostingPm2App(env), (std::pair<std::string, std::string>{}));
}

TEST(EnvironmentTest, DropsWhatPm2CopiesIntoAnAppsEnvironment) {
  EnvList env = {{"PATH", "/usr/bin"},       {"pm_id", "0"},
                 {"PM2_HOME", "/root/.pm2"}, {"name", "redundancyd"},
                 {"unique_id", "u"},         {"pm_exec_path", "/usr/bin/redundancyd"},
                 {"exec_mode", "fork_mode"}, {"kill_timeout", "15000"},
                 {"axm_monitor", "{}"},      {"NODE_APP_INSTANCE", "0"},
                 {"GITHUB_TOKEN", "t"}};
  EXPECT_TRUE(StartedByPm2(env));
  EXPECT_EQ(HostingPm2App(env), (std::pair<std::string, std::string>{"/root/.pm2", "redundancyd"}));
  EnvList clean = CleanEnvironment(env);
  ASSERT_EQ(clean.size(), 2u);
  EXPECT_EQ(clean[0].first, "PATH");
  EXPECT_EQ(clean[1].first, "GITHUB_TOKEN");
}

}  // namespace
}  // namespace redundancy::process
