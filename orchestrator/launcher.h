// How redundancyd starts, signals and reaps its agents. The real one spawns
// processes (common/process); a test gives the daemon its own, which runs
// agents as threads over an inproc:// transport, so that the daemon's glue is
// tested in one process, fast.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <vector>

#include "common/process/process.h"
#include "common/status.h"

namespace redundancy {

class AgentLauncher {
 public:
  virtual ~AgentLauncher() = default;
  // Starts an agent (the spec's args say which, and where to connect).
  virtual Result<pid_t> Spawn(const process::SpawnSpec& spec) = 0;
  virtual void Signal(pid_t pid, int sig) = 0;
  // Kills what an exited agent left running (its process group).
  virtual void KillLeftovers(pid_t pid) = 0;
  // Agents that ended since the last call. The daemon asks on SIGCHLD and
  // whenever ExitFd() is readable.
  virtual std::vector<process::Exit> TakeExits() = 0;
  // A descriptor that becomes readable when an agent ended, or -1 (SIGCHLD says so).
  virtual int ExitFd() const { return -1; }
};

// Agents as child processes, each leading a process group of its own.
class ProcessLauncher : public AgentLauncher {
 public:
  Result<pid_t> Spawn(const process::SpawnSpec& spec) override { return process::Spawn(spec); }
  void Signal(pid_t pid, int sig) override { process::Signal(pid, sig); }
  void KillLeftovers(pid_t pid) override { process::SignalGroup(pid, SIGKILL); }
  std::vector<process::Exit> TakeExits() override { return process::ReapAll(); }
};

}  // namespace redundancy
