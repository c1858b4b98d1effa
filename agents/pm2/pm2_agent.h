// redundancy-agent-pm2: keeps a project's PM2 apps running, for the failures
// PM2 itself leaves broken. Talks to the PM2 daemon over its own sockets
// (rpc.sock for lists and actions, pub.sock for events), and falls back to the
// pm2 CLI only when the sockets cannot be used.
//
// Checks (one per app, "pm2:<name>", plus "pm2:daemon" and one per ecosystem
// file): errored; exited without restart when nobody asked it to stop; a
// restart storm; memory over max_memory for memory_samples checks; a failing
// health probe; an expected app PM2 no longer lists. Recovery is per app, with
// max_restart_attempts and exponential backoff from restart_delay; a killed
// PM2 daemon is restarted and its apps restored from the agent's own snapshot.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agents/pm2/app_list.h"
#include "agents/pm2/bus.h"
#include "agents/pm2/crash_cause.h"
#include "agents/pm2/ecosystem.h"
#include "agents/pm2/log_rotate.h"
#include "agents/pm2/recovery_state.h"
#include "agents/pm2/rpc.h"
#include "agents/pm2/settings.h"
#include "agents/runtime/agent.h"
#include "agents/runtime/poison.h"
#include "common/backoff.h"
#include "common/clock.h"

namespace redundancy::pm2 {

enum class Failure { kNone, kErrored, kExited, kStorm, kMemory, kProbe, kMissing, kDaemonDown };

// What the agent remembers of one app between checks.
struct AppTrack {
  int pm_id = -1;
  pid_t pid = 0;
  uint64_t start_time = 0;
  int last_restart_time = -1;
  std::deque<SteadyTime> exits;  // for storm detection
  bool intentional_stop = false;
  bool crashed = false;  // an exit PM2 did not follow with a restart (autorestart off)
  bool paused = false;   // redundancyctl pause pm2:<app>
  int memory_over = 0;
  int probe_failures = 0;
  Failure failure = Failure::kNone;
  std::string failure_text;
  int64_t last_failure_ms = 0;
  std::string last_failure;
  std::string error_tail;    // the last lines of its error log when it last failed
  CrashCause cause;          // what those lines say killed it, when it is outside the code
  std::string cause_holder;  // "pid N (comm)" holding its port
  // recovery
  int attempts = 0;
  SteadyTime next_attempt{};
  int our_restarts = 0;
  SteadyTime restarted_at{};                          // our last restart: exits before it do not make a storm any more
  RecoveryState recovery = RecoveryState::kWatching;  // recovery_state.h
  bool gave_up() const { return GaveUp(recovery); }
  bool storm_stopped() const { return StormStopped(recovery); }
  void On(RecoveryEvent e) { recovery = Next(recovery, e); }
  bool backup_started = false;
  bool deleting = false;   // we asked PM2 to delete it (a backup): not the operator
  bool stopping = false;   // we asked PM2 to stop it (a restart storm): not the operator
  double up_since_ms = 0;  // pm_uptime of the current run, to tell a stable run from a crash loop
};

class Pm2Agent : public Agent {
 public:
  explicit Pm2Agent(Clock* clock) : clock_(clock) {}
  std::string Kind() const override { return "pm2"; }
  Status Configure(const AgentContext& ctx) override;
  std::vector<v1::CheckResult> Check() override;
  Status Recover(const std::string& target, bool forced) override;
  Status Deploy(const std::string& revision) override;  // graceful reload (pm2_deploy.cc)
  std::vector<int> WatchedFds() override;
  bool OnReadable(int fd) override;
  std::optional<Millis> NextCheckWithin() override;
  Status SetTargetPaused(const std::string& target, bool paused) override;

