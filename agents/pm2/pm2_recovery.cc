// How the PM2 agent recovers: per-app budgets and backoff, restart storms
// stopped before they are retried, a dead daemon replaced and its apps
// restored exactly once, and backup processes for critical apps.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

#include "agents/pm2/pm2_agent.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/process/process.h"

namespace redundancy::pm2 {
Status Pm2Agent::Recover(const std::string& target, bool forced) {
  if (forced && target.rfind("pm2:ecosystem:", 0) == 0) {
    poison_.Clear(target);
    return Status::Ok();  // loaded again by the next reload
  }
  if (daemon_down_ || !DaemonAlive()) {
    // A daemon that cannot be started (a broken unit, no pm2) is tried again
    // with backoff, 1 s doubling to a minute; an operator's recover tries now.
    SteadyTime now = clock_->Now();
    if (auto wait = restore_backoff_.Remaining(now); wait && !forced) {
      return Status::Error("the PM2 daemon could not be started (" + std::to_string(restore_backoff_.failures()) +
                           " attempt(s)); next try in " + FormatDuration(*wait));
    }
    Status s = RestoreDaemon();
    if (s.ok()) {
      restore_backoff_.Reset();
    } else {
      restore_backoff_.Failed(now);
    }
    return s;
  }
  std::vector<std::string> names;
  if (target.empty()) {
    for (auto& [name, t] : tracks_) {
      if (t.failure != Failure::kNone) names.push_back(name);
    }
  } else {
    names.push_back(target.rfind("pm2:", 0) == 0 ? target.substr(4) : target);
  }
  std::string errors;
  for (const auto& name : names) {
    Status s = RecoverApp(name, tracks_[name], forced);
    if (!s.ok()) errors += (errors.empty() ? "" : "; ") + name + ": " + s.message();
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

bool Pm2Agent::WaitsOnCause(const std::string& name, AppTrack& t, SteadyTime now) {
  bool held = t.gave_up() || t.next_attempt > now || t.storm_stopped();
  if (t.failure == Failure::kNone || t.paused || !held || t.cause.kind == CrashCause::Kind::kUnknown) return false;
  if (!CauseGone(t.cause)) return true;
  std::string gone = t.cause.Gone();
  t.attempts = 0;
  t.On(RecoveryEvent::kCauseCleared);
  t.next_attempt = SteadyTime{};
  t.cause = CrashCause{};
  t.cause_holder.clear();
  if (ctx_.emit) ctx_.emit("pm2:" + name, events::kCauseCleared, gone + ": restarting it now");
  return false;
}

Status Pm2Agent::RecoverApp(const std::string& name, AppTrack& t, bool forced) {
  if (t.paused) return Status::Ok();
  SteadyTime now = clock_->Now();
  if (forced) {
    t.attempts = 0;
    t.On(RecoveryEvent::kForced);
    t.next_attempt = SteadyTime{};
    if (operator_deleted_.erase(name)) {  // the operator asks for it back
      SaveOperatorDeleted();
      expected_.insert(name);
      t.failure = Failure::kMissing;
      t.failure_text = "deleted by an operator, restored on request";
    }
  }
  if (t.failure == Failure::kNone) return Status::Ok();
  auto backoff = [&](int attempts) {
    double ms = static_cast<double>(settings_.restart_delay.count()) * std::pow(2.0, std::min(attempts - 1, 20));
    return Millis(static_cast<int64_t>(std::min(ms, 3'600'000.0)));
  };
  const std::string target = "pm2:" + name;
  if (t.failure == Failure::kStorm && !t.storm_stopped()) {
    // Contain the loop at once, even while backing off or given up (PM2
    // would restart it forever); the restart after the backoff is the attempt.
    t.stopping = true;
    Status s = Act("stopProcessId", t.pm_id);
    if (!s.ok()) {
      t.stopping = false;
      return s;
    }
    t.On(RecoveryEvent::kStormStopped);
    t.next_attempt = now + backoff(t.attempts + 1);
    if (ctx_.emit)
      ctx_.emit(target, events::kStormStopped,
                t.failure_text + "; retry in " + FormatDuration(backoff(t.attempts + 1)));
    return Status::Ok();
  }
  if (t.gave_up()) return Status::Error("gave up; `redundancyctl recover pm2:" + name + "` to try again");
  if (now < t.next_attempt) return Status::Ok();  // still backing off; the agent re-checks when it ends
  if (t.attempts >= settings_.max_restart_attempts) {
    t.On(RecoveryEvent::kBudgetSpent);
    if (ctx_.emit)
      ctx_.emit(target, events::kGaveUp, "after " + std::to_string(t.attempts) + " attempts: " + t.failure_text);
    bool critical = settings_.critical.empty() || settings_.critical.count(name);
    // A backup runs the same code: after a crash loop of that code it would
    // only crash too, unless backup_env makes it differ (another port, ...).
    bool crashes = t.failure == Failure::kErrored || t.failure == Failure::kStorm || t.failure == Failure::kExited;
    bool shares_failure = crashes && settings_.backup_env.empty();
    if (settings_.backup_processes && critical && !t.backup_started && shares_failure) {
      if (ctx_.emit)
        ctx_.emit(target, events::kBackupSkipped, "a backup would run the same crashing code: " + t.failure_text);
    } else if (settings_.backup_processes && critical && !t.backup_started) {
      Status s = StartFromDefinition(name, settings_.backup_prefix + name, /*backup=*/true);
      if (s.ok()) {
        t.backup_started = true;
        if (ctx_.emit)
          ctx_.emit("pm2:" + settings_.backup_prefix + name, events::kBackupStarted, "standing in for " + name);
      } else if (ctx_.emit) {
        ctx_.emit(target, events::kBackupFailed, s.message());
      }
    }
    return Status::Error("gave up after " + std::to_string(t.attempts) + " attempts");
  }
  ++t.attempts;
  t.next_attempt = now + backoff(t.attempts);
  Status s;
  std::string what;
  if (t.failure == Failure::kMissing) {
    s = StartFromDefinition(name, name, false);
    what = "started again (it was missing)";
  } else {
    s = Act("restartProcessId", t.pm_id);
    what = "restarted (" + t.failure_text + ")";
  }
  if (!s.ok()) {
    if (ctx_.emit) ctx_.emit(target, events::kRecoveryFailed, s.message());
    return s;
  }
  ++t.our_restarts;
  t.restarted_at = now;
  // Exits stay in the storm window: a storm that resumes is stopped again at once.
  t.On(RecoveryEvent::kRestarted);
  t.crashed = false;
  t.intentional_stop = false;
  t.memory_over = 0;
  t.probe_failures = 0;
  if (ctx_.emit) ctx_.emit(target, events::kRecovered, what + ", attempt " + std::to_string(t.attempts));
  return Status::Ok();
}

Status Pm2Agent::StartFromDefinition(const std::string& name, const std::string& as_name, bool backup) {
  const nlohmann::json snapshot = ReadSnapshot();
  const nlohmann::json* saved = nullptr;
  for (const auto& env : snapshot) {
    if (env.value("name", "") == name) saved = &env;
  }
  if (saved) {
    nlohmann::json env = *saved;
    env.erase("status");
    env.erase("pm_id");
    env.erase("unique_id");
    env["name"] = as_name;
    if (!env.contains("env") || !env["env"].is_object()) env["env"] = nlohmann::json::object();
    if (backup) {
      env["pm_out_log_path"] = settings_.pm2_home + "/logs/" + as_name + "-out.log";
      env["pm_err_log_path"] = settings_.pm2_home + "/logs/" + as_name + "-error.log";
      env["pm_pid_path"] = settings_.pm2_home + "/pids/" + as_name + ".pid";
      for (const auto& [k, v] : settings_.backup_env) {
        env[k] = v;
        env["env"][k] = v;
      }
    }
    auto r = rpc_->Call("prepare", nlohmann::json::array({env}), settings_.call_timeout);
    return r.ok() ? Status::Ok() : r.status();
  }
  if (backup) return Status::Error("no saved definition of " + name + " to start a backup from");
  for (const auto& eco : ecosystems_) {
    for (const auto& app : eco.apps) {
      if (app.name != name) continue;
      process::SpawnSpec spec{settings_.pm2_bin, {"start", eco.file, "--only", name}, Pm2Env(), ctx_.workspace, false};
      auto cli = process::RunCapture(spec, std::chrono::seconds(60));
      if (!cli.ok()) return cli.status();
      if (cli->exit.code != 0)
        return Status::Error("pm2 start " + eco.file + " --only " + name + ": " + FoldLines(cli->output));
      return Status::Ok();
    }
  }
  return Status::Error("no definition of " + name + " (not in the snapshot nor in an ecosystem file)");
}

}  // namespace redundancy::pm2
