// What an agent implements: its checks and its recoveries. Everything else
// (the protocol, heartbeats, scheduling, commands, logging, exiting when the
// orchestrator is gone) is RunAgent()'s job.
//
// Configure/Check/Recover run on one worker thread, one at a time, so they may
// block (a git fetch, an npm ci) without stopping heartbeats.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/status.h"
#include "redundancy.pb.h"

namespace redundancy {

struct AgentContext {
  std::string system;     // e.g. "pm2"
  std::string workspace;  // absolute project root
  std::string state_dir;  // absolute; keep own files under state_dir/<system>
  Millis interval{60'000};
  bool debug = false;
  // Part of a fleet (fleet: in the config): git moves to new code only when
  // told (DEPLOY of the rollout's commit), never on its own.
  bool fleet = false;
  YAML::Node settings;  // systems.<system> of the config, secrets resolved
  // Records an event in the orchestrator's history (thread-safe; sent after the current job).
  std::function<void(const std::string& target, const std::string& kind, const std::string& detail)> emit;
  // The same, for events with more fields (e.g. "new_revision" with its revision).
  std::function<void(const v1::Event& event)> emit_event;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // "pm2", "git", ... or "test".
  virtual std::string Kind() const = 0;
  // Called once before the first check and again on every RELOAD. An error
  // is reported as a failed check "<system>:config" and checks are skipped.
  virtual Status Configure(const AgentContext& ctx) = 0;
  // Runs every check of the system; the result replaces the previous set.
  virtual std::vector<v1::CheckResult> Check() = 0;
  // Recovers one target (or everything failed, for an empty target).
  // `forced`: an operator asked, so budgets and gave_up are reset first.
  virtual Status Recover(const std::string& target, bool forced) = 0;

  // The deploy pipeline (on the worker, followed by a check):
  // a new revision of the code is in place; verify it (build) or apply it
  // (pm2: graceful reload). Default: the checks pass, none failed.
  virtual Status Deploy(const std::string& revision);
  // Return the code to `revision`, keeping what it leaves behind recoverable (git).
  virtual Status Rollback(const std::string& revision, const std::string& reason) {
    return Status::Error("rollback is not supported by this agent");
  }

  // Optional hooks, all called on the event-loop thread (not the worker):
  // descriptors to watch (e.g. an event bus), refreshed after every job.
  virtual std::vector<int> WatchedFds() { return {}; }
  // One of WatchedFds() is readable; return true to run a check now.
  virtual bool OnReadable(int fd) { return false; }
  // After a check: run the next one no later than this (e.g. a recovery backoff ends).
  virtual std::optional<Millis> NextCheckWithin() { return std::nullopt; }

  // Pauses or resumes one target (called on the worker). Default: unsupported.
  virtual Status SetTargetPaused(const std::string& target, bool paused) {
    return Status::Error("pausing single targets is not supported by this agent");
  }
};

// Helper for agents: a CheckResult in one line.
v1::CheckResult MakeCheck(const std::string& target, v1::HealthStatus status, const std::string& summary,
                          const std::string& details = "");

// Runs the agent process: parses the command line redundancyd passes, and
// returns the exit code (0 after SHUTDOWN or SIGTERM, 1 when the orchestrator
// is gone or unreachable, 2 on a bad command line).
int RunAgent(Agent* agent, int argc, char** argv);

}  // namespace redundancy
