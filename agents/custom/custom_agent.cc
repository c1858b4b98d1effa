#include "agents/custom/custom_agent.h"

#include <spdlog/spdlog.h>

#include "agents/custom/checks.h"
#include "common/event_kinds.h"
#include "common/file_util.h"

namespace redundancy::custom {

Status CustomAgent::Configure(const AgentContext& ctx) {
  auto parsed = ParseSettings(ctx.settings, ctx.workspace);
  if (!parsed.ok()) return Status::Error("systems." + ctx.system + "." + parsed.error());
  ctx_ = ctx;
  settings_ = std::move(*parsed);
  // A new configuration is a person's act: every budget starts again.
  tracks_.clear();
  last_.clear();
  return Status::Ok();
}

const CheckSpec* CustomAgent::FindCheck(const std::string& target) const {
  for (const auto& c : settings_.checks) {
    if (TargetOf(c) == target) return &c;
  }
  return nullptr;
}

std::vector<v1::CheckResult> CustomAgent::Check() {
  std::vector<v1::CheckResult> out;
  for (const auto& c : settings_.checks) {
    v1::CheckResult r = RunCheck(c, ctx_.system, *clock_);
    auto it = tracks_.find(r.target());
    if (r.status() == v1::HEALTH_OK && it != tracks_.end()) {
      // Passing again: the backoff streak ends, and a target given up on is watched again.
      it->second.backoff.Reset();
      it->second.gave_up = false;
    }
    if (r.status() == v1::HEALTH_FAILED) {
      bool no_steps = c.recover.empty() && settings_.recover.empty();
      bool gave_up = it != tracks_.end() && it->second.gave_up;
      // Nothing to run, or the budget is spent: the orchestrator stops asking.
      r.set_gave_up(no_steps || gave_up);
      if (gave_up) r.set_summary(r.summary() + "; gave up: " + it->second.last_failure);
      if (it != tracks_.end() && !gave_up) {
        if (auto left = it->second.backoff.Remaining(clock_->Now()))
          r.set_retry_in_ms(std::max<int64_t>(1, left->count()));
      }
    }
    last_[r.target()] = r;
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<Millis> CustomAgent::NextCheckWithin() {
  std::optional<Millis> soonest;
  SteadyTime now = clock_->Now();
  for (const auto& [target, t] : tracks_) {
    auto it = last_.find(target);
    if (it == last_.end() || it->second.status() != v1::HEALTH_FAILED || t.gave_up) continue;
    if (auto left = t.backoff.Remaining(now); left && (!soonest || *left < *soonest)) soonest = *left;
  }
  return soonest;
}

bool CustomAgent::Recheck(const std::vector<const CheckSpec*>& targets, Millis within) {
  SteadyTime deadline = clock_->Now() + within;
  while (true) {
    bool all_ok = true;
    for (const CheckSpec* c : targets) {
      v1::CheckResult r = RunCheck(*c, ctx_.system, *clock_);
      all_ok = all_ok && r.status() == v1::HEALTH_OK;
      last_[r.target()] = r;
    }
    if (all_ok) return true;
    SteadyTime now = clock_->Now();
    if (now >= deadline) return false;
    clock_->Sleep(std::min(Millis(500), std::chrono::duration_cast<Millis>(deadline - now)));
  }
}

std::string CustomAgent::RunSteps(const std::vector<Step>& steps, const std::vector<const CheckSpec*>& targets) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    std::string failure;
    switch (s.kind) {
      case Step::Kind::kWait:
        clock_->Sleep(s.wait);
        break;
      case Step::Kind::kRecheck:
        if (!Recheck(targets, s.wait)) {
          std::string why;
          for (const CheckSpec* c : targets) {
            const auto& r = last_[TargetOf(*c)];
            if (r.status() != v1::HEALTH_OK) why = r.summary();
          }
          failure = "still failing after " + FormatDuration(s.wait) + ": " + why;
        }
        break;
      case Step::Kind::kExec: {
        auto ran = RunCommand(s.exec);
        if (!ran.ok()) {
          failure = ran.error();
        } else if (ran->timed_out) {
          failure = "timed out after " + FormatDuration(s.exec.timeout) + " (killed with what it started)";
        } else if (ran->exit.code != 0) {
          std::string line = FoldLines(ran->output, 300);
          failure = ran->exit.Describe() + (line.empty() ? "" : ": " + line);
        }
        spdlog::info("{}: step {} ({}): {}", ctx_.system, i + 1, s.Describe(), failure.empty() ? "ok" : failure);
        break;
      }
    }
    if (!failure.empty() && !s.ignore_failure)
      return "step " + std::to_string(i + 1) + " (" + s.Describe() + "): " + failure;
  }
  return "";
}

Status CustomAgent::Recover(const std::string& target, bool forced) {
  std::vector<const CheckSpec*> wanted;
  if (target.empty() || target == ctx_.system) {
    for (const auto& c : settings_.checks) {
      auto it = last_.find(TargetOf(c));
      if (it != last_.end() && it->second.status() == v1::HEALTH_FAILED) wanted.push_back(&c);
    }
  } else if (const CheckSpec* c = FindCheck(target)) {
    auto it = last_.find(target);
    // An operator may run a check's recovery whatever its state; automatically, only when it failed.
    if (forced || (it != last_.end() && it->second.status() == v1::HEALTH_FAILED)) wanted.push_back(c);
  } else {
    return Status::Error("no check " + target + " in " + ctx_.system);
  }
  const RecoveryPolicy& p = settings_.policy;
  SteadyTime now = clock_->Now();
  std::vector<const CheckSpec*> own, shared;
  std::string held;  // why targets wait: "db:port: gave up; db:disk: next attempt in 3s"
  auto hold = [&held](const std::string& target, const std::string& why) {
    held += (held.empty() ? "" : "; ") + target + ": " + why;
  };
  for (const CheckSpec* c : wanted) {
    std::string t = TargetOf(*c);
    auto [it, fresh] = tracks_.try_emplace(t);
    Track& track = it->second;
    if (fresh || forced) track = Track{{}, Backoff(p.backoff_initial, p.backoff_max), false, ""};
    while (!track.attempts.empty() && now - track.attempts.front() > p.within) track.attempts.pop_front();
    const std::vector<Step>& steps = c->recover.empty() ? settings_.recover : c->recover;
    if (steps.empty()) {
      hold(t, "no recover steps");
    } else if (track.gave_up) {
      hold(t, "gave up");
    } else if (static_cast<int>(track.attempts.size()) >= p.max_attempts) {
      track.gave_up = true;
      track.last_failure = "still failing after " + std::to_string(track.attempts.size()) + " recoveries within " +
                           FormatDuration(p.within);
      if (ctx_.emit) ctx_.emit(t, events::kGaveUp, track.last_failure + ": " + last_[t].summary());
      hold(t, "gave up");
    } else if (auto left = track.backoff.Remaining(now)) {
      hold(t, "next attempt in " + FormatDuration(*left));
    } else {
      (c->recover.empty() ? shared : own).push_back(c);
    }
  }
  std::string failures;
  auto attempt = [&](const std::vector<Step>& steps, const std::vector<const CheckSpec*>& targets) {
    for (const CheckSpec* c : targets) tracks_[TargetOf(*c)].attempts.push_back(now);
    std::string why = RunSteps(steps, targets);
    SteadyTime after = clock_->Now();
    for (const CheckSpec* c : targets) {
      std::string t = TargetOf(*c);
      Track& track = tracks_[t];
      track.backoff.Failed(after);  // the next attempt, if one is needed, waits
      std::string n = "attempt " + std::to_string(track.attempts.size()) + "/" + std::to_string(p.max_attempts);
      if (why.empty()) {
        if (ctx_.emit) ctx_.emit(t, events::kRecovered, std::to_string(steps.size()) + " steps ran, " + n);
        continue;
      }
      track.last_failure = why;
      if (ctx_.emit) ctx_.emit(t, events::kRecoveryFailed, why + ", " + n);
      failures += (failures.empty() ? "" : "; ") + t + ": " + why;
      if (static_cast<int>(track.attempts.size()) >= p.max_attempts) {
        track.gave_up = true;
        if (ctx_.emit)
          ctx_.emit(t, events::kGaveUp, "after " + std::to_string(track.attempts.size()) + " attempts: " + why);
      }
    }
  };
  for (const CheckSpec* c : own) attempt(c->recover, {c});
  if (!shared.empty()) attempt(settings_.recover, shared);
  if (!failures.empty()) return Status::Error(failures);
  if (own.empty() && shared.empty() && !held.empty()) return Status::Error(held);
  return Status::Ok();
}

}  // namespace redundancy::custom
