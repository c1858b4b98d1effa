#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace redundancy {

namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string Size(uint64_t bytes) {
  if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MB";
  if (bytes >= (1u << 10)) return std::to_string(bytes >> 10) + " KB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes) {
  using R = Result<std::string>;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return R::Error("cannot be read: " + std::string(std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return R::Error("cannot be read: " + std::string(std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return R::Error(std::string("is ") + KindOf(st.st_mode) + ", not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return R::Error("is " + Size(static_cast<uint64_t>(st.st_size)) + ", more than the " + Size(max_bytes) +
                    " read at most");
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  char extra;
  for (;;) {
    if (got == out.size()) {
      // At the size fstat said: one byte more means it grew while read.
      ssize_t n = read(fd, &extra, 1);
      if (n == 0) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (out.size() >= max_bytes) {
        close(fd);
        return R::Error("grew past the " + Size(max_bytes) + " read at most while it was read");
      }
      out.push_back(extra);
      ++got;
      out.resize(std::min(max_bytes, out.size() * 2 + 1));
      continue;
    }
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return R::Error("cannot be read: " + std::string(std::strerror(err)));
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  out.resize(got);
  return out;
}

std::string Unreadable(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return errno == ELOOP ? "is a symbolic link loop" : "cannot be read: " + std::string(std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return std::string("is ") + KindOf(st.st_mode) + ", not a regular file";
  if (access(path.c_str(), R_OK) != 0) return "cannot be read: " + std::string(std::strerror(errno));
  return "";
}

std::string OutsideOf(const std::string& path, const std::vector<std::string>& roots) {
  std::error_code ec;
  std::string real = std::filesystem::canonical(path, ec).string();
  if (ec) return "";
  for (const auto& root : roots) {
    if (!root.empty() && real.rfind(root + "/", 0) == 0) return "";
  }
  return real;
}

std::string FileFingerprint(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
}

std::string ReadWholeFile(const std::string& path, bool* ok) {
  auto r = ReadFileBounded(path);
  if (ok) *ok = r.ok();
  return r.ok() ? std::move(*r) : std::string();
}

int64_t MtimeNs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string ReadTailLines(const std::string& path, int max_lines, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "";
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return "";
  }
  off_t size = st.st_size;
  off_t from = size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
  std::string buf(static_cast<size_t>(size - from), '\0');
  ssize_t n = pread(fd, buf.data(), buf.size(), from);
  close(fd);
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < buf.size()) {
    size_t end = buf.find('\n', start);
    if (end == std::string::npos) end = buf.size();
    std::string line = buf.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(std::move(line));
    start = end + 1;
  }
  if (from > 0 && !lines.empty()) lines.erase(lines.begin());  // cut mid-line
  std::string out;
  size_t first = lines.size() > static_cast<size_t>(max_lines) ? lines.size() - static_cast<size_t>(max_lines) : 0;
  for (size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::string FoldLines(const std::string& text, size_t max) {
  std::string out, line;
  auto flush = [&] {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos) out += (out.empty() ? "" : "; ") + line.substr(start);
    line.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\x1b') {  // ESC [ ... letter: a colour or cursor code
      if (i + 1 < text.size() && text[i + 1] == '[') {
        i += 2;
        while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      flush();
    } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
      line += c;
    }
  }
  flush();
  return out.size() > max ? "..." + out.substr(out.size() - max) : out;
}

Result<std::string> FindExecutable(const std::string& name, const std::string& base, const std::string& path_env) {
  auto usable = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return Result<std::string>::Error("an empty command");
  if (name.find('/') != std::string::npos) {
    std::string path = name[0] == '/' || base.empty() ? name : base + "/" + name;
    path = std::filesystem::path(path).lexically_normal().string();
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return Result<std::string>::Error(path + " does not exist");
    if (!S_ISREG(st.st_mode)) return Result<std::string>::Error(path + " is not a file");
    if (access(path.c_str(), X_OK) != 0) return Result<std::string>::Error(path + " is not executable");
    return path;
  }
  for (size_t start = 0; start <= path_env.size();) {
    size_t colon = path_env.find(':', start);
    if (colon == std::string::npos) colon = path_env.size();
    std::string dir = path_env.substr(start, colon - start);
    if (!dir.empty() && dir[0] == '/' && usable(dir + "/" + name)) return dir + "/" + name;
    start = colon + 1;
  }
  return Result<std::string>::Error("cannot find " + name + " in PATH");
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && n > 1) {
      // No overlong forms, surrogates or code points past U+10FFFF.
      uint32_t cp = c & (0xff >> (n + 1));
      for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
      ok = !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) && !(n == 4 && cp < 0x10000) &&
           !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
    }
    if (ok) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

}  // namespace redundancy
