#include "orchestrator/ctl/log_cmds.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "common/config_schema.h"
#include "common/log_rotation.h"

namespace redundancy::ctl {
namespace {

// The last `n` lines of `text`.
std::string Tail(const std::string& text, int n) {
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  size_t pos = end;
  for (int seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == n) break;
  }
  return n <= 0 ? std::string() : text.substr(pos);
}

int Lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

bool Write(const std::string& s) {
  std::cout << s << std::flush;
  return static_cast<bool>(std::cout);
}

}  // namespace

int ShowLogs(const std::string& log_dir, const std::string& system, int lines, bool follow) {
  if (!system.empty()) {
    const auto& known = KnownSystems();
    if (std::find(known.begin(), known.end(), system) == known.end()) {
      std::cerr << "redundancyctl: unknown system '" << system << "'\n";
      return 2;
    }
  }
  std::string name = system.empty() ? "redundancyd.log" : "agent-" + system + ".log";
  std::string path = log_dir + "/" + name;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    std::cerr << "redundancyctl: no log at " << path << " (yet)\n";
    return 1;
  }
  // The last lines, reaching into rotated files when the live one is short.
  std::string text = ReadMaybeGzip(path);
  for (const auto& older : RotatedFiles(log_dir, name)) {
    if (Lines(text) >= lines) break;
    text = ReadMaybeGzip(older) + text;
  }
  if (!Write(Tail(text, lines))) return 0;
  if (!follow) return 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  off_t offset = lseek(fd, 0, SEEK_END);
  ino_t inode = st.st_ino;
  char buf[65536];
  while (true) {
    for (ssize_t n; (n = pread(fd, buf, sizeof buf, offset)) > 0; offset += n) {
      if (!Write(std::string(buf, static_cast<size_t>(n)))) return 0;  // stdout closed: done
    }
    struct stat now {};
    if (stat(path.c_str(), &now) == 0 && now.st_ino != inode) {
      // Rotated: what was left in the old file is read above; go on with the new one.
      int next = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (next >= 0) {
        for (ssize_t n; (n = pread(fd, buf, sizeof buf, offset)) > 0; offset += n) Write(std::string(buf, static_cast<size_t>(n)));
        close(fd);
        fd = next;
        offset = 0;
        inode = now.st_ino;
        continue;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace redundancy::ctl
