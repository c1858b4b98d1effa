#include "common/log_rotation.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace redundancy {
namespace fs = std::filesystem;

std::string GzipFile(const std::string& src, const std::string& dst) {
  std::ifstream in(src, std::ios::binary);
  if (!in) return "cannot read " + src;
  std::string tmp = dst + ".tmp";
  gzFile out = gzopen(tmp.c_str(), "wb6");
  if (!out) return "cannot write " + tmp;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n > 0 && gzwrite(out, buf, static_cast<unsigned>(n)) != n) {
      gzclose(out);
      fs::remove(tmp);
      return "cannot compress " + src;
    }
  }
  if (gzclose(out) != Z_OK) return "cannot finish " + tmp;
  std::error_code ec;
  fs::rename(tmp, dst, ec);
  if (ec) return "cannot rename " + tmp + ": " + ec.message();
  fs::remove(src, ec);
  return "";
}

std::string ReadMaybeGzip(const std::string& path) {
  std::string all;
  // gzopen reads gzip archives and plain files alike.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return all;
  char buf[65536];
  for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return all;
}

std::string RotatedName(const std::string& path, int* seq) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  char suffix[16];
  std::string rotated;
  std::error_code ec;
  for (int i = 0; i < 10000; ++i) {
    std::snprintf(suffix, sizeof suffix, "-%04d", (*seq)++ % 10000);
    rotated = path + "." + stamp + suffix;
    if (!fs::exists(rotated, ec) && !fs::exists(rotated + ".gz", ec)) break;
  }
  return rotated;
}

std::vector<std::string> RotatedFiles(const std::string& dir, const std::string& name) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string f = e.path().filename().string();
    if (f.size() > name.size() + 1 && f.compare(0, name.size() + 1, name + ".") == 0 &&
        f.find(".tmp") == std::string::npos) {
      out.push_back(e.path().string());
    }
  }
  // NAME.<YYYYmmddTHHMMSSZ>-<seq>[.gz]: the names sort by time.
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

int Prune(const std::string& dir, const std::string& name, const RotationPolicy& p,
          std::chrono::system_clock::time_point now) {
  int removed = 0;
  auto files = RotatedFiles(dir, name);
  for (size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    bool too_many = p.max_files >= 0 && static_cast<int>(i) >= p.max_files;
    bool too_old = false;
    if (p.max_age.count() > 0) {
      auto mtime = fs::last_write_time(files[i], ec);
      if (!ec) {
        auto sys = std::chrono::file_clock::to_sys(mtime);
        too_old = now - sys > p.max_age;
      }
    }
    if ((too_many || too_old) && fs::remove(files[i], ec)) ++removed;
  }
  return removed;
}

RotatingGzipSink::RotatingGzipSink(std::string dir, std::string name, RotationPolicy policy)
    : dir_(std::move(dir)), name_(std::move(name)), path_(dir_ + "/" + name_), policy_(policy) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  Open();  // throws when the file cannot be made: the logger is not set up
}

RotatingGzipSink::~RotatingGzipSink() {
  if (compressor_.joinable()) compressor_.join();
  if (file_) std::fclose(file_);
}

void RotatingGzipSink::Open() {
  file_ = std::fopen(path_.c_str(), "ae");
  if (!file_) throw spdlog::spdlog_ex("cannot open " + path_);
  std::error_code ec;
  size_ = fs::exists(path_, ec) ? fs::file_size(path_, ec) : 0;
  opened_ = std::chrono::system_clock::now();
}

bool RotatingGzipSink::EnsureOpen() {
  // A log file (or its directory) deleted under us is made again, instead of
  // every later line going to an unlinked file (one fstat a line); a file
  // that cannot be opened is tried again a second later.
  auto now = std::chrono::steady_clock::now();
  if (!file_ && now - checked_ < std::chrono::seconds(1)) return false;
  checked_ = now;
  struct stat st;
  if (file_ && fstat(fileno(file_), &st) == 0 && st.st_nlink > 0) return true;
  if (file_) std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  file_ = std::fopen(path_.c_str(), "ae");
  if (!file_) return false;  // tried again in a second; the line is lost, not the process
  size_ = 0;
  opened_ = std::chrono::system_clock::now();
  return true;
}

void RotatingGzipSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (!EnsureOpen()) return;
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  bool by_size = size_ > 0 && size_ + formatted.size() > policy_.max_size;
  bool by_time = policy_.every.count() > 0 && std::chrono::system_clock::now() - opened_ >= policy_.every && size_ > 0;
  if (by_size || by_time) RotateLocked();
  if (!file_) return;
  std::fwrite(formatted.data(), 1, formatted.size(), file_);
  size_ += formatted.size();
}

void RotatingGzipSink::flush_() {
  if (file_) std::fflush(file_);
}

void RotatingGzipSink::Rotate() {
  std::lock_guard lock(mutex_);
  RotateLocked();
}

void RotatingGzipSink::RotateLocked() {
  if (file_) {
    std::fflush(file_);
    std::fclose(file_);
  }
  file_ = nullptr;
  std::string rotated = RotatedName(path_, &seq_);
  std::error_code ec;
  fs::rename(path_, rotated, ec);  // a rename: a writer never loses a line
  checked_ = {};
  if (!EnsureOpen()) return;
  if (compressor_.joinable()) compressor_.join();
  RotationPolicy p = policy_;
  std::string dir = dir_, name = name_;
  compressor_ = std::thread([rotated, p, dir, name] {
    if (p.compress) GzipFile(rotated, rotated + ".gz");
    Prune(dir, name, p, std::chrono::system_clock::now());
  });
}

}  // namespace redundancy
