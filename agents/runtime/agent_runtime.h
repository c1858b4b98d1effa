// The agent side of the protocol, usable apart from a process: an agent's
// checks and recoveries (agents/runtime/agent.h) driven by the orchestrator's
// messages over a channel. RunAgent() wraps it for a process (command line,
// logging, signals); a test runs it on a thread over an inproc:// channel.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "agents/runtime/agent.h"
#include "common/clock.h"

namespace redundancy {

namespace transport {
class Dealer;
}
namespace process {
class SignalChannel;
}

struct AgentRuntimeOptions {
  std::string system;  // the name redundancyd started it for
  pid_t pid = 0;       // said in Hello: the pid redundancyd knows it by (0: getpid())
  // SIGTERM ends the loop (exit 0); SIGINT is left to redundancyd. Optional.
  process::SignalChannel* signals = nullptr;
  // Opens the log file the Welcome names (a process of its own); a runtime
  // inside a test process leaves the process's logging alone.
  bool configure_logging = false;
  // The orchestrator's pid: its exit ends the loop (exit 1). 0: not watched.
  pid_t parent_pid = 0;
};

class AgentRuntime {
 public:
  // `channel` is a Dealer connected to the orchestrator's agents endpoint;
  // `agent`, `clock` and `channel` outlive the runtime.
  AgentRuntime(Agent* agent, Clock* clock, transport::Dealer* channel, AgentRuntimeOptions options);
  ~AgentRuntime();
  AgentRuntime(const AgentRuntime&) = delete;
  AgentRuntime& operator=(const AgentRuntime&) = delete;

  // Says Hello and serves until SHUTDOWN (0), Stop(), SIGTERM (0), or the
  // orchestrator exits or never welcomes it (1). Returns the exit code.
  int Run();
  // Ends Run() from any thread with `code`, sending nothing more.
  void Stop(int code);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redundancy
