#include "orchestrator/pipeline_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/dependency_graph.h"
#include "common/event_kinds.h"
#include "common/file_util.h"

namespace redundancy {

namespace {
constexpr const char* kLastGoodKey = "pipeline.last_good";
}  // namespace

void PipelineDriver::Setup(Store* store) {
  store_ = store;
  saved_last_good_ = store_ ? store_->GetState(kLastGoodKey) : "";
  pipeline_.SetLastGood(saved_last_good_);
}

void PipelineDriver::Configure(const Config& config) {
  DependencyGraph g;
  for (const auto& sc : config.systems) g.AddNode(sc.name, sc.depends_on);
  has_git_ = config.FindSystem("git") != nullptr;
  std::vector<std::string> stages;
  if (has_git_) {
    for (const auto& n : g.TopologicalOrder()) {
      auto up = g.Upstream(n);
      if (std::find(up.begin(), up.end(), "git") != up.end()) stages.push_back(n);
    }
  }
  PipelineConfig pc = config.pipeline;
  if (!has_git_) pc.enabled = false;
  pipeline_.Configure(pc, stages);
  step_timeout_ = config.pipeline.step_timeout;
  rollback_on_.clear();
  for (const auto& name : config.pipeline.rollback_on) {
    if (config.FindSystem(name) && name != "git") rollback_on_.push_back(name);
  }
}

void PipelineDriver::Note(const std::string& kind, const std::string& detail) {
  journal_->Note({.kind = kind, .detail = detail});
}

bool PipelineDriver::SendCurrent() {
  const auto& step = pipeline_.current();
  if (!step) return false;
  std::optional<uint64_t> id = send_(*step);
  if (!id) return false;
  cmd_ = *id;
  spdlog::info("pipeline: {} {} on {}", step->kind == Pipeline::Step::Kind::kRollback ? "rollback" : "deploy",
               ShortCommit(step->revision), step->system);
  return true;
}

void PipelineDriver::Drive(std::optional<Pipeline::Step> step) {
  for (const auto& r : pipeline_.TakeRecords()) {
    journal_->Note({.system = r.system,
                    .target = "pipeline",
                    .kind = r.kind,
                    .detail = r.detail,
                    .level = r.kind == events::kCritical ? JournalEntry::Level::kError : JournalEntry::Level::kInfo});
  }
  if (store_ && pipeline_.last_good() != saved_last_good_) {
    if (store_->SetState(kLastGoodKey, pipeline_.last_good()).ok()) saved_last_good_ = pipeline_.last_good();
  }
  cmd_ = 0;
  if (step) SendCurrent();  // else: sent from Tick once the agent is connected
  if (!pipeline_.running() && on_idle_) on_idle_();
}

void PipelineDriver::OnNewRevision(const std::string& revision, const std::string& detail) {
  Drive(pipeline_.OnNewRevision(revision, detail, clock_->Now()));
}

bool PipelineDriver::RollBackBad(const std::string& bad, const std::string& group_good, const std::string& reason) {
  if (pipeline_.running() || !has_git_) return false;
  std::string to = pipeline_.last_good() != bad && !pipeline_.last_good().empty() ? pipeline_.last_good() : group_good;
  auto step = pipeline_.RollBackBad(bad, to, reason, clock_->Now());
  if (!step) return false;
  Drive(step);
  return true;
}

bool PipelineDriver::OnCommandResult(uint64_t id, bool ok, const std::string& message) {
  if (!cmd_ || id != cmd_) return false;
  cmd_ = 0;
  Drive(pipeline_.OnStepDone(ok, message, clock_->Now(), clock_->WallMs()));
  return true;
}

void PipelineDriver::AgentGone(const std::string& system) {
  if (pipeline_.current() && pipeline_.current()->system == system) cmd_ = 0;  // sent again when it is back
}

void PipelineDriver::Tick(SteadyTime now) {
  if (!pipeline_.current()) return;
  if (now - pipeline_.step_started() >= step_timeout_) {
    cmd_ = 0;
    Drive(pipeline_.OnStepDone(false, "no answer within " + FormatDuration(step_timeout_), now, clock_->WallMs()));
    return;
  }
  if (!cmd_) SendCurrent();
}

std::optional<SteadyTime> PipelineDriver::NextDeadline(SteadyTime now) const {
  if (!pipeline_.current()) return std::nullopt;
  SteadyTime next = pipeline_.step_started() + step_timeout_;
  if (!cmd_) next = std::min(next, now + std::chrono::milliseconds(100));  // waiting for the agent to be back
  return next;
}

void PipelineDriver::MaybeAdoptLastGood(const HealthModel& health) {
  if (pipeline_.seen_revision() || pipeline_.running() || !has_git_) return;
  if (!health.Reported("git")) return;
  std::string head;
  for (const auto& c : health.Checks("git")) {
    if (c.status() != v1::HEALTH_OK) return;
    auto it = c.labels().find("head");
    if (it != c.labels().end()) head = it->second;
  }
  if (head.empty()) return;
  if (!pipeline_.last_good().empty()) {
    // A commit in place that never went through (a restart, a kill -9 of
    // redundancyd, cut its deploy short): run it downstream now, in order.
    if (head != pipeline_.last_good()) {
      Note(events::kPipelineResume, "the commit in place " + ShortCommit(head) + " is not the last good one (" +
                                        ShortCommit(pipeline_.last_good()) +
                                        "): its deploy was cut short; running it again");
      OnNewRevision(head, ShortCommit(head) + " (its deploy was cut short)");
    }
    return;
  }
  for (const auto& name : rollback_on_) {
    HealthStatus h = health.Health(name);
    if (!health.Reported(name) || h == v1::HEALTH_FAILED || h == v1::HEALTH_BLOCKED || h == v1::HEALTH_UNKNOWN) return;
  }
  pipeline_.SetLastGood(head);
  Note(events::kPipelineGood, "adopted " + ShortCommit(head) + " (in place and healthy) as the last good commit");
  if (store_ && store_->SetState(kLastGoodKey, head).ok()) saved_last_good_ = head;
}

}  // namespace redundancy
