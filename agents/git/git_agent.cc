#include "agents/git/git_agent.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agents/git/settings.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/paths.h"
#include "common/status_render.h"

namespace redundancy::git {
namespace {

// Failures a retry will not fix: a person has to decide.
bool NeedsPerson(const std::string& kind) {
  return kind == "merge_conflict" || kind == "rebase_conflict" || kind == "upstream_rewritten" ||
         kind == "untracked_would_be_overwritten" || kind == "not_a_repository" || kind == "git_busy";
}

}  // namespace

Status GitAgent::Configure(const AgentContext& ctx) {
  ctx_ = ctx;
  options_ = ParseSettings(ctx.settings, ctx.workspace, ctx.state_dir);
  std::error_code ec;
  std::filesystem::create_directories(options_.backup_dir, ec);
  LoadHold();
  std::ifstream kept(KeptAsidePath());
  std::string upstream, message;
  if (std::getline(kept, upstream) && std::getline(kept, message) && !message.empty()) {
    kept_aside_ = message;
    gave_up_ = true;
    gave_up_upstream_ = upstream;
  }
  return Status::Ok();
}

void GitAgent::SetKeptAside(const std::string& message) {
  kept_aside_ = message;
  std::error_code ec;
  if (message.empty()) {
    std::filesystem::remove(KeptAsidePath(), ec);
    return;
  }
  std::filesystem::create_directories(std::filesystem::path(KeptAsidePath()).parent_path(), ec);
  (void)WriteFileAtomic(KeptAsidePath(), gave_up_upstream_ + "\n" + FoldLines(message) + "\n", 0600);
}

void GitAgent::LoadHold() {
  hold_ = Hold();
  std::ifstream in(HoldPath());
  std::getline(in, hold_.upstream);
  std::getline(in, hold_.at);
  std::getline(in, hold_.bad);
  std::getline(in, hold_.reason);
  if (hold_.upstream.empty()) hold_ = Hold();
}

// Written to a temporary file and renamed: a crash leaves the old hold or the new one.
void GitAgent::SaveHold() {
  std::string tmp = HoldPath() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << hold_.upstream << "\n" << hold_.at << "\n" << hold_.bad << "\n" << hold_.reason << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, HoldPath(), ec);
}

void GitAgent::ClearHold(const std::string& why) {
  if (!hold_.active()) return;
  if (ctx_.emit) ctx_.emit(Target(), events::kHoldReleased, why);
  hold_ = Hold();
  std::error_code ec;
  std::filesystem::remove(HoldPath(), ec);
}

std::vector<v1::CheckResult> GitAgent::Check() {
  last_ = Inspect(options_);
  const RepoState& s = last_;
  v1::CheckResult c;
  c.set_target(Target());
  std::string where = (s.branch.empty() ? std::string("detached HEAD") : s.branch) + " at " + ShortCommit(s.head);
  (*c.mutable_metrics())["ahead"] = s.ahead;
  (*c.mutable_metrics())["behind"] = s.behind;
  (*c.mutable_metrics())["dirty"] = s.dirty ? 1 : 0;
  (*c.mutable_labels())["head"] = s.head;
  (*c.mutable_labels())["branch"] = s.branch;
  (*c.mutable_labels())["upstream"] = s.upstream;
  if (hold_.active() && !s.upstream.empty() && s.upstream != hold_.upstream) {
    ClearHold("new commits on " + options_.remote + "/" + options_.branch + " (" + ShortCommit(s.upstream) + ")");
  } else if (hold_.active() && !s.head.empty() && s.head != hold_.at) {
    ClearHold("the checkout moved to " + ShortCommit(s.head) + " by other hands");
  }
  if (gave_up_ && !s.upstream.empty() && s.upstream != gave_up_upstream_) {
    gave_up_ = false;  // new upstream commits: worth another try
    SetKeptAside("");
    retry_.Reset();
  }
  std::string problem;
  if (s.error_kind == "remote_unreachable") {
    c.set_status(v1::HEALTH_DEGRADED);
    c.set_summary(where + "; cannot reach " + options_.remote + ": " + s.error);
  } else if (!s.error_kind.empty()) {
    c.set_status(v1::HEALTH_FAILED);
    c.set_summary(s.error);
    c.set_gave_up(s.error_kind == "not_a_repository");
  } else if (hold_.active() && s.head == hold_.at) {
    // Rolled back on purpose: not a failure to recover, a state to show.
    c.set_status(v1::HEALTH_DEGRADED);
    c.set_summary("held at " + ShortCommit(hold_.at) + " after rolling back " + ShortCommit(hold_.bad) + " (" +
                  hold_.reason + "); waiting for a new commit on " + options_.remote + "/" + options_.branch);
    (*c.mutable_labels())["held_at"] = hold_.at;
    // Shown, not alerted: the rollback's critical notice already said so.
    (*c.mutable_labels())["expected"] = "true";
  } else {
    if (s.leftovers)
      problem = "a crashed git left a lock or an operation in progress";
    else if (s.branch != options_.branch)
      problem = "on " + (s.branch.empty() ? std::string("a detached HEAD") : "branch " + s.branch) + ", not " +
                options_.branch;
    else if (s.behind > 0 && !ctx_.fleet)
      problem = "behind " + options_.remote + "/" + options_.branch + " by " + std::to_string(s.behind) + " commit(s)";
    else if (gave_up_ && !kept_aside_.empty())
      problem = kept_aside_;
    std::string figures = where + ", ahead " + std::to_string(s.ahead) + ", behind " + std::to_string(s.behind) +
                          (s.dirty ? ", uncommitted edits" : "");
    if (problem.empty()) {
      c.set_status(v1::HEALTH_OK);
      c.set_summary(figures);
      if (ctx_.fleet && s.behind > 0) {
        // Coming through the fleet's rollout, in its order.
        c.set_summary(figures + "; " + ShortCommit(s.upstream) + " comes with the fleet's rollout");
        (*c.mutable_labels())["pending"] = s.upstream;
      }
    } else {
      c.set_status(v1::HEALTH_FAILED);
      c.set_summary(problem + " (" + figures + ")" + (gave_up_ ? "; gave up: " + last_sync_ : ""));
      c.set_gave_up(gave_up_);
      // Behind right after a fetch is what the next sync ends: not worth an
      // alert unless it outlasts that (the orchestrator's grace).
      if (s.behind > 0 && !s.leftovers && s.branch == options_.branch && !gave_up_)
        (*c.mutable_labels())["transient"] = "true";
    }
  }
  if (!last_sync_.empty()) c.set_details("last sync " + FormatTime(last_sync_ms_) + ": " + last_sync_);
  return {c};
}

