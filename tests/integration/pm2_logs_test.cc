// PM2 app logs (systems.pm2.logs) with a real PM2: an app writing at full
// speed is rotated many times (rename + reloadLogs) and every line it wrote
// is found exactly once across the live file, the rotated files and the
// gzip archives; a disk under the logs that is "too full" raises an alert.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "common/log_rotation.h"
#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

class Pm2LogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Pm2Available()) GTEST_SKIP() << "pm2 is not installed (scripts/setup.sh installs it)";
  }
  void TearDown() override {
    d_.reset();
    pm2_.reset();
  }
  std::string Home() const { return home_dir_.path() + "/pm2"; }
  std::string GoFile() const { return home_dir_.path() + "/go"; }
  // PM2 runs the writer (waiting for GoFile()) before redundancyd starts.
  void Start(const std::string& logs_yaml, const std::string& extra_yaml, int lines,
             const std::string& env_extra = "") {
    d_ = std::make_unique<Daemon>(
        "  pm2: {interval: 200ms, pm2_home: " + Home() + ", ecosystem: ecosystem.config.js, logs: " + logs_yaml + "}\n",
        FastOrchestratorYaml() + extra_yaml);
    d_->dir().Write("ecosystem.config.js", "module.exports = {apps: [{name: 'writer', script: '" +
                                               Pm2Fixture("writer.js") + "', env: {LINES: '" + std::to_string(lines) +
                                               "', GO_FILE: '" + GoFile() + "'" + env_extra + "}}]};\n");
    pm2_ = std::make_unique<Pm2Home>(Home());
    std::string out;
    ASSERT_EQ(pm2_->Pm2("start " + d_->dir().path() + "/ecosystem.config.js", &out), 0) << out;
    ASSERT_TRUE(d_->Start());
    ASSERT_TRUE(d_->WaitAllReady(10s));
    ASSERT_TRUE(d_->WaitCheck("pm2:writer", v1::HEALTH_OK, 10s)) << d_->Ctl("status").output;
  }
  TempDir home_dir_;
  std::unique_ptr<Daemon> d_;
  std::unique_ptr<Pm2Home> pm2_;
};

TEST_F(Pm2LogsTest, RotationUnderAFullSpeedWriterLosesNoLine) {
  constexpr int kLines = 400'000;  // ~21 MB: about twenty rotations at 1 MB
  Start("{pm2: true, max_size: 1MB, retain: 1000, compress: true}", "", kLines);
  ASSERT_TRUE(d_->WaitCheck("pm2:logs", v1::HEALTH_OK, 10s));
  WriteFile(GoFile(), "");
  std::string logs = Home() + "/logs";
  // "done" may be in the live file or, rotated since, in an older one.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& e : fs::directory_iterator(logs)) {
          if (ReadMaybeGzip(e.path().string()).find("done\n") != std::string::npos) return true;
        }
        return false;
      },
      90s))
      << d_->Ctl("status").output;
  // Let the last rotation settle and the archives be written.
  ASSERT_TRUE(WaitUntil(
      [&] {
        int plain_rotated = 0;
        for (const auto& e : fs::directory_iterator(logs)) {
          std::string f = e.path().filename().string();
          plain_rotated += f.rfind("writer-out.log.", 0) == 0 && f.find(".gz") == std::string::npos;
        }
        return plain_rotated == 0;
      },
      20s));
  std::vector<char> seen(kLines, 0);
  int files = 0, archives = 0, duplicates = 0, total = 0;
  for (const auto& e : fs::directory_iterator(logs)) {
    std::string f = e.path().filename().string();
    if (f.rfind("writer-out.log", 0) != 0) continue;
    ++files;
    archives += f.size() > 3 && f.compare(f.size() - 3, 3, ".gz") == 0;
    std::istringstream in(ReadMaybeGzip(e.path().string()));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("line ", 0) != 0) continue;
      int i = std::stoi(line.substr(5));
      ASSERT_TRUE(i >= 0 && i < kLines) << line;
      duplicates += seen[i]++ > 0;
      ++total;
    }
  }
  int missing = 0;
  std::string ranges;  // the first missing ranges, to tell where lines went
  for (int i = 0; i < kLines; ++i) {
    if (seen[i]) continue;
    ++missing;
    int j = i;
    while (j + 1 < kLines && !seen[j + 1]) ++j;
    if (ranges.size() < 400) ranges += std::to_string(i) + "-" + std::to_string(j) + " ";
    missing += j - i;
    i = j;
  }
  EXPECT_EQ(missing, 0) << "lines lost in rotation: " << ranges;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(total, kLines);
  EXPECT_GE(archives, 3) << files << " files";  // how many depends on how fast the flood is here
  auto check = d_->CheckOf("pm2:logs");
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status(), v1::HEALTH_OK) << check->summary();
  EXPECT_NE(check->summary().find("rotated"), std::string::npos) << check->summary();
  auto h = d_->Control(v1::ControlRequest::HISTORY);
  ASSERT_TRUE(h.ok());
  int rotations = 0;
  for (const auto& r : h->history()) rotations += r.kind() == "event:logs_rotated";
  EXPECT_GE(rotations, 3);
}

TEST_F(Pm2LogsTest, RetentionAndADiskFillingUpRaiseAnAlert) {
  // min_free_percent 101: whatever the disk holds, it is "filling".
  std::string alerts = home_dir_.path() + "/alerts.jsonl";
  Start("{pm2: true, max_size: 64KB, retain: 2, min_free_percent: 101}",
        "alerts:\n  settle: 300ms\n  channels:\n    - {type: file, path: " + alerts + "}\n", 20'000,
        ", CHUNK: '2000', PAUSE_MS: '300'");  // ten bursts of ~100 KB, a rotation or more each
  // Degraded or failed (below half of it) depending on this disk; either way it says why.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = d_->CheckOf("pm2:logs");
        return c && c->status() != v1::HEALTH_OK &&
               c->summary().find("the disk under the logs is") != std::string::npos;
      },
      10s))
      << d_->Ctl("status").output;
  json alert;
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::istringstream in(ReadFile(alerts));
        for (std::string line; std::getline(in, line);) {
          auto j = json::parse(line, nullptr, false);
          if (j.is_object() && j["alerts"][0]["labels"]["target"] == "pm2:logs") alert = j["alerts"][0];
        }
        return !alert.is_null();
      },
      10s))
      << ReadFile(alerts);
  EXPECT_EQ(alert["status"], "firing");
  EXPECT_NE(alert["summary"].get<std::string>().find("free"), std::string::npos);
  WriteFile(GoFile(), "");
  // ~1 MB written in ten paced bursts at 64 KB per file: many rotations, two kept.
  // "done" may be in the live file or, rotated since, in an archive.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& e : fs::directory_iterator(Home() + "/logs")) {
          if (ReadMaybeGzip(e.path().string()).find("done\n") != std::string::npos) return true;
        }
        return false;
      },
      60s))
      << d_->Ctl("status").output;
  std::string listing;
  EXPECT_TRUE(WaitUntil(
      [&] {
        int rotated = 0;
        listing.clear();
        for (const auto& e : fs::directory_iterator(Home() + "/logs")) {
          listing += e.path().filename().string() + " ";
          rotated += e.path().filename().string().rfind("writer-out.log.", 0) == 0;
        }
        return rotated == 2;
      },
      20s))
      << listing << "\n"
      << d_->Ctl("status").output;
}

}  // namespace
}  // namespace redundancy::testing
