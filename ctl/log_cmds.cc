#include "ctl/log_cmds.h"

#include <fcntl.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "common/config_schema.h"
#include "common/file_util.h"
#include "common/json_text.h"
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

// Lines through a LogFilter: kept or dropped, printed as text or JSON.
class LineFilter {
 public:
  // POSIX extended regular expressions (glibc's matcher keeps state sets:
  // no exponential backtracking on patterns like (.*)*x, no recursion per character).
  explicit LineFilter(const LogFilter& f) : f_(f) {
    if (f.grep.empty()) return;
    if (f.grep.size() > 1024) throw std::invalid_argument("longer than 1 KB");
    auto re = std::make_unique<regex_t>();
    if (int rc = regcomp(re.get(), f.grep.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
      char why[256];
      regerror(rc, re.get(), why, sizeof why);
      throw std::invalid_argument(why);
    }
    re_.reset(re.release());  // compiled: regfree()d with it
  }
  bool active() const { return f_.since_ms > 0 || re_ || f_.json; }
  // The kept lines of `text` (whole lines), formatted.
  std::string Apply(const std::string& text, const std::string& file) {
    std::string out;
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      std::string_view line(text.data() + at, (nl == std::string::npos ? text.size() : nl) - at);
      at = nl == std::string::npos ? text.size() : nl + 1;
      if (line.empty()) continue;
      int64_t ts = TimeOf(line);
      if (ts > 0) last_ts_ = ts;  // continuation lines (a stack) go with the last timed one
      if (f_.since_ms > 0 && last_ts_ < f_.since_ms) continue;
      if (re_) {
        std::string head(line.substr(0, 4096));
        if (regexec(re_.get(), head.c_str(), 0, nullptr, 0) != 0) continue;
      }
      out += f_.json ? Json(line, file, ts) + "\n" : std::string(line) + "\n";
    }
    return out;
  }

 private:
  // "2026-12-01T13:45:38.727 info [4124] ..." (local time, as redundancy logs): epoch ms, or 0.
  static int64_t TimeOf(std::string_view line) {
    if (line.size() < 23 || line[4] != '-' || line[10] != 'T' || line[19] != '.') return 0;
    std::tm tm{};
    std::string head(line.substr(0, 19));
    if (!strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t < 0) return 0;
    return static_cast<int64_t>(t) * 1000 + std::atoi(std::string(line.substr(20, 3)).c_str());
  }
  static std::string Json(std::string_view line, const std::string& file, int64_t ts) {
    nlohmann::json j = {{"file", file}};
    std::string_view rest = line;
    if (ts > 0) {
      j["time"] = std::string(line.substr(0, 23));
      j["ts_ms"] = ts;
      rest = line.substr(std::min(line.size(), size_t{24}));
      size_t sp = rest.find(' ');
      if (sp != std::string_view::npos && sp < 10) {
        j["level"] = std::string(rest.substr(0, sp));
        rest = rest.substr(sp + 1);
        if (rest.size() > 2 && rest[0] == '[') {
          size_t close = rest.find("] ");
          if (close != std::string_view::npos) {
            j["pid"] = std::atoll(std::string(rest.substr(1, close - 1)).c_str());
            rest = rest.substr(close + 2);
          }
        }
      }
    }
    j["message"] = std::string(rest);
    return JsonText(j);
  }

  LogFilter f_;
  struct RegFree {
    void operator()(regex_t* re) const {
      regfree(re);
      delete re;
    }
  };
  std::unique_ptr<regex_t, RegFree> re_;
  int64_t last_ts_ = 0;
};

// Prints what is appended to `paths` (each followed across renames) until
// stdout closes; with several files, each chunk under a header naming its file.
// Through `filter` (when active) whole lines only.
int Follow(const std::vector<std::string>& paths, LineFilter* filter) {
  struct Followed {
    std::string path;
    int fd = -1;
    off_t offset = 0;
    ino_t inode = 0;
  };
  std::vector<Followed> files;
  std::map<std::string, std::string> partial;  // a line not finished yet, per file (filtered output)
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
          if (filter && filter->active()) {
            std::string& part = partial[f.path];
            part.append(buf, static_cast<size_t>(n));
            size_t last_nl = part.rfind('\n');
            if (last_nl == std::string::npos) continue;
            std::string kept = filter->Apply(part.substr(0, last_nl + 1), f.path);
            part.erase(0, last_nl + 1);
            if (!kept.empty() && !Write(kept)) return false;
            continue;
          }
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
             const std::string& pm2_log_dir, const LogFilter& filter) {
  std::optional<LineFilter> lf;
  try {
    lf.emplace(filter);
  } catch (const std::invalid_argument& e) {
    std::cerr << "redundancyctl: --grep: not a usable regular expression: " << e.what() << "\n";
    return 2;
  }
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
        if (lf->active()) {
          // Filtered: the last matching lines of the whole file (at most 16 MB read).
          if (!Write(Tail(lf->Apply(ReadWholeFile(f), f), lines))) return 0;
          continue;
        }
        size_t budget = std::max<size_t>(64 * 1024, static_cast<size_t>(std::max(lines, 0)) * 1024);
        if (!Write("==> " + f + " <==\n" + ReadTailLines(f, lines, budget) + "\n")) return 0;
      }
      return follow ? Follow(files, &*lf) : 0;
    }
  }
  std::string name = system.empty() ? "redundancyd.log" : "agent-" + system + ".log";
  std::string path = log_dir + "/" + name;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    std::cerr << "redundancyctl: no log at " << path << " (yet)\n";
    return 1;
  }
  // The last lines, reaching into rotated files when the live one has too
  // few (of those the filter keeps).
  std::vector<std::pair<std::string, std::string>> parts = {{path, ReadMaybeGzip(path)}};
  auto kept = [&] {
    std::string text;
    LineFilter fresh(filter);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      text += lf->active() ? fresh.Apply(it->second, it->first) : it->second;
    return text;
  };
  std::string text = kept();
  for (const auto& older : RotatedFiles(log_dir, name)) {
    if (Lines(text) >= lines) break;
    parts.emplace_back(older, ReadMaybeGzip(older));
    text = kept();
  }
  if (!Write(Tail(text, lines))) return 0;
  return follow ? Follow({path}, &*lf) : 0;
}

}  // namespace redundancy::ctl
