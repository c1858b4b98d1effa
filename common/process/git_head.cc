#include "common/process/git_head.h"

#include <filesystem>
#include <sstream>
#include <thread>

#include "common/process/process.h"

namespace redundancy::git_head {
namespace {

Result<process::Captured> Git(const std::string& dir, std::vector<std::string> args, size_t max_output = 1 << 20) {
  args.insert(args.begin(), {"-C", dir});
  return process::RunCapture({.exe = "/usr/bin/git", .args = std::move(args)}, std::chrono::seconds(20), max_output);
}

}  // namespace

std::optional<std::vector<std::string>> Entries(const std::string& dir, const std::string& sub) {
  auto r = Git(dir, {"ls-tree", "--name-only", "HEAD", "--", sub + "/"});
  if (!r.ok() || r->exit.code != 0 || r->timed_out) return std::nullopt;
  std::vector<std::string> out;
  std::istringstream lines(r->output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::optional<std::string> File(const std::string& dir, const std::string& path, size_t max_bytes) {
  auto r = Git(dir, {"show", "HEAD:./" + path}, max_bytes + 1);
  // Larger than asked for: RunCapture kept only its end, which is no file.
  if (!r.ok() || r->exit.code != 0 || r->timed_out || r->output.size() > max_bytes) return std::nullopt;
  return r->output;
}

bool Settled(const Clock& clock, const std::string& dir) {
  clock.Sleep(std::chrono::milliseconds(500));
  auto r = Git(dir, {"rev-parse", "--absolute-git-dir"});
  if (!r.ok() || r->exit.code != 0) return true;  // no checkout: nothing under way
  std::string git_dir = r->output.substr(0, r->output.find('\n'));
  std::error_code ec;
  return !std::filesystem::exists(git_dir + "/index.lock", ec);
}

}  // namespace redundancy::git_head
