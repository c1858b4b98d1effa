// RunAgent(): an AgentRuntime as a process of its own, as redundancyd starts
// it (command line, logging, signals, dying with redundancyd, the helpers it
// leaves behind).
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "agents/runtime/agent_runtime.h"
#include "common/clock.h"
#include "common/constants.h"
#include "common/logging.h"
#include "common/process/cpus.h"
#include "common/process/process.h"
#include "common/transport/transport.h"

namespace redundancy {
namespace {

struct Flags {
  std::string system;
  std::string endpoint;
  int parent_pid = 0;
  bool debug = false;
};

}  // namespace

int RunAgent(Agent* agent, int argc, char** argv) {
  CLI::App app{"redundancy agent " + agent->Kind() +
               ": checks and recovers one system for redundancyd, which starts it (see docs/agent-protocol.md)"};
  app.set_version_flag("--version", "redundancy-agent-" + agent->Kind() + " " + std::string(kVersion));
  Flags f;
  app.add_option("--system", f.system)->required();
  app.add_option("--endpoint", f.endpoint)->required();
  app.add_option("--parent-pid", f.parent_pid);
  app.add_flag("--debug", f.debug);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Agents are small: two malloc arenas are plenty for their four threads.
  mallopt(M_ARENA_MAX, 2);
  // Waiting threads on one CPU, before any thread starts (common/process/cpus.h).
  process::KeepOnOneCpu();
  // No orphans: die with the orchestrator, and not start at all without it.
  if (Status s = process::DieWithParent(SIGTERM, f.parent_pid); !s.ok()) {
    std::cerr << "redundancy-agent: " << s.message() << "\n";
    return 1;
  }
  // Block signals before any thread starts, so that every thread inherits the mask.
  auto signals = process::SignalChannel::Create({SIGTERM, SIGINT, SIGHUP});
  if (!signals.ok()) {
    std::cerr << signals.error() << "\n";
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  // Until the Welcome says where the log file is: stderr (redundancyd's).
  LogOptions log;
  log.debug = f.debug;
  if (Status s = InitLogging(log); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  int code;
  {
    RealClock clock;
    transport::Context ctx;
    transport::Dealer dealer(ctx, f.endpoint, f.system + "/" + std::to_string(getpid()));
    if (Status s = dealer.Connect(); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
    AgentRuntime runtime(agent, &clock, &dealer,
                         {f.system, 0, &signals.value(), /*configure_logging=*/true, static_cast<pid_t>(f.parent_pid)});
    code = runtime.Run();
    process::RefuseNewProcesses();
    // Helpers still running (a git, an npm and what they started) go with us:
    // redundancyd makes each agent lead a process group of its own.
    process::SignalOwnGroup(SIGTERM);
    // Commands in groups of their own (custom checks and steps) too.
    process::KillRunningGroups();
  }
  spdlog::default_logger()->flush();
  return code;
}

}  // namespace redundancy
