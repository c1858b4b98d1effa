// Boost.Process is confined to this file: it is slow to compile and its child
// objects want to own reaping, which here belongs to ReapAll(). Children are
// detached right after the spawn and reaped with waitpid(-1).
#include "common/process/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
// Boost.Process offers vfork only where POSIX still names it (before 2008);
// Linux has it, and glibc declares it.
#ifndef BOOST_POSIX_HAS_VFORK
#define BOOST_POSIX_HAS_VFORK 1
#endif
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/process/cpus.h"
#include "common/process/environment.h"

namespace redundancy::process {
namespace bp = boost::process;
namespace {

// The CPUs this process was given, for what it starts (KeepOnOneCpu).
cpu_set_t g_given_cpus;
bool g_one_cpu = false;

// Runs in the child between vfork and exec: async-signal-safe calls only,
// and nothing that writes memory, which the child shares with the parent's
// running threads until it execs.
struct ChildSetup : bp::extend::handler {
  pid_t parent;
  bool die_with_parent;
  bool own_process_group;
  int output_fd = -1;  // becomes stdout and stderr
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  const std::vector<gid_t>* groups = nullptr;
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    if (own_process_group) setpgid(0, 0);
    if (switch_user) {
      // Groups first: after setuid there is no permission left to change them.
      // Raw system calls: glibc's set*id would change every thread of the
      // parent too (its set-id broadcast walks the thread list the vfork
      // child shares); the kernel's change only this child.
      if (syscall(SYS_setgroups, groups->size(), groups->data()) != 0 || syscall(SYS_setresgid, gid, gid, gid) != 0 ||
          syscall(SYS_setresuid, uid, uid, uid) != 0)
        _exit(126);
    }
    if (output_fd >= 0) {
      dup2(output_fd, 1);
      dup2(output_fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, nullptr);
    // Mark inherited descriptors close-on-exec rather than closing them: the
    // spawner's own error pipe must stay usable until exec.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(111);
    }
    // What we start runs where we were allowed to, not on our one CPU.
    if (g_one_cpu) syscall(SYS_sched_setaffinity, 0, sizeof g_given_cpus, &g_given_cpus);
  }
};

const char* SignalName(int sig) {
  switch (sig) {
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGBUS:
      return "SIGBUS";
    default:
      return nullptr;
  }
}

}  // namespace

std::string Exit::Describe() const {
  if (signal != 0) {
    const char* n = SignalName(signal);
    return std::string("killed by ") + (n ? n : "signal " + std::to_string(signal));
  }
  return "exited " + std::to_string(code);
}

Result<std::string> ResolveExe(const std::string& exe) {
  const char* path = std::getenv("PATH");
  return FindExecutable(exe, "", path ? path : "/usr/local/bin:/usr/bin:/bin");
}

