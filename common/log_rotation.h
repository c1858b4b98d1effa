// The product's own log files: rotated by size and by time, the rotated file
// renamed (never copied and truncated, so no line is lost) to
// NAME.<UTC stamp>, gzip-compressed (zlib) on a helper thread, and kept by
// count and by age.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace redundancy {

struct RotationPolicy {
  uint64_t max_size = 10ULL << 20;       // rotate when the file would grow past this
  std::chrono::milliseconds every{0};    // and when this much time has passed (0: size only)
  int max_files = 5;                     // rotated files kept (newest first)
  std::chrono::milliseconds max_age{0};  // and none older than this (0: no age limit)
  bool compress = true;                  // gzip rotated files
};

// Compresses `src` into `dst` (gzip) and removes `src`; "" or an error.
std::string GzipFile(const std::string& src, const std::string& dst);

// The text of a log file, gunzipped when it is a .gz archive ("" when unreadable).
std::string ReadMaybeGzip(const std::string& path);

// A name to rotate `path` to now, taken by no file with or without .gz:
// path.<UTC stamp>-NNNN; `seq` tells apart rotations within one second.
std::string RotatedName(const std::string& path, int* seq);

// The rotated files of `dir/name` (name.<stamp>[.gz]), newest first.
std::vector<std::string> RotatedFiles(const std::string& dir, const std::string& name);

// Deletes rotated files beyond `max_files` or older than `max_age` at `now`
// (mtime); returns how many went.
int Prune(const std::string& dir, const std::string& name, const RotationPolicy& p,
          std::chrono::system_clock::time_point now);

class RotatingGzipSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RotatingGzipSink(std::string dir, std::string name, RotationPolicy policy);
  ~RotatingGzipSink() override;
  // Rotates now (also what size and time do); for tests and SIGHUP-style use.
  void Rotate();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void Open();
  // Reopens the file when it was deleted or could not be opened (tried
  // again at most once a second); false while it cannot be.
  bool EnsureOpen();
  void RotateLocked();

  std::string dir_, name_, path_;
  RotationPolicy policy_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  std::chrono::system_clock::time_point opened_;
  std::chrono::steady_clock::time_point checked_{};
  std::thread compressor_;  // the previous rotation's gzip, joined before the next
  int seq_ = 0;             // tells apart rotations within one second
};

}  // namespace redundancy
