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
  std::string env =
      "GITHUB_TOKEN=t WEBHOOK_URL=http://127.0.0.1:1/w SLACK_WEBHOOK_URL=https://127.0.0.1:1/s SMTP_PASSWORD=p "
      "DEADMAN_URL=http://127.0.0.1:1/d ";
  EXPECT_EQ(
      RunShell(env + BinDir() + "/redundancyctl config validate " SOURCE_DIR "/deploy/redundancy.example.yaml", &out),
      0)
      << out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl config validate " SOURCE_DIR "/examples/demo/redundancy.yaml", &out), 0)
      << out;
}

// The unit CMake generates from deploy/systemd/redundancyd.service.in.
std::string GeneratedUnit() { return ReadFile(BinDir() + "/../deploy/redundancyd.service"); }

TEST(DeployTest, SystemdUnitIsTypeNotifyWithWatchdog) {
  std::string unit = GeneratedUnit();
  ASSERT_FALSE(unit.empty());
  for (const char* line :
       {"Type=notify", "WatchdogSec=", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID", "--foreground",
        "KillMode=mixed", "LimitNOFILE=", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=read-only",
        "ReadWritePaths=", "PrivateTmp=yes", "User=www-data"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(unit.find("@REDUNDANCY_"), std::string::npos) << "an unsubstituted @VAR@";
  std::string analyze;
  if (RunShell("command -v systemd-analyze", &analyze) != 0) GTEST_SKIP() << "no systemd-analyze";
  // verify needs the ExecStart binary to exist: point it at the built one.
  TempDir dir;
  std::string path = dir.path() + "/redundancyd.service";
  std::string patched = unit;
  size_t exec = patched.find("ExecStart=");
  size_t end = patched.find(" --config", exec);
  ASSERT_NE(end, std::string::npos);
  patched.replace(exec + 10, end - exec - 10, BinDir() + "/redundancyd");
  dir.Write("redundancyd.service", patched);
  std::string out;
  EXPECT_EQ(RunShell("systemd-analyze verify " + path, &out), 0);
  EXPECT_EQ(out, "") << "systemd-analyze warns about the unit";
}

// What `systemd-analyze security` thinks of the shipped unit: 4.0 or less (9.6 "UNSAFE" before).
TEST(DeployTest, SystemdUnitExposureIsAtMostFour) {
  std::string analyze;
  if (RunShell("command -v systemd-analyze", &analyze) != 0) GTEST_SKIP() << "no systemd-analyze";
  std::string out;
  RunShell("systemd-analyze security --offline=true --no-pager " + BinDir() + "/../deploy/redundancyd.service", &out);
  size_t at = out.find("Overall exposure level for redundancyd.service: ");
  ASSERT_NE(at, std::string::npos) << out;
  double exposure = std::stod(out.substr(at + 49));
  EXPECT_LE(exposure, 4.0) << out;
}

// scripts/package.sh: a .deb with stripped binaries, the unit, the ecosystem
// file and its Debian dependencies, whose redundancyctl runs.
TEST(DeployTest, DebianPackage) {
  std::string out;
  ASSERT_EQ(RunShell("SKIP_SETUP=1 bash " SOURCE_DIR "/scripts/package.sh", &out), 0) << out;
  size_t at = out.find("package: ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string deb = std::string(SOURCE_DIR) + "/" + out.substr(at + 9, out.find('\n', at) - at - 9);
  std::string contents;
  ASSERT_EQ(RunShell("dpkg-deb -c " + deb, &contents), 0) << contents;
  for (const char* f : {"./usr/bin/redundancyd", "./usr/bin/redundancyctl", "./usr/bin/redundancy-agent-pm2",
                        "./usr/lib/systemd/system/redundancyd.service", "./usr/share/redundancy/ecosystem.config.js",
                        "./usr/share/doc/redundancy/README.md", "./usr/share/doc/redundancy/redundancy.example.yaml",
                        "./usr/bin/redundancy-agent-custom", "./usr/include/redundancy/agents/runtime/agent.h",
                        "./usr/include/redundancy/redundancy.pb.h", "./usr/lib/cmake/redundancy/redundancyConfig.cmake",
                        "./usr/share/doc/redundancy/agent-protocol.md", "./usr/share/man/man1/redundancyctl.1",
                        "./usr/share/man/man1/redundancyd.1", "./usr/share/man/man1/redundancy-agent-custom.1"}) {
    EXPECT_NE(contents.find(f), std::string::npos) << f << "\n" << contents;
  }
  std::string depends;
  ASSERT_EQ(RunShell("dpkg-deb -f " + deb + " Depends", &depends), 0);
  for (const char* d : {"libzmq5", "libprotobuf", "libyaml-cpp", "libsqlite3", "libcurl4", "git"}) {
    EXPECT_NE(depends.find(d), std::string::npos) << d << " missing from Depends: " << depends;
  }
  TempDir scratch;
  ASSERT_EQ(RunShell("dpkg-deb -x " + deb + " " + scratch.path(), &out), 0) << out;
  std::string version;
  ASSERT_EQ(RunShell(scratch.path() + "/usr/bin/redundancyctl --version", &version), 0) << version;
  std::string cmake = ReadFile(SOURCE_DIR "/CMakeLists.txt");
  size_t v = cmake.find("project(redundancy VERSION ") + 27;
  std::string project_version = cmake.substr(v, cmake.find(' ', v) - v);
  EXPECT_EQ(version, "redundancyctl " + project_version + "\n");
  EXPECT_NE(deb.find("redundancy_" + project_version + "_amd64.deb"), std::string::npos) << deb;
  std::string daemon_version;
  ASSERT_EQ(RunShell(scratch.path() + "/usr/bin/redundancyd --version", &daemon_version), 0);
  EXPECT_EQ(version.substr(version.find(' ')), daemon_version.substr(daemon_version.find(' '))) << "one version";
  std::string sections;
  RunShell("readelf -S " + scratch.path() + "/usr/bin/redundancyd", &sections);
  EXPECT_EQ(sections.find(".debug_info"), std::string::npos) << "unstripped binary in the package";
  std::string unit = ReadFile(scratch.path() + "/usr/lib/systemd/system/redundancyd.service");
  EXPECT_NE(unit.find("ExecStart=/usr/bin/redundancyd --config"), std::string::npos) << unit;
}

TEST(DeployTest, Pm2EcosystemFileRunsRedundancyd) {
  std::string pm2;
  if (RunShell("command -v pm2", &pm2) != 0) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  Daemon d("  git: {interval: 1s}\n  build: {interval: 1s}\n");
  std::string home = d.dir().path() + "/pm2home";
  std::string refused;
  EXPECT_NE(RunShell("PM2_HOME=" + home + " REDUNDANCY_CONFIG= pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js",
                     &refused),
            0);
  EXPECT_NE(refused.find("set REDUNDANCY_CONFIG"), std::string::npos) << refused;
  std::string env = "PM2_HOME=" + home + " REDUNDANCY_CONFIG=" + d.config_path() + " ";
  std::string out;
  ASSERT_EQ(RunShell(env + "pm2 start " SOURCE_DIR "/deploy/pm2/ecosystem.config.js", &out), 0) << out;
  bool ready = d.WaitAllReady(20s);
  auto status = d.Status();
  // `redundancyctl restart` goes through PM2, which keeps supervising the new one.
  CtlResult restarted = d.Ctl("restart");
  bool ready_again = WaitUntil(
                         [&] {
                           auto s = d.Status();
                           return s.ok() && status.ok() && s->pid() != status->pid();
                         },
                         20s) &&
                     d.WaitAllReady(20s);
  auto after = d.Status();
  // Stop PM2 (and through it redundancyd) before asserting, so nothing outlives the test.
  std::string kill_out;
  RunShell(env + "pm2 kill", &kill_out);
  ASSERT_TRUE(ready) << out;
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->agents_size(), 2);
  EXPECT_EQ(status->launcher().kind(), "pm2");
  EXPECT_EQ(status->launcher().pm2_home(), home);
  EXPECT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_NE(restarted.output.find("redundancyd restarted (pid " + std::to_string(status->pid()) + " -> "),
            std::string::npos)
      << restarted.output;
  EXPECT_NE(restarted.output.find("pm2 restart redundancyd"), std::string::npos) << restarted.output;
  ASSERT_TRUE(ready_again) << restarted.output;
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->launcher().kind(), "pm2");
  std::vector<pid_t> pids{status->pid(), after->pid()};
  for (const auto& a : status->agents()) pids.push_back(a.pid());
  for (const auto& a : after->agents()) pids.push_back(a.pid());
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (pid_t p : pids)
          if (IsRunning(p)) return false;
        return true;
      },
      10s))
      << "pm2 kill stops redundancyd and its agents";
}

}  // namespace
}  // namespace redundancy::testing