namespace {

struct UserInfo {
  uid_t uid;
  gid_t gid;
  std::string home;
};

// uid, gid, home and supplementary groups of `name` (looked up before the
// fork: the child may only make async-signal-safe calls).
Result<UserInfo> LookUpUser(const std::string& name, std::vector<gid_t>* groups) {
  std::vector<char> buf(16384);
  passwd pw;
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return Result<UserInfo>::Error("no such user: " + name);
  int n = 64;
  groups->assign(static_cast<size_t>(n), 0);
  if (getgrouplist(name.c_str(), pw.pw_gid, groups->data(), &n) < 0) {
    groups->assign(static_cast<size_t>(n), 0);
    getgrouplist(name.c_str(), pw.pw_gid, groups->data(), &n);
  }
  groups->resize(static_cast<size_t>(std::max(n, 0)));
  return UserInfo{pw.pw_uid, pw.pw_gid, pw.pw_dir ? pw.pw_dir : "/"};
}

// Set by RefuseNewProcesses: an exiting agent starts nothing more.
std::atomic<bool>& Refusing() {
  static std::atomic<bool> refusing{false};
  return refusing;
}

// Starts a detached child as `spec` says, with any further Boost.Process
// properties (stdio redirections); the one place a bp::child is made.
template <typename... Extra>
Result<pid_t> Launch(const SpawnSpec& spec, Extra&&... extra) {
  if (Refusing()) return Result<pid_t>::Error("not started: this process is exiting");
  auto exe = ResolveExe(spec.exe);
  if (!exe.ok()) return exe.status();
  std::error_code ec;
  try {
    // A clean environment: ours without what our own launcher set for us.
    // set(), not env[k]: Boost 1.74's find() behind operator[] compares past
    // the end of shorter entries (a heap over-read ASan reports).
    bp::environment env;
    env.clear();
    ChildSetup setup;
    std::vector<gid_t> groups;
    if (!spec.user.empty()) {
      auto who = LookUpUser(spec.user, &groups);
      if (!who.ok()) return who.status();
      if (who->uid != geteuid()) {
        if (geteuid() != 0) return Result<pid_t>::Error("cannot run as " + spec.user + ": only root may switch users");
        setup.switch_user = true;
        setup.uid = who->uid;
        setup.gid = who->gid;
        setup.groups = &groups;
      }
      if (spec.minimal_env) {
        env.set("HOME", who->home);
        env.set("USER", spec.user);
        env.set("LOGNAME", spec.user);
      }
    }
    if (spec.minimal_env) {
      const char* path = std::getenv("PATH");
      env.set("PATH", path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      for (const char* keep : {"LANG", "TZ", "HOME", "USER", "LOGNAME"}) {
        const char* value = std::getenv(keep);
        if (value && (spec.user.empty() || std::string_view(keep) == "LANG" || std::string_view(keep) == "TZ"))
          env.set(keep, value);
      }
    } else {
      for (const auto& [k, v] : CleanEnvironment(CurrentEnvironment())) env.set(k, v);
    }
    for (const auto& [k, v] : spec.env) env.set(k, v);
    setup.parent = getpid();
    setup.die_with_parent = spec.die_with_parent;
    setup.own_process_group = spec.own_process_group;
    int output_fd = -1;
    if (!spec.output_file.empty()) {
      struct stat st;
      if (stat(spec.output_file.c_str(), &st) == 0 && st.st_size > (1 << 20)) {
        rename(spec.output_file.c_str(), (spec.output_file + ".1").c_str());
      }
      // Unopenable (its directory gone): the child inherits ours rather than not starting.
      output_fd = open(spec.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      setup.output_fd = output_fd;
    }
    struct CloseAfter {  // the child has its own copy once it is started
      int fd;
      ~CloseAfter() {
        if (fd >= 0) close(fd);
      }
    } close_after{output_fd};
    // vfork: no copy of redundancyd's page tables to make and then tear down
    // at exec (a fork and exec cost about 3 ms of an agent's restart).
    bp::child child;
    if (spec.cwd.empty()) {
      child = bp::child(bp::exe = *exe, bp::args = spec.args, env, std::forward<Extra>(extra)..., setup,
                        bp::posix::use_vfork, ec);
    } else {
      child = bp::child(bp::exe = *exe, bp::args = spec.args, env, bp::start_dir = spec.cwd,
                        std::forward<Extra>(extra)..., setup, bp::posix::use_vfork, ec);
    }
    if (ec) return Result<pid_t>::Error("cannot start " + *exe + ": " + ec.message());
    pid_t pid = child.id();
    child.detach();
    return pid;
  } catch (const std::exception& e) {
    return Result<pid_t>::Error("cannot start " + *exe + ": " + e.what());
  }
}

std::mutex& RecentMu() {
  static std::mutex mu;
  return mu;
}

std::deque<Exit>& Recent() {
  static std::deque<Exit> exits;
  return exits;
}

// Process groups of commands running now (RunCapture with own_process_group),
// for KillRunningGroups().
std::mutex& GroupsMu() {
  static std::mutex mu;
  return mu;
}
std::set<pid_t>& Groups() {
  static std::set<pid_t> groups;
  return groups;
}
struct RunningGroup {
  pid_t pgid;
  explicit RunningGroup(pid_t g) : pgid(g) {
    if (!pgid) return;
    std::lock_guard lock(GroupsMu());
    Groups().insert(pgid);
  }
  ~RunningGroup() {
    if (!pgid) return;
    std::lock_guard lock(GroupsMu());
    Groups().erase(pgid);
  }
};

std::optional<Exit> TakeRecentExit(pid_t pid) {
  std::lock_guard lock(RecentMu());
  for (auto it = Recent().begin(); it != Recent().end(); ++it) {
    if (it->pid == pid) {
      Exit e = *it;
      Recent().erase(it);
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<pid_t> Spawn(const SpawnSpec& spec) { return Launch(spec); }

Result<Exit> RunAndWait(const SpawnSpec& spec) {
  auto pid = Spawn(spec);
  if (!pid.ok()) return pid.status();
  int status = 0;
  pid_t r;
  do {
    r = waitpid(*pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Result<Exit>::Error(std::string("waitpid: ") + std::strerror(errno));
  Exit e;
  e.pid = *pid;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  return e;
}

Result<Captured> RunCapture(const SpawnSpec& spec, std::chrono::milliseconds timeout, size_t max_output,
                            bool keep_head) {
  Captured out;
  bp::pipe pipe;
  bp::pipe in;
  auto launched = spec.stdin_data.empty() ? Launch(spec, (bp::std_out & bp::std_err) > pipe, bp::std_in < bp::null)
                                          : Launch(spec, (bp::std_out & bp::std_err) > pipe, bp::std_in < in);
  if (!launched.ok()) return launched.status();
  pid_t pid = *launched;
  if (!spec.stdin_data.empty()) {
    ::close(in.native_source());
    in.assign_source(-1);
    // Small inputs (alerts): the pipe buffer takes them; a child that does not read gets EOF early.
    int wfd = in.native_sink();
    fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    size_t at = 0;
    while (at < spec.stdin_data.size()) {
      ssize_t n = write(wfd, spec.stdin_data.data() + at, spec.stdin_data.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    ::close(wfd);
    in.assign_sink(-1);
  }
  // Our copy of the write end must go, or the read below never sees EOF.
  ::close(pipe.native_sink());
  pipe.assign_sink(-1);
  int fd = pipe.native_source();
  // The child's exit ends the wait too (a daemon it left in the background
  // may keep the pipe open for ever): pidfd says when, without reaping it.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  RunningGroup group(spec.own_process_group ? pid : 0);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool exited = false, eof = false;
  while (!(exited && eof)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.timed_out = true;
      if (spec.own_process_group) kill(-pid, SIGKILL);  // what it started goes with it
      kill(pid, SIGKILL);
      break;
    }
    if (pidfd < 0 && eof) break;  // no pidfd (an old kernel): waitpid below
    pollfd p[2] = {{eof ? -1 : fd, POLLIN, 0}, {exited ? -1 : pidfd, POLLIN, 0}};
    // Once exited, only what is already in the pipe is read: a daemon it
    // started may hold the pipe open for ever.
    int rc = poll(p, 2, exited ? 0 : static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0 && exited) {
      out.output_held = true;
      break;
    }
    if (rc <= 0) continue;
    if (p[1].revents) exited = true;
    if (!p[0].revents) continue;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;  // it closed its output; it may still run
      continue;
    }
    if (keep_head) {
      if (out.output.size() < max_output)
        out.output.append(buf, std::min(static_cast<size_t>(n), max_output - out.output.size()));
    } else {
      out.output.append(buf, static_cast<size_t>(n));
      if (out.output.size() > max_output) out.output.erase(0, out.output.size() - max_output);
    }
  }
  if (pidfd >= 0) close(pidfd);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  out.exit.pid = pid;
  if (r == pid && WIFEXITED(status)) out.exit.code = WEXITSTATUS(status);
  if (r == pid && WIFSIGNALED(status)) out.exit.signal = WTERMSIG(status);
  if (r < 0 && errno == ECHILD) {
    // A ReapAll() on another thread (the daemon's loop) got it first.
    for (int i = 0; i < 200; ++i) {
      if (auto e = TakeRecentExit(pid)) {
        out.exit = *e;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return out;
}

Result<uint64_t> StartTime(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Result<uint64_t>::Error("no process " + std::to_string(pid));
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return Result<uint64_t>::Error("no process " + std::to_string(pid));
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return Result<uint64_t>::Error("unreadable " + path);
  // Fields after the command: state is field 3; starttime is field 22.
  int field = 2;
  for (const char* c = p + 1; *c; ++c) {
    if (*c == ' ') {
      ++field;
      if (field == 22) return std::strtoull(c + 1, nullptr, 10);
    }
  }
  return Result<uint64_t>::Error("unreadable " + path);
}

std::vector<Exit> ReapAll() {
  std::vector<Exit> out;
  struct Remember {
    std::vector<Exit>* out;
    ~Remember() {
      std::lock_guard lock(RecentMu());
      for (const auto& e : *out) {
        Recent().push_back(e);
        if (Recent().size() > 256) Recent().pop_front();
      }
    }
  } remember{&out};
  for (int i = 0; i < 4096; ++i) {  // bounded: at most this many exits per call
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    Exit e;
    e.pid = pid;
    if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
    out.push_back(e);
  }
  return out;
}

void RefuseNewProcesses() { Refusing() = true; }

void KeepOnOneCpu() {
  cpu_set_t given;
  CPU_ZERO(&given);
  if (sched_getaffinity(0, sizeof given, &given) != 0 || CPU_COUNT(&given) < 2) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &given)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  g_given_cpus = given;
  g_one_cpu = sched_setaffinity(0, sizeof one, &one) == 0;
}

void UseAllCpus() {
  if (g_one_cpu) sched_setaffinity(0, sizeof g_given_cpus, &g_given_cpus);
}

void KillRunningGroups() {
  std::lock_guard lock(GroupsMu());
  for (pid_t g : Groups()) kill(-g, SIGKILL);
}

bool Signal(pid_t pid, int sig) { return pid > 0 && kill(pid, sig) == 0; }

bool SignalGroup(pid_t pgid, int sig) { return pgid > 1 && kill(-pgid, sig) == 0; }

void SignalOwnGroup(int sig) {
  // Only as the leader of a group of our own: otherwise the group is our
  // launcher's (a shell, a test runner) and not ours to signal.
  if (getpgrp() != getpid()) return;
  struct sigaction old, ign;
  std::memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(sig, &ign, &old);
  kill(0, sig);
  sigaction(sig, &old, nullptr);
}

bool Alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

bool IsRunning(pid_t pid) {
  if (pid <= 0) return false;
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int OpenPidFd(pid_t pid) {
  if (pid <= 0) return -1;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

Status DieWithParent(int sig, pid_t expected_parent) {
  if (prctl(PR_SET_PDEATHSIG, sig) != 0) return Status::Error(std::string("PR_SET_PDEATHSIG: ") + std::strerror(errno));
  if (expected_parent > 0 && getppid() != expected_parent) return Status::Error("the parent process is gone");
  return Status::Ok();
}

Result<SignalChannel> SignalChannel::Create(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return Result<SignalChannel>::Error("cannot block signals");
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return Result<SignalChannel>::Error(std::string("signalfd: ") + std::strerror(errno));
  return SignalChannel(fd);
}

SignalChannel::SignalChannel(SignalChannel&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

SignalChannel::~SignalChannel() {
  if (fd_ >= 0) close(fd_);
}

std::vector<int> SignalChannel::Read() {
  std::vector<int> out;
  signalfd_siginfo info;
  for (int i = 0; i < 64; ++i) {
    ssize_t n = read(fd_, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) break;
    out.push_back(static_cast<int>(info.ssi_signo));
  }
  return out;
}

Status Daemonize(int* ready_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) return Status::Error(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) {
    close(fds[1]);
    unsigned char byte = 1;
    ssize_t n;
    do {
      n = read(fds[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    int status;
    waitpid(pid, &status, 0);
    _exit(n == 1 ? byte : 1);
  }
  close(fds[0]);
  setsid();
  pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);  // the middle process; the daemon cannot reacquire a terminal
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    close(devnull);
  }
  *ready_fd = fds[1];
  return Status::Ok();
}

}  // namespace redundancy::process
