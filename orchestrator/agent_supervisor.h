// The supervision state machine of one agent process. It never touches a
// process itself: it asks AgentOps to spawn, signal and record, and is driven
// by events (spawned, hello, ready, heartbeat, exit) and by Tick(now) at the
// deadline it announces. One instance per agent; single-threaded.
//
//   stopped --Start--> starting --Ready--> ready
//   starting/ready --exit--> starting (restart now) | backoff | gave_up
//   starting (start_timeout) / ready (silent) --> stopping (SIGTERM, SIGKILL after grace)
//
// Liveness: an agent sends a Heartbeat only when it has sent nothing else for
// heartbeat_interval; one silent for (liveness - 1) and a half intervals gets a probe
// (a Heartbeat it answers at once), and one silent for interval x liveness is
// hung. Nothing is sent to an agent that talks (common/heartbeat.h).
//   backoff --deadline--> starting;   any --Stop--> stopping --exit--> stopped
//   gave_up --Restart (operator)--> starting
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "common/status.h"
#include "orchestrator/restart_policy.h"

namespace redundancy {

enum class AgentState { kStarting, kReady, kBackoff, kStopping, kStopped, kGaveUp };
const char* AgentStateName(AgentState s);

// The outside world, as the supervisor sees it.
class AgentOps {
 public:
  virtual ~AgentOps() = default;
  virtual Result<pid_t> Spawn(const std::string& agent) = 0;
  virtual void Signal(pid_t pid, int sig) = 0;
  // Asks the agent to exit on its own (a SHUTDOWN command).
  virtual void SendShutdown(const std::string& agent) = 0;
  // Something worth the history: kind is agent_start, agent_ready, agent_exit, ...
  virtual void Record(const std::string& agent, const std::string& kind, const std::string& detail) = 0;
  // Asks a silent agent to show it is alive (a Heartbeat it answers).
  virtual void Probe(const std::string& /*agent*/) {}
};

struct SupervisionTimes {
  Millis heartbeat_interval{5'000};
  int heartbeat_liveness = 3;
  Millis start_timeout{10'000};
  Millis stop_grace{3'000};
};

class AgentSupervisor {
 public:
  AgentSupervisor(std::string name, AgentOps* ops, SupervisionTimes times, RestartPolicy policy);

  // Spawns the agent (from stopped or gave_up).
  void Start(SteadyTime now);
  // The agent said Hello / Ready / sent a heartbeat (or any message).
  void OnAlive(SteadyTime now);
  void OnReady(SteadyTime now);
  // The agent's process exited.
  void OnExit(const std::string& how, SteadyTime now);
  // Timers: backoff over, start or heartbeat timeout, stop grace over, stability.
  void Tick(SteadyTime now);
  // When Tick() next has something to do; nullopt when nothing is pending.
  std::optional<SteadyTime> NextDeadline() const;

  // Operator's restart-agent: a fresh budget, and a new process at once.
  void Restart(SteadyTime now);
  // Stop for good (shutdown, system removed): SHUTDOWN, SIGKILL after grace.
  void Stop(SteadyTime now);

  void SetTimes(const SupervisionTimes& t) { times_ = t; }
  void SetPolicy(const RestartPolicyConfig& c) { policy_.SetConfig(c); }

  const std::string& name() const { return name_; }
  AgentState state() const { return state_; }
  pid_t pid() const { return pid_; }
  int restarts() const { return restarts_; }
  const std::string& last_exit() const { return last_exit_; }
  SteadyTime state_since() const { return state_since_; }
  bool running() const { return pid_ > 0; }

 private:
  enum class After { kRestart, kRestartNow, kStop };
  void SpawnNow(SteadyTime now);
  void RecordExit();  // the agent_exit noted by OnExit, once
  void SetState(AgentState s, SteadyTime now);
  void Terminate(const std::string& why, After after, SteadyTime now);
  void ScheduleRestart(SteadyTime now, bool spawn_failed);
  SteadyTime HungAt() const { return last_seen_ + times_.heartbeat_interval * times_.heartbeat_liveness; }
  // When a silent agent is probed; nullopt with a liveness of 1 (no room for an answer).
  std::optional<SteadyTime> ProbeAt() const;

  std::string name_;
  AgentOps* ops_;
  SupervisionTimes times_;
  RestartPolicy policy_;

  AgentState state_ = AgentState::kStopped;
  SteadyTime state_since_{};
  pid_t pid_ = 0;
  SteadyTime spawned_at_{};
  SteadyTime last_seen_{};
  bool probed_ = false;  // since last_seen_
  SteadyTime ready_at_{};
  bool stable_ = false;
  SteadyTime backoff_until_{};
  SteadyTime kill_at_{};
  bool killed_ = false;
  After after_exit_ = After::kRestart;
  int restarts_ = 0;
  std::string last_exit_;
  std::string exit_note_;  // agent_exit detail not yet recorded
};

}  // namespace redundancy
