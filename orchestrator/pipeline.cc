#include "orchestrator/pipeline.h"

#include <algorithm>

#include "common/event_kinds.h"
#include "common/file_util.h"

namespace redundancy {
namespace {

std::string Took(SteadyTime from, SteadyTime to) {
  return FormatDuration(std::chrono::duration_cast<Millis>(to - from));
}

const char* Verb(const std::string& system) {
  if (system == "build") return "verified";
  if (system == "pm2") return "reloaded";
  return "checked";
}

}  // namespace

void Pipeline::Configure(const PipelineConfig& config, std::vector<std::string> stages, std::string git_system) {
  config_ = config;
  stages_ = std::move(stages);
  git_ = std::move(git_system);
}

bool Pipeline::Owns(const std::string& system) const {
  if (phase_ == Phase::kIdle) return false;
  return system == git_ || std::find(stages_.begin(), stages_.end(), system) != stages_.end();
}

void Pipeline::Add(const std::string& kind, const std::string& system, const std::string& detail) {
  records_.push_back({kind, system, detail});
}

std::vector<Pipeline::Record> Pipeline::TakeRecords() {
  std::vector<Record> out;
  out.swap(records_);
  return out;
}

std::optional<Pipeline::Step> Pipeline::OnNewRevision(const std::string& revision, const std::string& description,
                                                      SteadyTime now) {
  seen_revision_ = true;
  if (!config_.enabled || revision.empty()) return std::nullopt;
  if (phase_ != Phase::kIdle) {
    if (queued_)
      Add(events::kPipelineSkip, git_,
          ShortCommit(queued_->first) + " superseded by " + ShortCommit(revision) + " before it ran");
    queued_ = {revision, description};
    return std::nullopt;
  }
  return Start(revision, description, now);
}

std::optional<Pipeline::Step> Pipeline::Start(const std::string& revision, const std::string& description,
                                              SteadyTime now) {
  revision_ = revision;
  description_ = description.empty() ? ShortCommit(revision) : description;
  failure_.clear();
  run_started_ = now;
  stage_ = 0;
  phase_ = Phase::kDeploying;
  std::string through;
  for (const auto& s : stages_) through += (through.empty() ? "" : " -> ") + s;
  Add(events::kPipelineStart, git_, "new commit " + description_ + (stages_.empty() ? "" : "; through " + through));
  if (stages_.empty()) return Finish("deployed", "nothing downstream of " + git_, now, 0);
  return StageStep(now);
}

std::optional<Pipeline::Step> Pipeline::RollBackBad(const std::string& bad, const std::string& to,
                                                    const std::string& reason, SteadyTime now) {
  if (phase_ != Phase::kIdle || to.empty() || to == bad) return std::nullopt;
  revision_ = bad;
  description_ = ShortCommit(bad);
  failure_ = reason;
  run_started_ = now;
  last_good_ = to;
  failed_stage_ = stages_.empty() ? 0 : stages_.size() - 1;  // every step ran it
  Add(events::kPipelineStart, git_, "rolling back " + ShortCommit(bad) + " to " + ShortCommit(to) + ": " + reason);
  phase_ = Phase::kRollingBack;
  Step s;
  s.kind = Step::Kind::kRollback;
  s.system = git_;
  s.revision = to;
  s.reason = ShortCommit(bad) + " is bad: " + reason;
  current_ = s;
  step_started_ = now;
  return s;
}

std::optional<Pipeline::Step> Pipeline::StageStep(SteadyTime now) {
  Step s;
  s.kind = Step::Kind::kDeploy;
  s.system = stages_[stage_];
  s.revision = phase_ == Phase::kRestoring ? last_good_ : revision_;
  current_ = s;
  step_started_ = now;
  return s;
}

std::optional<Pipeline::Step> Pipeline::Finish(const std::string& result, const std::string& detail, SteadyTime now,
                                               int64_t wall_ms) {
  phase_ = Phase::kIdle;
  current_.reset();
  last_result_ = result;
  last_detail_ = detail;
  last_finished_ms_ = wall_ms;
  if (queued_) {
    auto next = *queued_;
    queued_.reset();
    return Start(next.first, next.second, now);
  }
  return std::nullopt;
}

std::optional<Pipeline::Step> Pipeline::OnStepDone(bool ok, const std::string& message, SteadyTime now,
                                                   int64_t wall_ms) {
  if (phase_ == Phase::kIdle || !current_) return std::nullopt;
  const Step step = *current_;
  std::string took = Took(step_started_, now);
  if (phase_ == Phase::kRollingBack) {
    if (!ok) {
      Add(events::kCritical, git_,
          "rollback of " + description_ + " to " + ShortCommit(last_good_) + " failed after " + took + ": " + message);
      return Finish("failed", "rollback failed: " + message, now, wall_ms);
    }
    Add(events::kPipelineRollback, git_,
        "rolled back " + ShortCommit(revision_) + " to " + ShortCommit(last_good_) + " in " + took);
    phase_ = Phase::kRestoring;
    stage_ = 0;
    if (stages_.empty()) return Finish("rolled_back", "back on " + ShortCommit(last_good_), now, wall_ms);
    return StageStep(now);
  }
  const std::string on = ShortCommit(step.revision);
  if (ok) {
    Add(events::kPipelineStep, step.system, std::string(Verb(step.system)) + " " + on + " in " + took);
    // Restoring re-runs only the systems that ran the bad commit: up to the
    // one it failed; those after it never got it and keep serving the good one.
    size_t last = phase_ == Phase::kRestoring ? std::min(failed_stage_ + 1, stages_.size()) : stages_.size();
    if (++stage_ < last) return StageStep(now);
    std::string total = Took(run_started_, now);
    if (phase_ == Phase::kRestoring) {
      std::string d =
          "back on " + ShortCommit(last_good_) + " after " + description_ + " failed (" + failure_ + "), in " + total;
      Add(events::kPipelineDone, git_, d);
      return Finish("rolled_back", d, now, wall_ms);
    }
    last_good_ = revision_;
    std::string d = description_ + " deployed in " + total;
    Add(events::kPipelineDone, git_, d);
    return Finish("deployed", d, now, wall_ms);
  }
  Add(events::kPipelineStep, step.system, "failed on " + on + " after " + took + ": " + message);
  if (phase_ == Phase::kRestoring) {
    std::string d = "the last good commit " + ShortCommit(last_good_) + " failed " + step.system + " too: " + message;
    Add(events::kCritical, step.system, d);
    return Finish("failed", d, now, wall_ms);
  }
  failure_ = step.system + ": " + message;
  failed_stage_ = stage_;
  std::string bad = "commit " + description_ + " failed " + step.system + ": " + message;
  bool wants = config_.rollback && std::find(config_.rollback_on.begin(), config_.rollback_on.end(), step.system) !=
                                       config_.rollback_on.end();
  if (queued_) {
    Add(events::kCritical, step.system,
        bad + "; a newer commit (" + ShortCommit(queued_->first) + ") runs next instead of a rollback");
    return Finish("failed", bad, now, wall_ms);
  }
  if (!wants || last_good_.empty() || last_good_ == revision_) {
    std::string why = !config_.rollback ? "rollback is off"
                      : !wants          ? "no rollback for " + step.system + " failures"
                                        : "no earlier commit went through";
    Add(events::kCritical, step.system, bad + "; not rolled back (" + why + ")");
    return Finish("failed", bad, now, wall_ms);
  }
  Add(events::kCritical, step.system, bad + "; rolling back to " + ShortCommit(last_good_));
  phase_ = Phase::kRollingBack;
  Step s;
  s.kind = Step::Kind::kRollback;
  s.system = git_;
  s.revision = last_good_;
  s.reason = ShortCommit(revision_) + " failed " + step.system;
  current_ = s;
  step_started_ = now;
  return s;
}

v1::PipelineStatus Pipeline::Snapshot() const {
  v1::PipelineStatus p;
  static const char* kNames[] = {"idle", "deploying", "rolling_back", "restoring"};
  p.set_state(config_.enabled ? kNames[static_cast<int>(phase_)] : "disabled");
  p.set_revision(revision_);
  if (current_) p.set_step(current_->system);
  p.set_last_good(last_good_);
  p.set_last_result(last_result_);
  p.set_last_detail(last_detail_);
  p.set_last_finished_ms(last_finished_ms_);
  if (queued_) p.set_queued(queued_->first);
  return p;
}

}  // namespace redundancy
