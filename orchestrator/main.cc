// redundancyd --config FILE [--foreground] [--daemon] [--debug]
#include <malloc.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "common/clock.h"
#include "common/config.h"
#include "common/constants.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "common/process/cpus.h"
#include "common/process/environment.h"
#include "common/process/process.h"
#include "orchestrator/daemon.h"
#include "orchestrator/launcher_info.h"

int main(int argc, char** argv) {
  // Few threads, mostly idle: two malloc arenas keep freed memory from being
  // held per thread (the HTTP thread's pages, the loop's big reports).
  mallopt(M_ARENA_MAX, 2);
  // Waiting threads on one CPU, before any thread starts (common/process/cpus.h).
  redundancy::process::KeepOnOneCpu();
  CLI::App app{"redundancyd: supervises the agents that keep a web project healthy"};
  std::string config_path = "redundancy.yaml";
  bool foreground = false, daemonize = false, debug = false;
  app.add_option("-c,--config", config_path, "configuration file")->envname("REDUNDANCY_CONFIG");
  app.add_flag("--foreground", foreground, "stay in the foreground and log to stderr too (the default)");
  app.add_flag("--daemon", daemonize, "detach; return once every agent is ready");
  app.add_flag("--debug", debug, "debug logging (also DEBUG_REDUNDANCY=true)");
  app.set_version_flag("--version", std::string("redundancyd ") + redundancy::kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // systemd's default soft limit is 1,024 descriptors: take what the hard
  // limit allows (at most 65,536), so a flood of clients cannot leave none
  // for a respawned agent (the HTTP endpoint also caps its connections).
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  auto config = redundancy::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << config.error() << "\n";
    return 2;
  }
  redundancy::DaemonOptions options;
  options.debug = debug;
  options.hosting_pm2 = redundancy::process::HostingPm2App(redundancy::process::CurrentEnvironment());
  options.started_by = redundancy::DetectLauncher(options.hosting_pm2, std::getenv("INVOCATION_ID") != nullptr,
                                                  redundancy::ReadWholeFile("/proc/self/cgroup"));
  std::error_code ec;
  options.agent_dir = std::filesystem::canonical("/proc/self/exe", ec).parent_path().string();
  if (daemonize) {
    if (auto s = redundancy::process::Daemonize(&options.ready_fd); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 1;
    }
  }
  options.own_logging = true;
  options.log_to_stderr = !daemonize;
  if (auto s = redundancy::InitLogging(redundancy::DaemonLogOptions(*config, debug, options.log_to_stderr)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  redundancy::RealClock clock;
  redundancy::Daemon daemon(std::move(config.value()), options, &clock);
  return daemon.Run();
}
