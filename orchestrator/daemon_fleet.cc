// The daemon's side of the fleet (orchestrator/fleet.h coordinates through
// etcd): what this host is, told to the coordinator; what the fleet asks,
// carried out here (a DEPLOY to git, a rollback through the pipeline, the
// lost-host alert, the history).
#include <spdlog/spdlog.h>

#include "common/constants.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/status_render.h"
#include "orchestrator/daemon.h"

namespace redundancy {

void Daemon::ConfigureFleet() {
  const FleetConfig& want = config_.fleet;
  if (fleet_.running() && want.enabled() && !(fleet_.config() == want) && fleet_.Reconfigure(want)) {
    spdlog::info("fleet: rollout settings now canary {}, max_parallel {}, bake {}", want.canary, want.max_parallel,
                 FormatDuration(want.bake));
    return;
  }
  if (fleet_.running() && (!want.enabled() || !(fleet_.config() == want))) {
    spdlog::info("fleet: leaving {}", fleet_.config().group);
    fleet_.Stop(/*clean=*/true);
  }
  if (want.enabled() && !fleet_.running()) {
    spdlog::info("fleet: joining {} as {} through {}", want.group, want.name, want.etcd.front());
    fleet_.Start(want, kVersion);
  }
}

void Daemon::UpdateFleet() {
  if (!fleet_.running()) return;
  fleet::LocalState l;
  int worst = 0;  // 0 ok, 1 degraded, 2 failed
  for (const auto& sc : config_.systems) {
    if (!health_.Reported(sc.name)) continue;
    HealthStatus h = health_.Health(sc.name);
    int level = h == v1::HEALTH_FAILED || h == v1::HEALTH_BLOCKED ? 2 : h == v1::HEALTH_DEGRADED ? 1 : 0;
    if (level == 0) continue;
    worst = std::max(worst, level);
    l.detail += (l.detail.empty() ? "" : ", ") + sc.name + " " + HealthName(h);
  }
  l.state = worst == 2 ? "failed" : worst == 1 ? "degraded" : "ok";
  for (const auto& c : health_.Checks("git")) {
    if (auto it = c.labels().find("head"); it != c.labels().end() && !it->second.empty()) l.commit = it->second;
    if (auto it = c.labels().find("upstream"); it != c.labels().end() && !it->second.empty()) l.upstream = it->second;
  }
  v1::PipelineStatus p = pipeline_.Snapshot();
  l.deployed = p.last_good();
  l.pipeline_running = pipeline_.running();
  l.pipeline_revision = p.revision();
  l.pipeline_result = p.last_result();
  l.pipeline_detail = p.last_detail();
  l.pipeline_finished_ms = p.last_finished_ms();
  if (worst == 2) {
    fleet_healthy_since_ms_ = 0;
  } else if (fleet_healthy_since_ms_ == 0) {
    fleet_healthy_since_ms_ = clock_->WallMs();
  }
  l.healthy_since_ms = fleet_healthy_since_ms_;
  fleet_.SetLocal(l);
}

void Daemon::HandleFleetEvents() {
  for (auto& e : fleet_.TakeEvents()) {
    switch (e.kind) {
      case FleetEvent::Kind::kDeploy: {
        v1::Command cmd;
        cmd.set_kind(v1::Command::DEPLOY);
        cmd.set_revision(e.commit);
        uint64_t id = 0;
        if (!Send("git", cmd, &id)) {
          fleet_.OnDeployResult(e.commit, false, "the git agent is not connected");
          break;
        }
        fleet_deploy_cmd_ = id;
        fleet_deploy_commit_ = e.commit;
        spdlog::info("fleet: deploying {} (the rollout's turn of this host)", ShortCommit(e.commit));
        break;
      }
      case FleetEvent::Kind::kRollBack:
        if (!pipeline_.RollBackBad(e.commit, fleet_.Snapshot().last_good(), "marked bad by the fleet: " + e.detail))
          spdlog::warn("fleet: cannot roll back {} now (a deploy runs, or no good commit to go to)",
                       ShortCommit(e.commit));
        break;
      case FleetEvent::Kind::kHostLost:
      case FleetEvent::Kind::kHostBack:
        alerting_.ObserveFleetHost(e.host, e.kind == FleetEvent::Kind::kHostLost, e.detail);
        alerting_.Tick(true);
        break;
      case FleetEvent::Kind::kNote:
        journal_.Note({.system = "fleet",
                       .kind = e.note_kind,
                       .detail = e.detail,
                       .level = e.warning ? JournalEntry::Level::kWarn : JournalEntry::Level::kInfo});
        break;
    }
  }
  http_.MarkChanged();
}

}  // namespace redundancy
