// Every kind of event the history records, in one list: agents emit them,
// the daemon and the pipeline record them, `alerts.events` names them (config
// validation refuses a name that is not here), the README documents them.
// Use the constants (events::kGaveUp), never a string literal, so that a typo
// is a compile error rather than an alert that silently never fires.
#pragma once

#include <string_view>

namespace redundancy::events {

// X(constant, name, who records it, what it means)
#define REDUNDANCY_EVENT_KINDS(X)                                                                                     \
  /* any agent */                                                                                                     \
  X(kGaveUp, "gave_up", "agent", "a target's recovery budget is spent; it waits for an operator")                     \
  X(kBackup, "backup", "agent", "something was moved aside before it was replaced")                                   \
  /* pm2 */                                                                                                           \
  X(kDaemonRestored, "daemon_restored", "pm2", "the PM2 daemon was started again and its apps resurrected")           \
  X(kRecovered, "recovered", "pm2, custom", "an app was restarted; a custom system's recover steps ran")              \
  X(kRecoveryFailed, "recovery_failed", "pm2, custom", "an app's restart or a recover step failed")                   \
  X(kStormStopped, "storm_stopped", "pm2", "an app restarting too often was stopped for a backoff")                   \
  X(kCauseCleared, "cause_cleared", "pm2", "what made an app crash is gone; it is restarted now")                     \
  X(kBackupStarted, "backup_started", "pm2", "a backup app stands in for a failing one")                              \
  X(kBackupSkipped, "backup_skipped", "pm2", "no backup: it would run the same crashing code")                        \
  X(kBackupFailed, "backup_failed", "pm2", "the backup app did not start")                                            \
  X(kBackupRemoved, "backup_removed", "pm2", "the primary is healthy again; its backup is gone")                      \
  X(kOperatorDeleted, "operator_deleted", "pm2", "an operator deleted an app; it is left alone")                      \
  X(kLogsRotated, "logs_rotated", "pm2", "PM2 app logs were rotated")                                                 \
  X(kReloaded, "reloaded", "pm2", "apps reloaded on a new commit (pipeline)")                                         \
  X(kReloadFailed, "reload_failed", "pm2", "a reload on a new commit failed (pipeline)")                              \
  /* git */                                                                                                           \
  X(kSyncOk, "sync_ok", "git", "the checkout was synced with its remote")                                             \
  X(kSyncError, "sync_error", "git", "a sync failed")                                                                 \
  X(kSyncConflict, "sync_conflict", "git", "local edits conflicted with the new commits; they are kept aside")        \
  X(kNewRevision, "new_revision", "git", "new code is in place; the pipeline takes it from here")                     \
  X(kRollback, "rollback", "git", "the checkout was returned to the last good commit")                                \
  X(kRollbackFailed, "rollback_failed", "git", "a rollback failed")                                                   \
  X(kHoldReleased, "hold_released", "git", "a rollback's hold on the checkout ended")                                 \
  /* build */                                                                                                         \
  X(kValidateOk, "validate_ok", "build", "the validate command passed")                                               \
  X(kValidateFailed, "validate_failed", "build", "the validate command failed")                                       \
  X(kDepsReinstalled, "deps_reinstalled", "build", "node_modules was reinstalled")                                    \
  X(kDepsReinstallFailed, "deps_reinstall_failed", "build", "a reinstall of node_modules failed")                     \
  X(kDepsRestored, "deps_restored", "build", "the old node_modules was put back after a failed reinstall")            \
  X(kRestoredFromGit, "restored_from_git", "build", "a corrupt package.json or lock file was restored from HEAD")     \
  /* netlify */                                                                                                       \
  X(kFunctionRestored, "function_restored", "netlify", "a deleted function was restored from HEAD")                   \
  X(kFunctionRetired, "function_retired", "netlify", "a function deleted by a commit was accepted as gone")           \
  X(kCountReset, "count_reset", "netlify", "the function count became the new baseline")                              \
  X(kManifestRegenerated, "manifest_regenerated", "netlify", "the functions manifest was written again")              \
  /* workflows */                                                                                                     \
  X(kWorkflowRestored, "workflow_restored", "workflows", "a broken or deleted workflow was restored")                 \
  X(kWorkflowRetired, "workflow_retired", "workflows", "a workflow deleted by a commit was accepted as gone")         \
  X(kWorkflowLocalRun, "workflow_local_run", "workflows", "a workflow ran locally and passed")                        \
  X(kWorkflowLocalRunFailed, "workflow_local_run_failed", "workflows", "a workflow ran locally and failed")           \
  /* the daemon */                                                                                                    \
  X(kDaemonStart, "daemon_start", "daemon", "redundancyd started")                                                    \
  X(kDaemonShutdown, "daemon_shutdown", "daemon", "redundancyd was asked to stop")                                    \
  X(kDaemonStop, "daemon_stop", "daemon", "redundancyd stopped")                                                      \
  X(kDatabaseCorrupt, "database_corrupt", "daemon", "the history database was damaged and moved aside")               \
  X(kHistoryWriteFailed, "history_write_failed", "daemon", "the history database refuses writes")                     \
  X(kHttpError, "http_error", "daemon", "the HTTP endpoint could not start")                                          \
  X(kReload, "reload", "daemon", "the configuration was reloaded")                                                    \
  X(kReloadRejected, "reload_rejected", "daemon", "a new configuration was refused; the old one runs")                \
  X(kControl, "control", "daemon", "an operator's control command")                                                   \
  X(kControlDenied, "control_denied", "daemon", "a control command was refused")                                      \
  X(kHealth, "health", "daemon", "a target's health changed")                                                         \
  X(kAgentStart, "agent_start", "daemon", "an agent process was started")                                             \
  X(kAgentReady, "agent_ready", "daemon", "an agent is connected and configured")                                     \
  X(kAgentExit, "agent_exit", "daemon", "an agent process exited")                                                    \
  X(kAgentHung, "agent_hung", "daemon", "an agent stopped answering heartbeats and was killed")                       \
  X(kAgentRestart, "agent_restart", "daemon", "an operator restarted an agent")                                       \
  X(kAgentBackoff, "agent_backoff", "daemon", "an agent is restarted after a delay")                                  \
  X(kAgentGaveUp, "agent_gave_up", "daemon", "an agent crashed too often; its system is failed")                      \
  X(kAgentSpawnFailed, "agent_spawn_failed", "daemon", "an agent binary could not be started")                        \
  /* the pipeline */                                                                                                  \
  X(kPipelineStart, "pipeline_start", "pipeline", "a new commit goes through the steps")                              \
  X(kPipelineStep, "pipeline_step", "pipeline", "a step of the pipeline ended")                                       \
  X(kPipelineDone, "pipeline_done", "pipeline", "a commit went through every step")                                   \
  X(kPipelineSkip, "pipeline_skip", "pipeline", "a queued commit was superseded before it ran")                       \
  X(kPipelineRollback, "pipeline_rollback", "pipeline", "a failed commit was rolled back")                            \
  X(kPipelineGood, "pipeline_good", "pipeline", "the code in place was adopted as the last good commit")              \
  X(kPipelineResume, "pipeline_resume", "pipeline", "a deploy cut short is run again")                                \
  X(kCritical, "critical", "pipeline", "a commit failed and the site may be affected")                                \
  /* the fleet */                                                                                                     \
  X(kFleetJoined, "fleet_joined", "fleet", "this host joined its fleet (a new etcd lease)")                           \
  X(kFleetEtcdDown, "fleet_etcd_down", "fleet", "etcd is unreachable: deploys are held, local recovery goes on")      \
  X(kFleetEtcdBack, "fleet_etcd_back", "fleet", "etcd answers again")                                                 \
  X(kFleetLeader, "fleet_leader", "fleet", "a host took the fleet's alerting duties")                                 \
  X(kFleetHostLost, "fleet_host_lost", "fleet", "a host's lease expired: its machine or its redundancyd died")        \
  X(kFleetHostBack, "fleet_host_back", "fleet", "a lost host is back (or stopped on purpose)")                        \
  X(kFleetRollout, "fleet_rollout", "fleet", "a new commit's rollout started")                                        \
  X(kFleetDeploy, "fleet_deploy", "fleet", "a host took a rollout lock and deploys a commit")                         \
  X(kFleetDeployFailed, "fleet_deploy_failed", "fleet", "git could not take the rollout's commit; asked again later") \
  X(kFleetBaked, "fleet_baked", "fleet", "a canary stayed healthy for the bake")                                      \
  X(kFleetBadCommit, "fleet_bad_commit", "fleet", "a commit failed somewhere: no host deploys it")                    \
  X(kFleetRollBack, "fleet_rollback", "fleet", "a host rolls back a commit marked bad")                               \
  X(kFleetLastGood, "fleet_last_good", "fleet", "every host runs a commit: the group's last good one")                \
  /* alerts */                                                                                                        \
  X(kAlertFiring, "alert_firing", "alerts", "an alert started firing")                                                \
  X(kAlertResolved, "alert_resolved", "alerts", "an alert ended")                                                     \
  X(kAlertEvent, "alert_event", "alerts", "a one-shot alert was raised by an event")

#define REDUNDANCY_EVENT_CONSTANT(id, name, from, meaning) inline constexpr const char* id = name;
REDUNDANCY_EVENT_KINDS(REDUNDANCY_EVENT_CONSTANT)
#undef REDUNDANCY_EVENT_CONSTANT

struct KindInfo {
  std::string_view name;
  std::string_view from;
  std::string_view meaning;
};

#define REDUNDANCY_EVENT_INFO(id, name, from, meaning) KindInfo{name, from, meaning},
inline constexpr KindInfo kAllKinds[] = {REDUNDANCY_EVENT_KINDS(REDUNDANCY_EVENT_INFO)};
#undef REDUNDANCY_EVENT_INFO

// Whether `name` is in the list.
constexpr bool IsKnown(std::string_view name) {
  for (const auto& k : kAllKinds) {
    if (k.name == name) return true;
  }
  return false;
}

}  // namespace redundancy::events