 private:
  // Lists the apps (RPC, else CLI). Sets daemon_down_ / via_cli_.
  Result<std::vector<AppInfo>> ListApps();
  Status Act(const std::string& method, int pm_id);  // restart/stop/delete through RPC or CLI
  void ApplyBusEvents();
  void Evaluate(const AppInfo& app, AppTrack& t, SteadyTime now);
  v1::CheckResult Describe(const std::string& name, const AppInfo* app, const AppTrack& t) const;
  Status RecoverApp(const std::string& name, AppTrack& t, bool forced);
  // A failed app held back (backing off, given up) by a cause outside its
  // code: true while the cause lasts; when it is gone, the budget starts
  // over so the next recovery restarts it at once (pm2_recovery.cc).
  bool WaitsOnCause(const std::string& name, AppTrack& t, SteadyTime now);
  Status RestoreDaemon();
  // Starts a PM2 daemon in pm2_home that is nobody's child here (pm2_daemon.cc).
  Status StartDaemon();
  std::string LaunchDaemonOnce(std::string* how);
  // PM2's Daemon.js started by node directly (what `pm2 ping` does, without
  // the CLI's own start-up), detached into a session of its own; "" and *how
  // on success, else why not (the caller falls back to `pm2 ping`).
  std::string LaunchDaemonDirect(std::string* how);
  // Starts every expected app PM2 does not list, from its ecosystem file.
  Status StartMissingFromEcosystems(const std::set<std::string>& listed, int* started);
  // pm2_ecosystems.cc
  Ecosystem LoadEcosystemGuarded(const std::string& file);
  void RefreshEcosystems();
  Status StartFromDefinition(const std::string& name, const std::string& as_name, bool backup);
  void SaveSnapshot(const std::vector<AppInfo>& list);
  // The snapshot lives on disk only (it holds every app's environment): read when needed.
  nlohmann::json ReadSnapshot() const;
  bool DaemonAlive() const;
  pid_t DaemonPidFile() const;  // pm2.pid's content (0 when none)
  std::string SnapshotPath() const;
  // Apps the operator deleted, kept across agent restarts (state_dir/pm2/operator_deleted.json).
  std::string OperatorDeletedPath() const;
  void SaveOperatorDeleted();
  void RecordOperatorDelete(const std::string& name);
  std::vector<std::pair<std::string, std::string>> Pm2Env() const;
  // pm2:logs: rotation of the app logs and the disk under them (pm2_logs.cc).
  v1::CheckResult CheckLogs(const std::map<std::string, const AppInfo*>& apps);

  Clock* clock_;
  AgentContext ctx_;
  PoisonRegistry poison_;  // an ecosystem file that kills the loader is reported, not a crash loop
  Settings settings_;
  std::unique_ptr<RpcClient> rpc_;
  std::vector<Ecosystem> ecosystems_;
  std::map<std::string, std::string> ecosystem_prints_;  // file -> FileFingerprint when last loaded
  std::set<std::string> expected_;
  std::map<std::string, int64_t> operator_deleted_;  // app -> when (epoch ms)
  bool expected_from_config_ = false;
  std::map<std::string, AppTrack> tracks_;
  bool has_snapshot_ = false;       // SnapshotPath() holds at least one app (pm2_env per app, as `prepare` takes it)
  std::string last_list_raw_;       // the text of the last list, parsed in full only to rewrite the snapshot
  bool last_list_is_reply_ = true;  // {"args":[[...]]} (RPC) rather than [...] (CLI)
  std::string snapshot_key_;
  bool daemon_down_ = false;
  Backoff restore_backoff_{Millis(1000), Millis(60'000)};  // between failed attempts to start a daemon
  bool via_cli_ = false;
  std::string cli_reason_;
  std::string pm2_version_;
  uint64_t logs_rotated_ = 0;
  bool logs_resumed_ = false;  // SIGCONT sent once to every app after a start of this agent

  // Shared with the event-loop thread.
  mutable std::mutex mu_;
  BusSubscriber bus_;
  std::vector<BusEvent> pending_events_;
  bool bus_lost_ = false;
  std::optional<Millis> next_check_within_;
};

}  // namespace redundancy::pm2
