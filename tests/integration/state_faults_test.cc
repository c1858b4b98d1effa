// State faults are loud and lose nothing: a full disk under the history (a
// small tmpfs), a corrupt database, through the real daemon.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Systems() { return "  git: {interval: 1h, agent: " + TestAgent() + "}\n"; }

std::string AlertsYaml(const std::string& file) {
  return FastOrchestratorYaml() + "alerts:\n  channels:\n    - {type: file, path: " + file + "}\n";
}

// A state_dir on a 1 MB tmpfs that a filler file fills up.
class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = std::make_unique<Daemon>(Systems(), AlertsYaml(alerts_.path() + "/alerts.jsonl"));
    state_ = d_->dir().path() + "/.redundancy";
    fs::create_directories(state_);
    if (mount("tmpfs", state_.c_str(), "tmpfs", 0, "size=1m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    d_.reset();
    if (mounted_) umount2(state_.c_str(), MNT_DETACH);
  }
  // Fills the file system up to the last byte.
  void Fill() {
    std::ofstream out(state_ + "/filler", std::ios::binary);
    std::string block(4096, 'x');
    for (int i = 0; i < 1024 && out.write(block.data(), block.size()); ++i) {
    }
    out.close();
  }
  std::string Problems() {
    auto s = d_->Status();
    std::string all;
    if (s.ok()) {
      for (const auto& p : s->problems()) all += p + "\n";
    }
    return all;
  }

  TempDir alerts_;
  std::unique_ptr<Daemon> d_;
  std::string state_;
  bool mounted_ = false;
};

TEST_F(FullDiskTest, AFailingHistoryWriteIsLoudAndItsRowsAreWrittenLater) {
  ASSERT_TRUE(d_->Start());
  ASSERT_TRUE(d_->WaitAllReady(10s));
  Fill();
  // Control commands are history rows: written while the disk is full, they must not be lost.
  for (int i = 0; i < 20 && Problems().empty(); ++i) d_->Ctl("pause git");
  ASSERT_TRUE(WaitUntil([&] { return Problems().find("history: writes failing") != std::string::npos; }, 10s))
      << d_->Ctl("status").output;
  EXPECT_NE(d_->Ctl("status").output.find("PROBLEM    history: writes failing"), std::string::npos);
  EXPECT_TRUE(WaitUntil(
      [&] { return ReadFile(alerts_.path() + "/alerts.jsonl").find("history_write_failed") != std::string::npos; },
      10s))
      << ReadFile(alerts_.path() + "/alerts.jsonl");
  EXPECT_NE(d_->Ctl("metrics").output.size(), 0u);
  d_->Ctl("resume git");  // a row made while failing
  fs::remove(state_ + "/filler");
  ASSERT_TRUE(WaitUntil([&] { return Problems().empty(); }, 10s)) << Problems();
  std::string history = d_->Ctl("history").output;
  EXPECT_NE(history.find("resume"), std::string::npos) << "the row made while the disk was full was written later:\n"
                                                       << history;
  EXPECT_TRUE(IsRunning(d_->pid()));
}

// A database whose header is garbage: moved aside, a new one started, the
// daemon supervises, and a critical event says what happened.
TEST(CorruptDatabaseTest, IsMovedAsideAndTheDaemonSupervises) {
  TempDir alerts;
  Daemon d(Systems(), AlertsYaml(alerts.path() + "/alerts.jsonl"));
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(
      d.Control(v1::ControlRequest::STOP).ok());  // (our child: `redundancyctl stop` would wait for its reaping)
  ASSERT_EQ(d.WaitExit(10s), 0);
  std::string db = d.state_dir() + "/redundancy.db";
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f);
    f.write("this is no longer an SQLite file header", 40);
  }
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
  ASSERT_TRUE(d.Start()) << d.ReadLogs();
  ASSERT_TRUE(d.WaitAllReady(10s)) << d.ReadLogs();
  bool kept = false;
  for (const auto& e : fs::directory_iterator(d.state_dir())) {
    kept |= e.path().filename().string().rfind("redundancy.db.corrupt-", 0) == 0;
  }
  EXPECT_TRUE(kept) << "the damaged database is kept for forensics";
  EXPECT_NE(d.Ctl("history").output.find("database_corrupt"), std::string::npos) << d.Ctl("history").output;
  EXPECT_TRUE(WaitUntil(
      [&] { return ReadFile(alerts.path() + "/alerts.jsonl").find("database_corrupt") != std::string::npos; }, 10s));
}

}  // namespace
}  // namespace redundancy::testing
