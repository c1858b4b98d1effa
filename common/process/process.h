// The only place that spawns, signals and reaps processes (and the only user
// of Boost.Process). Everything else holds plain pids and asks this module.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace redundancy::process {

struct SpawnSpec {
  std::string exe;                                       // absolute path
  std::vector<std::string> args;                         // without argv[0]
  std::vector<std::pair<std::string, std::string>> env;  // added to our environment, cleaned of our launcher's
                                                         // variables (common/process/environment.h)
  std::string cwd;                                       // empty: ours
  bool die_with_parent = true;     // PR_SET_PDEATHSIG(SIGTERM), and exit if the parent is already gone
  std::string stdin_data;          // RunCapture: written to the child's stdin (else it reads /dev/null)
  bool own_process_group = false;  // the child leads a new process group (SignalGroup reaches what it leaves behind)
  // Spawn: the child's stdout and stderr are appended to this file (made
  // 0600 if missing; moved to <file>.1 first when over 1 MB); inherited when
  // empty or when the file cannot be opened.
  std::string output_file;
  // The environment is only PATH, LANG, TZ, HOME, USER and LOGNAME (of
  // `user` when given) plus `env`: nothing of ours (custom checks).
  bool minimal_env = false;
  // Run as this user (its uid, gid and groups): redundancy must be root, or be that user.
  std::string user;
};

// A descriptor that becomes readable when `pid` exits (pidfd_open), or -1.
int OpenPidFd(pid_t pid);

// `exe` as given when it has a slash, else looked up in PATH; error when it
// is missing or not executable.
Result<std::string> ResolveExe(const std::string& exe);

// Starts a child with every signal unblocked and no fd beyond 0-2 inherited.
// Returns its pid, or an error naming the executable (not found, not executable...).
// The caller reaps it with ReapAll().
Result<pid_t> Spawn(const SpawnSpec& spec);

struct Exit {
  pid_t pid = 0;
  int code = -1;                 // exit status, or -1 when killed by a signal
  int signal = 0;                // terminating signal, or 0
  std::string Describe() const;  // "exited 3" / "killed by SIGKILL"
};

// Spawns and waits for the child; returns how it ended. For short
// foreground helpers (redundancyctl start), not for the daemon's loop.
Result<Exit> RunAndWait(const SpawnSpec& spec);

struct Captured {
  Exit exit;
  std::string output;  // stdout and stderr, interleaved, at most `max_output` bytes (the tail, or the head)
  bool timed_out = false;
  bool output_held = false;  // it exited, but something it started still holds its output open
};

// Runs a child to completion with stdout+stderr captured, killing it (SIGKILL;
// its whole process group when spawned with own_process_group) when it
// outlives `timeout`. It is done when it exits, even if something it started
// in the background still holds the output open. Blocks the caller: for agents' worker threads
// and tools, never for an event loop.
// `keep_head`: keep the first max_output bytes rather than the last (a plugin's first line matters).
Result<Captured> RunCapture(const SpawnSpec& spec, std::chrono::milliseconds timeout, size_t max_output = 1 << 20,
                            bool keep_head = false);

// From now on Spawn and RunCapture start nothing (they return an error): an
// agent on its way out calls it before it signals its helpers, so none is
// started after them to keep it waiting.
void RefuseNewProcesses();

// Kills (SIGKILL) the process groups of the RunCapture commands running now
// with own_process_group: an agent that exits leaves none of its checks behind.
void KillRunningGroups();

// The kernel's start time of `pid` (clock ticks since boot), to tell a
// process from a later one that reuses its pid; error when it does not exist.
Result<uint64_t> StartTime(pid_t pid);

// Reaps every child (and adopted orphan) that has exited; never blocks.
// RunCapture() on another thread still learns how its own child ended when
// this reaped it first (the last exits are remembered).
std::vector<Exit> ReapAll();

// Sends `sig` to `pid`; false when the process does not exist.
bool Signal(pid_t pid, int sig);

// Sends `sig` to every process of group `pgid` (a child spawned with
// own_process_group: what it left running after it died); false when none is left.
bool SignalGroup(pid_t pgid, int sig);

// Sends `sig` to the rest of our own process group (our helpers and theirs),
// when we lead one; we ourselves ignore it. Nothing when we do not lead a group.
void SignalOwnGroup(int sig);

// True while `pid` exists (zombies included).
bool Alive(pid_t pid);

// True while `pid` runs: exists and is not a zombie (a killed daemon whose
// parent has not reaped it yet is not running).
bool IsRunning(pid_t pid);

// Arranges for this process to get `sig` when its parent dies; exits at once
// when the parent is already gone (its pid is no longer `expected_parent`).
Status DieWithParent(int sig, pid_t expected_parent);

// Signals delivered through a file descriptor, for a poll loop. Create() blocks
// the signals in the calling thread: call it before starting any thread so that
// every thread inherits the mask.
class SignalChannel {
 public:
  static Result<SignalChannel> Create(std::initializer_list<int> signals);
  SignalChannel(SignalChannel&& other) noexcept;
  SignalChannel& operator=(SignalChannel&&) = delete;
  ~SignalChannel();

  int fd() const { return fd_; }
  // The signals pending now (possibly none); never blocks.
  std::vector<int> Read();

 private:
  explicit SignalChannel(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Detaches into the background (fork, setsid, fork). Returns in the daemon
// with `ready_fd` set: write one byte 0 (ready) or 1 (failed) to it, then
// close it. The original process waits for that byte and exits with it
// (or 1 when the daemon dies first), so it never returns there.
Status Daemonize(int* ready_fd);

}  // namespace redundancy::process
