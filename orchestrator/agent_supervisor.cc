#include "orchestrator/agent_supervisor.h"

#include <signal.h>

#include <algorithm>

#include "common/event_kinds.h"
#include "common/heartbeat.h"

namespace redundancy {

const char* AgentStateName(AgentState s) {
  switch (s) {
    case AgentState::kStarting:
      return "starting";
    case AgentState::kReady:
      return "ready";
    case AgentState::kBackoff:
      return "backoff";
    case AgentState::kStopping:
      return "stopping";
    case AgentState::kStopped:
      return "stopped";
    case AgentState::kGaveUp:
      return "gave_up";
  }
  return "unknown";
}

AgentSupervisor::AgentSupervisor(std::string name, AgentOps* ops, SupervisionTimes times, RestartPolicy policy)
    : name_(std::move(name)), ops_(ops), times_(times), policy_(std::move(policy)) {}

void AgentSupervisor::SetState(AgentState s, SteadyTime now) {
  state_ = s;
  state_since_ = now;
}

void AgentSupervisor::Start(SteadyTime now) {
  if (state_ != AgentState::kStopped && state_ != AgentState::kGaveUp) return;
  SpawnNow(now);
}

void AgentSupervisor::SpawnNow(SteadyTime now) {
  auto pid = ops_->Spawn(name_);
  RecordExit();
  if (!pid.ok()) {
    last_exit_ = pid.error();
    ops_->Record(name_, events::kAgentSpawnFailed, pid.error());
    pid_ = 0;
    ScheduleRestart(now, /*spawn_failed=*/true);
    return;
  }
  pid_ = *pid;
  spawned_at_ = last_seen_ = now;
  probed_ = false;
  stable_ = false;
  killed_ = false;
  after_exit_ = After::kRestart;
  SetState(AgentState::kStarting, now);
  ops_->Record(name_, events::kAgentStart, "pid " + std::to_string(pid_));
}

void AgentSupervisor::OnAlive(SteadyTime now) {
  if (pid_ > 0) last_seen_ = now;
  probed_ = false;
}

void AgentSupervisor::OnReady(SteadyTime now) {
  last_seen_ = now;
  if (state_ != AgentState::kStarting) return;
  ready_at_ = now;
  SetState(AgentState::kReady, now);
  ops_->Record(name_, events::kAgentReady,
               "pid " + std::to_string(pid_) + " ready in " +
                   FormatDuration(std::chrono::duration_cast<Millis>(now - spawned_at_)));
}

void AgentSupervisor::RecordExit() {
  if (exit_note_.empty()) return;
  ops_->Record(name_, events::kAgentExit, exit_note_);
  exit_note_.clear();
}

void AgentSupervisor::OnExit(const std::string& how, SteadyTime now) {
  last_exit_ = how;
  // Recorded once the replacement is forked (or the restart decided): the
  // history's write and the log lines would otherwise delay the new agent.
  exit_note_ = "pid " + std::to_string(pid_) + " " + how;
  pid_ = 0;
  if (state_ == AgentState::kStopping && after_exit_ == After::kStop) {
    RecordExit();
    SetState(AgentState::kStopped, now);
    return;
  }
  if (state_ == AgentState::kStopping && after_exit_ == After::kRestartNow) {
    ++restarts_;
    SpawnNow(now);
    return;
  }
  ScheduleRestart(now, /*spawn_failed=*/false);
}

void AgentSupervisor::ScheduleRestart(SteadyTime now, bool spawn_failed) {
  RestartPolicy::Decision d = policy_.OnExit(now);
  if (d.give_up) {
    RecordExit();
    SetState(AgentState::kGaveUp, now);
    ops_->Record(name_, events::kAgentGaveUp,
                 std::to_string(d.exits_in_window) + " exits within " + FormatDuration(policy_.config().within) +
                     " (max_restarts " + std::to_string(policy_.config().max_restarts) + "); last: " + last_exit_);
    return;
  }
  Millis delay = d.delay;
  // A binary that cannot even start must not spin: wait at least a little.
  if (spawn_failed) delay = std::max({delay, policy_.config().backoff_initial, Millis(50)});
  ++restarts_;
  if (delay.count() == 0) {
    SpawnNow(now);
    return;
  }
  RecordExit();
  backoff_until_ = now + delay;
  SetState(AgentState::kBackoff, now);
  ops_->Record(name_, events::kAgentBackoff, "restart in " + FormatDuration(delay));
}

void AgentSupervisor::Terminate(const std::string& why, After after, SteadyTime now) {
  after_exit_ = after;
  kill_at_ = now + times_.stop_grace;
  killed_ = false;
  SetState(AgentState::kStopping, now);
  if (after == After::kStop) {
    ops_->SendShutdown(name_);
  } else {
    ops_->Record(name_, why == "restart requested" ? events::kAgentRestart : events::kAgentHung, why);
    ops_->Signal(pid_, SIGTERM);
    ops_->Signal(pid_, SIGCONT);  // a stopped process handles SIGTERM only once continued
  }
}

std::optional<SteadyTime> AgentSupervisor::ProbeAt() const {
  if (times_.heartbeat_liveness < 2 || probed_) return std::nullopt;
  return last_seen_ + HeardFromWithin(times_.heartbeat_interval, times_.heartbeat_liveness);
}

void AgentSupervisor::Tick(SteadyTime now) {
  // Started (Hello heard) or ready: silence is a hang.
  bool watched = state_ == AgentState::kReady || (state_ == AgentState::kStarting && last_seen_ != spawned_at_);
  if (watched && now >= HungAt()) {
    Terminate("no heartbeat for " + FormatDuration(std::chrono::duration_cast<Millis>(now - last_seen_)),
              After::kRestart, now);
    return;
  }
  if (watched) {
    if (auto probe = ProbeAt(); probe && now >= *probe) {
      probed_ = true;
      ops_->Probe(name_);
    }
  }
  switch (state_) {
    case AgentState::kBackoff:
      if (now >= backoff_until_) SpawnNow(now);
      break;
    case AgentState::kStarting:
      if (now - spawned_at_ >= times_.start_timeout) {
        Terminate("not ready within " + FormatDuration(times_.start_timeout), After::kRestart, now);
      }
      break;
    case AgentState::kReady:
      if (!stable_ && now - ready_at_ >= policy_.config().stable_after) {
        stable_ = true;
        policy_.OnStable();
      }
      break;
    case AgentState::kStopping:
      if (!killed_ && now >= kill_at_ && pid_ > 0) {
        killed_ = true;
        ops_->Signal(pid_, SIGKILL);
      }
      break;
    case AgentState::kStopped:
    case AgentState::kGaveUp:
      break;
  }
}

std::optional<SteadyTime> AgentSupervisor::NextDeadline() const {
  auto silence = [this] {
    SteadyTime t = HungAt();
    if (auto probe = ProbeAt()) t = std::min(t, *probe);
    return t;
  };
  switch (state_) {
    case AgentState::kBackoff:
      return backoff_until_;
    case AgentState::kStarting: {
      SteadyTime t = spawned_at_ + times_.start_timeout;
      if (last_seen_ != spawned_at_) t = std::min(t, silence());
      return t;
    }
    case AgentState::kReady: {
      SteadyTime t = silence();
      if (!stable_) t = std::min(t, ready_at_ + policy_.config().stable_after);
      return t;
    }
    case AgentState::kStopping:
      if (!killed_) return kill_at_;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

void AgentSupervisor::Restart(SteadyTime now) {
  policy_.Reset();
  switch (state_) {
    case AgentState::kStarting:
    case AgentState::kReady:
      Terminate("restart requested", After::kRestartNow, now);
      break;
    case AgentState::kStopping:
      after_exit_ = After::kRestartNow;
      break;
    case AgentState::kBackoff:
    case AgentState::kStopped:
    case AgentState::kGaveUp:
      ++restarts_;
      SpawnNow(now);
      break;
  }
}

void AgentSupervisor::Stop(SteadyTime now) {
  switch (state_) {
    case AgentState::kStarting:
    case AgentState::kReady:
      Terminate("stop requested", After::kStop, now);
      break;
    case AgentState::kStopping:
      after_exit_ = After::kStop;
      break;
    case AgentState::kBackoff:
    case AgentState::kGaveUp:
      SetState(AgentState::kStopped, now);
      break;
    case AgentState::kStopped:
      break;
  }
}

}  // namespace redundancy