void GitAgent::EmitSync(const SyncResult& r, const std::string& kind) {
  if (!ctx_.emit) return;
  std::string steps;
  for (const auto& s : r.steps) steps += (steps.empty() ? "" : "; ") + s;
  ctx_.emit(Target(), kind,
            r.message + " [" + ShortCommit(r.head_before) + " -> " + ShortCommit(r.head_after) + "]" +
                (steps.empty() ? "" : ": " + steps));
  for (const auto& b : r.backups) ctx_.emit(Target(), events::kBackup, b);
}

Status GitAgent::Rollback(const std::string& revision, const std::string& reason) {
  SyncResult r = ResetTo(options_, revision);
  EmitSync(r, r.result == "error" ? events::kRollbackFailed : events::kRollback);
  if (r.result == "error") return Status::Error(r.message);
  RepoState now = Inspect(options_);
  hold_.upstream = now.upstream.empty() ? last_.upstream : now.upstream;
  hold_.at = r.head_after;
  hold_.bad = r.head_before;
  hold_.reason = reason;
  SaveHold();
  return Status::Ok();
}

Status GitAgent::Recover(const std::string& target, bool forced) {
  if (forced) {
    gave_up_ = false;
    SetKeptAside("");  // the operator has seen it
    retry_.Reset();
    ClearHold("an operator asked for a sync");
  }
  if (hold_.active()) return Status::Ok();  // held after a rollback until new commits arrive
  if (gave_up_) return Status::Error("gave up: " + last_sync_);
  SteadyTime now = clock_->Now();
  if (!retry_.Ready(now)) return Status::Ok();  // backing off
  SyncOptions o = options_;
  o.stay = ctx_.fleet;  // a fleet's new code comes only through Deploy
  SyncResult r = SyncAndRecord(o, false);
  if (r.result == "conflict") {
    // The tree is at the new head, the operator's edits are in a stash: a
    // person decides whether they come back. Said until then, not green.
    GiveUp();
    SetKeptAside(r.message);
    return Status::Error(last_sync_);
  }
  if (r.result != "error") {
    retry_.Reset();
    return Status::Ok();
  }
  if (NeedsPerson(r.error_kind)) {
    GiveUp();
    return Status::Error(last_sync_);
  }
  retry_.Failed(now);
  return Status::Error(last_sync_);
}

void GitAgent::GiveUp() {
  gave_up_ = true;
  gave_up_upstream_ = Inspect(options_).upstream;  // as the sync's fetch left it
  if (ctx_.emit) ctx_.emit(Target(), events::kGaveUp, last_sync_);
}

SyncResult GitAgent::SyncAndRecord(const SyncOptions& options, bool always) {
  SyncResult r = Sync(options);
  last_sync_ = r.result + (r.error_kind.empty() ? "" : " (" + r.error_kind + ")") + ": " + r.message;
  last_sync_ms_ = clock_->WallMs();
  EmitSync(r, "sync_" + r.result);
  if (r.result != "error" && !r.head_after.empty() && (always || r.head_after != r.head_before) && ctx_.emit_event) {
    // New code is in place: the orchestrator's pipeline takes it from here.
    v1::Event e;
    e.set_target(Target());
    e.set_kind(events::kNewRevision);
    e.set_revision(r.head_after);
    e.set_detail(DescribeCommit(options_, r.head_after));
    ctx_.emit_event(e);
  }
  return r;
}

Status GitAgent::Deploy(const std::string& revision) {
  // A fleet's rollout: exactly this commit, whatever the tip is now.
  SyncOptions o = options_;
  o.to_revision = revision;
  ClearHold("the fleet deploys " + ShortCommit(revision));
  SyncResult r = SyncAndRecord(o, true);
  if (r.result == "error") return Status::Error(last_sync_);
  if (r.head_after.rfind(revision, 0) != 0 && revision.rfind(r.head_after, 0) != 0)
    return Status::Error("asked for " + ShortCommit(revision) + ", HEAD is " + ShortCommit(r.head_after) +
                         " (local commits on top?)");
  return Status::Ok();
}

std::optional<Millis> GitAgent::NextCheckWithin() { return retry_.Remaining(clock_->Now()); }

}  // namespace redundancy::git
