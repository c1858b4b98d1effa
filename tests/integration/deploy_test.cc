// The shipped deploy files and examples work as documented.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

TEST(DeployTest, ExampleConfigsValidate) {
  std::string out;
  std::string env = "GITHUB_TOKEN=t WEBHOOK_URL=u SLACK_WEBHOOK_URL=u SMTP_PASSWORD=p DEADMAN_URL=u ";
  EXPECT_EQ(RunShell(env + BinDir() + "/redundancyctl config validate " SOURCE_DIR "/deploy/redundancy.example.yaml", &out), 0)
      << out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl config validate " SOURCE_DIR "/examples/demo/redundancy.yaml", &out), 0)
      << out;
}

TEST(DeployTest, SystemdUnitIsTypeNotifyWithWatchdog) {
  std::ifstream in(SOURCE_DIR "/deploy/systemd/redundancyd.service");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string unit = ss.str();
  for (const char* line : {"Type=notify", "WatchdogSec=", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
                           "--foreground"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  std::string analyze;
  if (RunShell("command -v systemd-analyze", &analyze) != 0) GTEST_SKIP() << "no systemd-analyze";
  // verify needs the ExecStart binary to exist: point it at the built one.
  TempDir dir;
  std::string path = dir.path() + "/redundancyd.service";
  std::string patched = unit;
  patched.replace(patched.find("/usr/local/bin/redundancyd"), 26, BinDir() + "/redundancyd");
  dir.Write("redundancyd.service", patched);
  std::string out;
  EXPECT_EQ(RunShell("systemd-analyze verify " + path, &out), 0);
  EXPECT_EQ(out, "") << "systemd-analyze warns about the unit";
}

TEST(DeployTest, Pm2EcosystemFileRunsRedundancyd) {
  std::string pm2;
  if (RunShell("command -v pm2", &pm2) != 0) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  Daemon d("  git: {interval: 1s}\n  build: {interval: 1s}\n");
  std::string home = d.dir().path() + "/pm2home";
  std::string env = "PM2_HOME=" + home + " REDUNDANCY_CONFIG=" + d.config_path() + " ";
  std::string out;
  ASSERT_EQ(RunShell(env + "pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js", &out), 0) << out;
  bool ready = d.WaitAllReady(20s);
  auto status = d.Status();
  // Stop PM2 (and through it redundancyd) before asserting, so nothing outlives the test.
  std::string kill_out;
  RunShell(env + "pm2 kill", &kill_out);
  ASSERT_TRUE(ready) << out;
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->agents_size(), 2);
  std::vector<pid_t> pids{status->pid()};
  for (const auto& a : status->agents()) pids.push_back(a.pid());
  EXPECT_TRUE(WaitUntil([&] {
    for (pid_t p : pids) if (IsRunning(p)) return false;
    return true;
  }, 10s)) << "pm2 kill stops redundancyd and its agents";
}

}  // namespace
}  // namespace redundancy::testing
