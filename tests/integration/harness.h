// Starts the real redundancyd (and through it the real agents) in a private
// temporary workspace, talks to it over its control socket, and stops
// everything it started in its destructor, by pid.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/process/process.h"
#include "common/transport/transport.h"

namespace redundancy::testing {

std::string BinDir();

// A temporary directory, removed with everything below it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Polls `cond` every 10 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// True while `pid` runs (a zombie or a missing process is not running).
bool IsRunning(pid_t pid);

// A field of /proc/<pid>/status (or of a thread's, given its /proc directory),
// without the key and the blanks after it: "Uid", "Cpus_allowed_list"...;
// "" when the process is gone.
std::string ProcStatus(const std::string& proc_dir, const std::string& key);
std::string ProcStatus(pid_t pid, const std::string& key);

// The orchestrator settings tests use: fast heartbeats and backoff.
// With http_off, no HTTP endpoint (tests run daemons side by side on the default port).
std::string FastOrchestratorYaml(int max_restarts = 50, bool http_off = true);
// The agent that can be told to crash, hang or never become ready (tests/agents/test_agent.cc).
std::string TestAgent();
// systems.<name> run by the test agent: "  <name>: {interval: 1s, agent: ...<extra>}\n".
std::string Sys(const std::string& name, const std::string& extra = "");

// Runs `cmd` through /bin/sh with stderr joined to stdout; returns the exit
// code (-1 when it did not exit normally) and appends the output to `out`.
int RunShell(const std::string& cmd, std::string* out = nullptr);

// Like RunShell, with a fixed git identity in the environment; a non-zero
// exit fails the test (naming the command). Returns the output.
std::string Sh(const std::string& cmd);
// Whole-file helpers; WriteFile creates missing parent folders.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
// A helper process a test started (an HTTP peer, a follower...): killed by
// pid and reaped when this goes out of scope, also when the test fails.
struct KillOnExit {
  pid_t pid = 0;
  ~KillOnExit();
};

// `git add -A && git commit` in `repo`; returns the new HEAD.
std::string Commit(const std::string& repo, const std::string& message);
// The commit HEAD of `repo` is at.
std::string GitHead(const std::string& repo);
// The pipeline fixtures' push from the developer clone `dev`: src/index.js
// returns `message`; `broken` adds BUILD_FAIL, which makes the build fail.
// Returns the pushed commit.
std::string PushMessage(const std::string& dev, const std::string& message, bool broken);

// Environment for npm in tests: offline, no registry reachable, a private cache under `root`.
std::vector<std::pair<std::string, std::string>> NpmTestEnv(const std::string& root);
// The same as "K=V K=V " for a shell command line.
std::string NpmTestEnvPrefix(const std::string& root);

struct CtlResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class Daemon {
 public:
  // `systems_yaml` is the body under `systems:` (indented two spaces);
  // `extra_yaml` goes at the top level.
  explicit Daemon(std::string systems_yaml, std::string extra_yaml = "");
  ~Daemon();

  // Starts redundancyd in the foreground as our child; true once it answers status.
  bool Start(const std::vector<std::pair<std::string, std::string>>& env = {});
  // Kills redundancyd with `sig` and reaps it (SIGKILL: no graceful shutdown).
  void Kill(int sig = SIGKILL);
  // Waits for our child redundancyd to exit; returns its exit code, or -1.
  int WaitExit(std::chrono::milliseconds timeout);

  Result<v1::StatusSnapshot> Status() const;
  Result<v1::ControlResponse> Control(v1::ControlRequest::Op op, const std::string& arg = "") const;
  Result<v1::ControlResponse> Control(const v1::ControlRequest& req) const;
  // Runs the redundancyctl binary with --config and `args` (a shell word list).
  CtlResult Ctl(const std::string& args) const;

  // The agent's status entry, if present.
  std::optional<v1::AgentStatus> Agent(const std::string& name) const;
  bool WaitAgentState(const std::string& name, const std::string& state, std::chrono::milliseconds timeout) const;
  bool WaitAllReady(std::chrono::milliseconds timeout) const;
  // The check with this target in the current status, if reported.
  std::optional<v1::CheckStatus> CheckOf(const std::string& target) const;
  // Waits until CheckOf(target) has status `want` (and a summary containing `summary_has`).
  bool WaitCheck(const std::string& target, v1::HealthStatus want, std::chrono::milliseconds timeout,
                 const std::string& summary_has = "") const;
  // Waits for `n` more health reports of `system`, each within `timeout`.
  bool WaitReports(const std::string& system, int n, std::chrono::milliseconds timeout) const;
  std::vector<pid_t> AgentPids() const;

  const TempDir& dir() const { return dir_; }
  std::string config_path() const { return dir_.path() + "/redundancy.yaml"; }
  std::string state_dir() const { return dir_.path() + "/.redundancy"; }
  std::string control_endpoint() const { return "ipc://" + state_dir() + "/run/control.sock"; }
  std::string agents_endpoint() const { return "ipc://" + state_dir() + "/run/agents.sock"; }
  void WriteConfig(const std::string& content) const;
  std::string ModeFile() const { return dir_.path() + "/agent-mode"; }
  void SetMode(const std::string& content) const;
  pid_t pid() const { return pid_; }
  std::string ReadLogs() const;

 private:
  TempDir dir_;
  pid_t pid_ = 0;
};

}  // namespace redundancy::testing
