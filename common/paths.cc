#include "common/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace redundancy {
namespace fs = std::filesystem;

Status PrepareRuntimeDirs(const Paths& paths) {
  std::error_code ec;
  std::filesystem::create_directories(paths.RunDir(), ec);
  if (ec) return Status::Error("cannot create " + paths.RunDir() + ": " + ec.message());
  struct stat st;
  if (stat(paths.RunDir().c_str(), &st) != 0) return Status::Error(paths.RunDir() + ": " + std::strerror(errno));
  if (st.st_uid != geteuid()) {
    return Status::Error(paths.RunDir() + " belongs to uid " + std::to_string(st.st_uid) + ", not to us");
  }
  if ((st.st_mode & 0777) != 0700 && chmod(paths.RunDir().c_str(), 0700) != 0) {
    return Status::Error("cannot chmod 0700 " + paths.RunDir() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, const std::string& data, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Error("cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return Status::Error("cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return Status::Error("cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return Status::Error("cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::Ok();
}

std::string ResolvePath(const std::string& path, const std::string& base) {
  std::string p = path;
  if (!p.empty() && p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
    const char* home = std::getenv("HOME");
    p = std::string(home ? home : "") + p.substr(1);
  }
  fs::path fp(p);
  if (fp.is_relative()) fp = fs::path(base) / fp;
  std::string out = fp.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace redundancy
