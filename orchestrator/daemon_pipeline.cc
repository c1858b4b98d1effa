// The daemon's side of the deploy pipeline (orchestrator/pipeline.h decides):
// sending each step to its agent, recording what the pipeline did, step
// timeouts, and adopting the code in place as the first good commit.
#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/daemon.h"

namespace redundancy {

bool Daemon::SendPipelineStep() {
  const auto& step = pipeline_.current();
  if (!step) return false;
  auto it = agents_.find(step->system);
  if (it == agents_.end() || it->second.identity.empty()) return false;
  v1::Envelope env;
  auto* cmd = env.mutable_command();
  cmd->set_id(next_command_id_++);
  cmd->set_kind(step->kind == Pipeline::Step::Kind::kRollback ? v1::Command::ROLLBACK : v1::Command::DEPLOY);
  cmd->set_revision(step->revision);
  cmd->set_reason(step->reason);
  if (!agents_sock_->Send(it->second.identity, false, env)) return false;
  pipeline_cmd_ = cmd->id();
  spdlog::info("pipeline: {} {} on {}", step->kind == Pipeline::Step::Kind::kRollback ? "rollback" : "deploy",
               step->revision.substr(0, 12), step->system);
  return true;
}

void Daemon::DrivePipeline(std::optional<Pipeline::Step> step) {
  for (const auto& r : pipeline_.TakeRecords()) {
    journal_.Note({.system = r.system,
                   .target = "pipeline",
                   .kind = r.kind,
                   .detail = r.detail,
                   .level = r.kind == events::kCritical ? JournalEntry::Level::kError : JournalEntry::Level::kInfo});
  }
  if (store_ && pipeline_.last_good() != saved_last_good_) {
    if (store_->SetState("pipeline.last_good", pipeline_.last_good()).ok()) saved_last_good_ = pipeline_.last_good();
  }
  pipeline_cmd_ = 0;
  if (step) SendPipelineStep();  // else: resent from Tick once the agent is connected
  if (!pipeline_.running()) {
    for (auto& [n, slot] : agents_) MaybeAutoRecover(slot);
  }
}

void Daemon::TickPipeline(SteadyTime now) {
  if (!pipeline_.current()) return;
  if (now - pipeline_.step_started() >= config_.pipeline.step_timeout) {
    pipeline_cmd_ = 0;
    DrivePipeline(pipeline_.OnStepDone(false, "no answer within " + FormatDuration(config_.pipeline.step_timeout), now,
                                       clock_->WallMs()));
    return;
  }
  if (!pipeline_cmd_) SendPipelineStep();
}

// Before any pipeline run, the code in place counts as good once git and
// every step downstream report healthy: a rollback then has somewhere to go.
void Daemon::MaybeAdoptLastGood() {
  if (pipeline_.seen_revision() || pipeline_.running() || !config_.FindSystem("git")) return;
  if (!health_.Reported("git")) return;
  std::string head;
  for (const auto& c : health_.Checks("git")) {
    if (c.status() != v1::HEALTH_OK) return;
    auto it = c.labels().find("head");
    if (it != c.labels().end()) head = it->second;
  }
  if (head.empty()) return;
  if (!pipeline_.last_good().empty()) {
    // A commit in place that never went through (a restart, a kill -9 of
    // redundancyd, cut its deploy short): run it downstream now, in order.
    if (head != pipeline_.last_good()) {
      Record("", events::kPipelineResume,
             "the commit in place " + head.substr(0, 12) + " is not the last good one (" +
                 pipeline_.last_good().substr(0, 12) + "): its deploy was cut short; running it again");
      DrivePipeline(pipeline_.OnNewRevision(head, head.substr(0, 12) + " (its deploy was cut short)", clock_->Now()));
    }
    return;
  }
  for (const auto& name : config_.pipeline.rollback_on) {  // the steps a rollback would run for
    if (!config_.FindSystem(name) || name == "git") continue;
    HealthStatus h = health_.Health(name);
    if (!health_.Reported(name) || h == v1::HEALTH_FAILED || h == v1::HEALTH_BLOCKED || h == v1::HEALTH_UNKNOWN) return;
  }
  pipeline_.SetLastGood(head);
  Record("", events::kPipelineGood,
         "adopted " + head.substr(0, 12) + " (in place and healthy) as the last good commit");
  if (store_ && store_->SetState("pipeline.last_good", head).ok()) saved_last_good_ = head;
}

}  // namespace redundancy
