#include "ctl/log_cmds.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "common/config_schema.h"
#include "common/file_util.h"
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

// Prints what is appended to `paths` (each followed across renames) until
// stdout closes; with several files, each chunk under a header naming its file.
int Follow(const std::vector<std::string>& paths) {
  struct Followed {
    std::string path;
    int fd = -1;
    off_t offset = 0;
    ino_t inode = 0;
  };
  std::vector<Followed> files;
  for (const auto& p : paths) {
    Followed f{p};
    struct stat st {};
    f.fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0 || fstat(f.fd, &st) != 0) continue;
    f.offset = st.st_size;
    f.inode = st.st_ino;
    files.push_back(f);
  }
  if (files.empty()) return 1;
  const std::string* last_header = nullptr;
  char buf[65536];
  while (true) {
    for (auto& f : files) {
      auto drain = [&] {
        for (ssize_t n; (n = pread(f.fd, buf, sizeof buf, f.offset)) > 0; f.offset += n) {
          if (files.size() > 1 && last_header != &f.path) {
            if (!Write("\n==> " + f.path + " <==\n")) return false;
            last_header = &f.path;
          }
          if (!Write(std::string(buf, static_cast<size_t>(n)))) return false;  // stdout closed: done
        }
        return true;
      };
      if (!drain()) return 0;
      struct stat now {};
      if (stat(f.path.c_str(), &now) == 0 && now.st_ino != f.inode) {
        // Rotated: what was left in the old file is read above; go on with the new one.
        int next = open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (next >= 0) {
          if (!drain()) return 0;
          close(f.fd);
          f.fd = next;
          f.offset = 0;
          f.inode = now.st_ino;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// A PM2 app's log files in `dir`: NAME-out.log and NAME-error.log, or with
// an instance number (NAME-out-0.log), as PM2 names them.
std::vector<std::string> AppLogFiles(const std::string& dir, const std::string& app) {
  std::vector<std::string> out;
  for (const char* kind : {"out", "error"}) {
    std::string plain = dir + "/" + app + "-" + kind + ".log";
    struct stat st {};
    if (stat(plain.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      out.push_back(plain);
      continue;
    }
    for (int i = 0; i < 64; ++i) {
      std::string numbered = dir + "/" + app + "-" + kind + "-" + std::to_string(i) + ".log";
      if (stat(numbered.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(numbered);
    }
  }
  return out;
}

bool PlainName(const std::string& s) {
  return !s.empty() && s.size() <= 200 && s.find('/') == std::string::npos && s != "." && s != "..";
}

}  // namespace

int ShowLogs(const std::string& log_dir, const std::string& system, int lines, bool follow,
             const std::string& pm2_log_dir) {
  if (!system.empty()) {
    const auto& known = KnownSystems();
    struct stat own {};
    // A system of the operator's own has an agent log like the built-in ones.
    bool own_system = PlainName(system) && stat((log_dir + "/agent-" + system + ".log").c_str(), &own) == 0;
    if (std::find(known.begin(), known.end(), system) == known.end() && !own_system) {
      // Not a system: a PM2 app, whose logs PM2 writes.
      std::vector<std::string> files =
          PlainName(system) ? AppLogFiles(pm2_log_dir, system) : std::vector<std::string>{};
      if (files.empty()) {
        std::cerr << "redundancyctl: '" << system << "' is neither a system (";
        for (size_t i = 0; i < known.size(); ++i) std::cerr << (i ? ", " : "") << known[i];
        std::cerr << "), a system with a log in " << log_dir << ", nor a PM2 app with logs in " << pm2_log_dir << "\n";
        return 2;
      }
      for (const auto& f : files) {
        size_t budget = std::max<size_t>(64 * 1024, static_cast<size_t>(std::max(lines, 0)) * 1024);
        if (!Write("==> " + f + " <==\n" + ReadTailLines(f, lines, budget) + "\n")) return 0;
      }
      return follow ? Follow(files) : 0;
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
  return follow ? Follow({path}) : 0;
}

}  // namespace redundancy::ctl
