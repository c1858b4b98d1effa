// The whole product on a small site, as deployed: the demo's project (two
// PM2 apps, a workflow, two functions, an npm build) as a git checkout of its
// own bare remote, watched with fast intervals by the real redundancyd, whose
// PM2 lives in a PM2_HOME of its own. Shared by the layout tests and the
// game-day scenarios.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {

// Asks the site every 50 ms from its own thread; counts what failed and how
// long the longest run of failures lasted.
class SitePoller {
 public:
  explicit SitePoller(int port);
  ~SitePoller();
  void Stop();
  int requests() const { return requests_; }
  int failures() const { return failures_; }
  // The longest stretch of consecutive failed requests, in ms.
  int64_t longest_outage_ms() const { return longest_ms_; }

 private:
  void Run();
  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, failures_{0};
  std::atomic<int64_t> longest_ms_{0};
  std::thread thread_;
};

// The environment of a running process, NAME -> VALUE.
std::map<std::string, std::string> EnvironOf(pid_t pid);
pid_t ParentOf(pid_t pid);
// Every running agent process that serves `state_dir` (by its command line;
// not an agent's own child caught between fork and exec).
std::vector<pid_t> AgentsOf(const std::string& state_dir);

class SiteTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Top-level YAML a test adds (alerts, pipeline), before `systems:`.
  virtual std::string ExtraYaml() const { return ""; }
  void WriteConfig(const std::string& pm2_extra);
  // Every system ok, every agent ready, and the site answers.
  bool WaitAllOk(std::chrono::milliseconds timeout);
  std::string Dump();
  // The pid the pid file names (the running redundancyd, whoever started it).
  pid_t DaemonPid();
  // Exactly one set of agents: five, all children of the running redundancyd.
  void ExpectOneSetOfAgents();
  void ExpectCleanEnvironments();

  TempDir pm2_dir_;  // declared first: removed last
  std::unique_ptr<Daemon> d_;
  std::unique_ptr<Pm2Home> site_;
  std::string root_;
  int port_ = 0;
};

}  // namespace redundancy::testing
