// Small helpers shared by the benchmarks (run by hand, never from ctest).
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/process/process.h"

namespace redundancy::bench {

using Clock = std::chrono::steady_clock;

inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The p-th quantile (0..1) of `v`, nearest rank; -1 when empty.
inline double Pct(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Runs `cmd` through /bin/sh, stderr joined; returns the exit code, appends output to `out`.
inline int Shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    if (out) out->append(buf, n);
  }
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Proportional set size of `pid`, in KiB (0 when unreadable).
inline long PssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key, rest;
  long value = 0;
  while (in >> key) {
    if (key == "Pss:") return (in >> value) ? value : 0;
    std::getline(in, rest);
  }
  return 0;
}

// A TCP port on 127.0.0.1 that was free a moment ago.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Polls `f` every `step` until it holds or `limit` passes.
inline bool WaitFor(const std::function<bool()>& f, std::chrono::milliseconds limit,
                    std::chrono::microseconds step = std::chrono::microseconds(2000)) {
  auto t0 = Clock::now();
  while (Clock::now() - t0 < limit) {
    if (f()) return true;
    std::this_thread::sleep_for(step);
  }
  return false;
}

// A copy of examples/demo in `dir`/workspace, made a git checkout of its own
// bare remote `dir`/remote.git (as scripts/demo.sh does); returns the workspace.
// `edit` changes the copy before its first commit.
inline std::string MakeDemoWorkspace(const std::string& source_dir, const std::string& dir,
                                     const std::function<void(const std::string&)>& edit = nullptr) {
  std::string ws = dir + "/workspace";
  Shell("cp -r " + source_dir + "/examples/demo " + ws);
  if (edit) edit(ws);
  Shell("git init -q --bare -b main " + dir + "/remote.git && cd " + ws +
        " && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@example.com commit -q -m demo && "
        "git remote add origin " +
        dir + "/remote.git && git push -q origin main && git branch -q --set-upstream-to=origin/main main");
  return ws;
}

// Stops a redundancyd started on a MakeDemoWorkspace copy (SIGTERM, reaped,
// 20 s at most), then the PM2 daemon its agent started, and removes `dir`.
inline void StopDemo(pid_t redundancyd, const std::string& ws, const std::string& dir) {
  kill(redundancyd, SIGTERM);
  WaitFor(
      [&] {
        redundancy::process::ReapAll();
        return !redundancy::process::Alive(redundancyd);
      },
      std::chrono::seconds(20));
  Shell("PM2_HOME=" + ws + "/.redundancy/pm2 pm2 kill >/dev/null 2>&1; rm -rf " + dir);
}

}  // namespace redundancy::bench
