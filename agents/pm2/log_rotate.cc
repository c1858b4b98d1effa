#include "agents/pm2/log_rotate.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <set>
#include <thread>

#include "common/log_rotation.h"

namespace redundancy::pm2 {
namespace fs = std::filesystem;

std::vector<std::string> OversizedLogs(const LogSettings& s) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(s.dir, ec)) {
    if (e.path().extension() != ".log" || !e.is_regular_file(ec)) continue;
    uint64_t size = e.file_size(ec);
    if (!ec && size >= s.max_size) out.push_back(e.path().string());
  }
  return out;
}

std::vector<std::string> RenameLogs(const std::vector<std::string>& paths, std::vector<std::string>* errors) {
  std::vector<std::string> out;
  static int seq = 0;
  for (const auto& path : paths) {
    std::error_code ec;
    std::string to = RotatedName(path, &seq);
    fs::rename(path, to, ec);  // the writer keeps its descriptor: it goes on writing into `to`
    if (ec) {
      errors->push_back("cannot rename " + path + ": " + ec.message());
      continue;
    }
    out.push_back(to);
  }
  return out;
}

void WaitQuiet(const Clock& clock, const std::vector<std::string>& paths, Millis quiet, Millis limit) {
  auto size_of = [&] {
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& p : paths) total += fs::file_size(p, ec);
    return total;
  };
  auto deadline = clock.Now() + limit;
  uint64_t last = size_of();
  auto stable_since = clock.Now();
  while (clock.Now() < deadline) {
    clock.Sleep(Millis(5));
    uint64_t now = size_of();
    if (now != last) {
      last = now;
      stable_since = clock.Now();
    } else if (clock.Now() - stable_since >= quiet) {
      return;
    }
  }
}

int CompressAndPrune(const LogSettings& s, Millis quiet) {
  std::error_code ec;
  std::set<std::string> logs;  // base names with rotations
  std::vector<fs::path> to_compress;
  auto now = fs::file_time_type::clock::now();
  for (const auto& e : fs::directory_iterator(s.dir, ec)) {
    std::string name = e.path().filename().string();
    size_t at = name.find(".log.");
    if (at == std::string::npos || name.find(".tmp") != std::string::npos) continue;
    logs.insert(name.substr(0, at + 4));
    bool compressed = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
    if (!compressed && s.compress && now - e.last_write_time(ec) >= quiet) to_compress.push_back(e.path());
  }
  int n = 0;
  for (const auto& p : to_compress) {
    if (GzipFile(p.string(), p.string() + ".gz").empty()) ++n;
  }
  RotationPolicy policy;
  policy.max_files = s.retain;
  policy.max_age = s.max_age;
  for (const auto& name : logs) Prune(s.dir, name, policy, std::chrono::system_clock::now());
  return n;
}

Result<DiskUsage> Usage(const std::string& dir) {
  struct statvfs v {};
  if (statvfs(dir.c_str(), &v) != 0) return Result<DiskUsage>::Error("cannot stat the filesystem of " + dir);
  DiskUsage u;
  u.total = static_cast<uint64_t>(v.f_blocks) * v.f_frsize;
  u.free = static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    u.logs += e.file_size(ec);
    ++u.files;
  }
  return u;
}

}  // namespace redundancy::pm2
