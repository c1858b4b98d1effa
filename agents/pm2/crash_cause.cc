#include "agents/pm2/crash_cause.h"

#include <dirent.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace redundancy::pm2 {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The inodes of sockets listening on `port`, from /proc/net/tcp and tcp6.
std::vector<std::string> ListeningInodes(int port, const std::string& proc) {
  std::vector<std::string> inodes;
  for (const char* file : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(proc + file);
    std::string line;
    std::getline(in, line);  // the header
    for (int n = 0; n < 1'000'000 && std::getline(in, line); ++n) {
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
      if (!(fields >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode)) continue;
      size_t colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
      if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) inodes.push_back(inode);
    }
  }
  return inodes;
}

const std::regex& Headline() {
  static const std::regex r(R"(^(Uncaught )?([A-Za-z_$][\w$]*)?(Error|Exception)(\s*\[[A-Z_0-9]+\])?:\s*\S)");
  return r;
}

// The last crash of a log that holds several: from its headline, the last
// line at the start of a line that names an error (PM2 writes one crash
// after the other; node alone ends each with a "Node.js vX.Y.Z" line).
std::string_view LastCrash(std::string_view tail) {
  std::vector<std::string_view> lines = Lines(tail);
  for (size_t i = lines.size(); i-- > 0;) {
    if (std::regex_search(std::string(lines[i]), Headline())) {
      return tail.substr(static_cast<size_t>(lines[i].data() - tail.data()));
    }
  }
  return tail;
}

}  // namespace

std::string CrashCause::Describe() const {
  switch (kind) {
    case Kind::kPortInUse:
      return "port " + std::to_string(port) + " is in use";
    case Kind::kMissingFile:
      return path + " is missing";
    case Kind::kUnknown:
      break;
  }
  return "";
}

std::string CrashCause::Gone() const {
  switch (kind) {
    case Kind::kPortInUse:
      return "port " + std::to_string(port) + " is free again";
    case Kind::kMissingFile:
      return path + " exists now";
    case Kind::kUnknown:
      break;
  }
  return "";
}

std::string ErrorHeadline(std::string_view tail) {
  std::string last;
  for (std::string_view line : Lines(LastCrash(tail))) {
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (std::regex_search(std::string(line), Headline())) return std::string(t);
    last.assign(t);
  }
  return last;
}

CrashCause ClassifyCrash(std::string_view tail) {
  static const std::regex kInUse(R"(EADDRINUSE[^\n]*?(\d+)\s*$)");
  static const std::regex kPortField(R"(^\s*port:\s*(\d+))");
  static const std::regex kModule(R"(Cannot find module '(/[^']+)')");
  static const std::regex kNoEnt(R"(ENOENT: no such file or directory, \w+ '(/[^']+)')");
  CrashCause c;
  std::smatch m;
  bool in_use = false;
  for (std::string_view view : Lines(LastCrash(tail))) {
    std::string line(view);
    if (line.find("EADDRINUSE") != std::string::npos) {
      in_use = true;
      if (std::regex_search(line, m, kInUse)) c.port = std::atoi(m[1].str().c_str());
    } else if (in_use && std::regex_search(line, m, kPortField)) {
      c.port = std::atoi(m[1].str().c_str());
    } else if (std::regex_search(line, m, kModule) || std::regex_search(line, m, kNoEnt)) {
      c = CrashCause{};
      c.kind = CrashCause::Kind::kMissingFile;
      c.path = m[1].str();
      in_use = false;
    }
  }
  if (in_use && c.port > 0 && c.port < 65536) {
    c.kind = CrashCause::Kind::kPortInUse;
    c.path.clear();
  }
  if (c.kind == CrashCause::Kind::kMissingFile && c.path.find("/../") != std::string::npos) c = CrashCause{};
  return c;
}

bool PortListening(int port, const std::string& proc) { return !ListeningInodes(port, proc).empty(); }

std::string PortHolder(int port, const std::string& proc) {
  std::vector<std::string> inodes = ListeningInodes(port, proc);
  if (inodes.empty()) return "";
  std::vector<std::string> wanted;
  for (const auto& i : inodes) wanted.push_back("socket:[" + i + "]");
  DIR* dir = opendir(proc.c_str());
  if (!dir) return "";
  std::string found;
  int scanned = 0;
  while (dirent* e = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0])) || ++scanned > 100'000) continue;
    std::string fd_dir = proc + "/" + e->d_name + "/fd";
    DIR* fds = opendir(fd_dir.c_str());
    if (!fds) continue;
    int n = 0;
    while (dirent* f = readdir(fds)) {
      if (f->d_name[0] == '.' || ++n > 65'536) continue;
      char target[64];
      ssize_t len = readlink((fd_dir + "/" + f->d_name).c_str(), target, sizeof target - 1);
      if (len <= 0) continue;
      target[len] = '\0';
      for (const auto& w : wanted) {
        if (w == target) found = e->d_name;
      }
      if (!found.empty()) break;
    }
    closedir(fds);
    if (!found.empty()) break;
  }
  closedir(dir);
  if (found.empty()) return "";
  std::string comm;
  std::ifstream(proc + "/" + found + "/comm") >> comm;
  return "pid " + found + (comm.empty() ? "" : " (" + comm + ")");
}

bool CauseGone(const CrashCause& cause, const std::string& proc) {
  switch (cause.kind) {
    case CrashCause::Kind::kPortInUse:
      return !PortListening(cause.port, proc);
    case CrashCause::Kind::kMissingFile: {
      std::error_code ec;
      return std::filesystem::exists(cause.path, ec);
    }
    case CrashCause::Kind::kUnknown:
      break;
  }
  return false;
}

}  // namespace redundancy::pm2
