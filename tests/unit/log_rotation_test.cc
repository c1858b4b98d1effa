// The product's log files: rotation by size under writers at full speed loses
// no line (every line counted across the live file and the gzip archives),
// rotation by time, and retention by count and age.
#include "common/log_rotation.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <utime.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace redundancy {
namespace {

namespace fs = std::filesystem;

struct Dir {
  Dir() {
    char t[] = "/tmp/redundancy-logrot-XXXXXX";
    path = mkdtemp(t);
  }
  ~Dir() { fs::remove_all(path); }
  std::string path;
};

std::vector<std::string> Lines(const std::string& file) {
  std::vector<std::string> out;
  gzFile f = gzopen(file.c_str(), "rb");  // reads plain files too
  if (!f) return out;
  char buf[4096];
  while (gzgets(f, buf, sizeof buf)) out.emplace_back(buf);
  gzclose(f);
  return out;
}

TEST(LogRotationTest, NoLineIsLostUnderFullSpeedWriters) {
  Dir d;
  RotationPolicy p;
  p.max_size = 64 << 10;
  p.max_files = 100000;
  auto sink = std::make_shared<RotatingGzipSink>(d.path, "app.log", p);
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::logger>("rot", sink);
  const int kThreads = 4, kLines = 20000;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) logger->info("writer {} line {} with some padding to fill the file", t, i);
    });
  }
  for (auto& w : writers) w.join();
  logger.reset();
  sink.reset();  // joins the last compression
  std::set<std::string> seen;
  size_t total = 0;
  auto rotated = RotatedFiles(d.path, "app.log");
  EXPECT_GT(rotated.size(), 50u) << "rotated many times";
  int gz = 0;
  for (const auto& f : rotated) gz += f.size() > 3 && f.compare(f.size() - 3, 3, ".gz") == 0;
  EXPECT_GE(gz, static_cast<int>(rotated.size()) - 1) << "all but possibly the last are compressed";
  rotated.push_back(d.path + "/app.log");
  for (const auto& f : rotated) {
    for (const auto& l : Lines(f)) {
      ++total;
      seen.insert(l);
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kLines));
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kLines)) << "each line exactly once";
}

TEST(LogRotationTest, RotatesByTime) {
  Dir d;
  RotationPolicy p;
  p.every = std::chrono::milliseconds(1);
  auto sink = std::make_shared<RotatingGzipSink>(d.path, "t.log", p);
  auto logger = std::make_shared<spdlog::logger>("t", sink);
  logger->info("first");
  auto t0 = std::chrono::system_clock::now();
  while (std::chrono::system_clock::now() - t0 < std::chrono::milliseconds(3)) {
  }  // bounded: the clock moves
  logger->info("second");
  logger.reset();
  sink.reset();
  auto rotated = RotatedFiles(d.path, "t.log");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_NE(Lines(rotated[0])[0].find("first"), std::string::npos);
  EXPECT_NE(Lines(d.path + "/t.log")[0].find("second"), std::string::npos);
}

// Someone deletes the log directory: the next line makes it again.
TEST(LogRotationTest, ADeletedLogDirectoryIsMadeAgainByTheNextLine) {
  Dir d;
  std::string dir = d.path + "/logs";
  auto sink = std::make_shared<RotatingGzipSink>(dir, "d.log", RotationPolicy{});
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::logger>("d", sink);
  logger->info("before");
  logger->flush();
  fs::remove_all(dir);
  logger->info("after");
  logger->flush();
  auto lines = Lines(dir + "/d.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "after\n");
}

TEST(LogRotationTest, KeepsByCountAndAge) {
  Dir d;
  for (const char* stamp :
       {"20261101T000000Z-0000", "20261110T000000Z-0000", "20261120T000000Z-0000", "20261121T000000Z-0000"}) {
    std::ofstream(d.path + "/x.log." + stamp + ".gz") << "x";
  }
  std::ofstream(d.path + "/x.log") << "live";
  std::ofstream(d.path + "/other.log.20261101T000000Z-0000") << "not ours";
  RotationPolicy p;
  p.max_files = 3;
  EXPECT_EQ(Prune(d.path, "x.log", p, std::chrono::system_clock::now()), 1);
  EXPECT_FALSE(fs::exists(d.path + "/x.log.20261101T000000Z-0000.gz")) << "the oldest beyond the count";
  // Age: one file made 40 days old.
  std::string old = d.path + "/x.log.20261110T000000Z-0000.gz";
  struct utimbuf times {};
  times.actime = times.modtime = std::time(nullptr) - 40 * 86400;
  ASSERT_EQ(utime(old.c_str(), &times), 0);
  p.max_age = std::chrono::hours(24 * 30);
  EXPECT_EQ(Prune(d.path, "x.log", p, std::chrono::system_clock::now()), 1);
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(d.path + "/x.log"));
  EXPECT_TRUE(fs::exists(d.path + "/other.log.20261101T000000Z-0000"));
  EXPECT_EQ(RotatedFiles(d.path, "x.log").size(), 2u);
}

}  // namespace
}  // namespace redundancy
