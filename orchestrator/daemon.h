// redundancyd's core: one event loop that owns the agent sockets, the control
// socket, signals (through a signalfd), the supervisors, the health model and
// the history. Run() returns the process exit code.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/paths.h"
#include "common/process/process.h"
#include "common/store/store.h"
#include "common/transport/transport.h"
#include "orchestrator/agent_supervisor.h"
#include "orchestrator/alerting.h"
#include "orchestrator/control_reply.h"
#include "orchestrator/control_server.h"
#include "orchestrator/fleet.h"
#include "orchestrator/health_model.h"
#include "orchestrator/http_publisher.h"
#include "orchestrator/journal.h"
#include "orchestrator/launcher.h"
#include "orchestrator/pipeline_driver.h"
#include "orchestrator/report.h"

namespace redundancy {

struct DaemonOptions {
  std::string agent_dir;  // where the built-in agent binaries are
  bool debug = false;
  int ready_fd = -1;  // --daemon: write 0 when every agent is ready, 1 on failure
  // When a PM2 runs redundancyd as one of its apps: {its PM2_HOME, the app's name}.
  std::pair<std::string, std::string> hosting_pm2;
  // Who started redundancyd (systemd, a PM2, or nobody: `redundancyctl start`, a shell).
  v1::Launcher started_by;
  // For a daemon inside a test process: agents started by this launcher and
  // sockets on this context at these endpoints (inproc://). Defaults: child
  // processes, a context of its own, ipc:// sockets in state_dir/run.
  // redundancyd's own log (redundancyd.log): set up by main, and set up again
  // by a reload that changes logging.*. Off in a test process.
  bool own_logging = false;
  bool log_to_stderr = true;
  AgentLauncher* launcher = nullptr;
  transport::Context* context = nullptr;
  std::string agents_endpoint, control_endpoint;
};

// redundancyd's own log as logging.* says.
LogOptions DaemonLogOptions(const Config& config, bool debug, bool to_stderr);

// An automatic recovery not answered within this is taken as lost (the
// longest legitimate one, an npm reinstall, has a 10 minute timeout).
inline constexpr std::chrono::minutes kRecoverReplyTimeout{30};
// The longest the event loop sleeps with nothing due.
inline constexpr std::chrono::minutes kKeepAwake{1};

class Daemon : public AgentOps {
 public:
  Daemon(Config config, DaemonOptions options, Clock* clock);
  ~Daemon() override;
  int Run();

  // AgentOps
  Result<pid_t> Spawn(const std::string& agent) override;
  void Signal(pid_t pid, int sig) override;
  void SendShutdown(const std::string& agent) override;
  void Probe(const std::string& agent) override;
  void Record(const std::string& agent, const std::string& kind, const std::string& detail) override;

 private:
  struct AgentSlot {
    std::unique_ptr<AgentSupervisor> sup;
    SystemConfig config;
    std::string identity;       // routing id of the live connection, empty when none
    std::string gone_identity;  // of the agent process that exited last: its late messages are not garbage
    bool remove_when_stopped = false;
    uint64_t recover_in_flight = 0;  // id of an automatic RECOVER not answered yet
    bool recover_queued = false;     // waits for one of max_concurrent_recoveries
    SteadyTime recover_sent{};       // when recover_in_flight was sent
    // The last automatic RECOVER did nothing (the agent waits on its own, a
    // backoff): not asked again before its next report, or it would be a loop.
    bool recover_idle = false;
    std::string welcome;  // the Welcome it last got (serialized): a reload that changes it is sent
  };

  Status Setup();
  void Loop();
  void HandleSignals();
  void HandleExits();
  void RemoveStopped();  // agents a reload removed, once they have stopped
  std::string AgentsEndpoint() const;
  void HandleAgentMessage(const transport::Incoming& in);
  void HandleHello(const transport::Incoming& in, const v1::Hello& hello);
  std::optional<v1::ControlResponse> HandleControl(const v1::ControlRequest& req, const ControlCaller& caller);
  void HandleCommandResult(const v1::CommandResult& result);
  v1::ControlResponse FinishPending(const PendingControl& p);
  v1::ControlResponse Reload();
  Status ApplyConfig(const Config& next);
  void AddAgent(const SystemConfig& sc);
  // Sends a pipeline step's command to its agent: its id, nullopt when the agent is not connected.
  std::optional<uint64_t> SendStep(const Pipeline::Step& step);
  // Gives `cmd` the next id (in *id) and sends it to the system's agent (a
  // RELOAD with the Welcome it would get now); false when not connected or not sent.
  bool Send(const std::string& system, v1::Command cmd, uint64_t* id);
  bool SendCommand(const std::string& system, v1::Command::Kind kind, const std::string& target, uint64_t* id,
                   bool forced = false);
  void MaybeAutoRecover(AgentSlot& slot);
  // MaybeAutoRecover for every system, upstream first: with at most
  // orchestrator.max_concurrent_recoveries under way, the first in that order go.
  void AutoRecoverInOrder();
  int RecoveriesInFlight() const;
  // The KPIs from `since_ms` to now, from the history (daemon_report.cc).
  Result<Report> ComputeHistoryReport(int64_t since_ms) const;
  v1::Welcome MakeWelcome(const SystemConfig& sc) const;
  v1::StatusSnapshot Snapshot() const;
  void Tick();
  void CheckAllReady();
  void BeginShutdown(const std::string& why);
  std::chrono::milliseconds NextTimeout() const;
  AgentSlot* FindByIdentity(const std::string& identity);
  SupervisionTimes Times() const;
  void NoteGarbage(const char* where, const std::string& detail);
  // The HTTP endpoint (daemon_http.cc): started or moved when http.* changes,
  // fed a fresh view at most every 250 ms.
  void ConfigureHttp();
  void PublishHttp(bool now = false);
  HttpView MakeView() const;
  // Health changes into the journal (history and log, no alert: ObserveChecks does that).
  void NoteTransitions(const std::vector<Transition>& transitions);
  // Alerts (daemon_alerts.cc).
  // An agent given up on: its system is failed (a synthetic agent:<system> check), and alerted.
  void ObserveAgent(const std::string& system, bool gave_up, const std::string& detail);
  // The fleet (daemon_fleet.cc): joined, left or joined again as fleet.* says.
  void ConfigureFleet();
  // What the fleet asks of this host (deploy, roll back, alerts, history).
  void HandleFleetEvents();
  // This host as the fleet sees it, given to the coordinator when it changed.
  void UpdateFleet();

  Config config_;
  DaemonOptions options_;
  Clock* clock_;
  Paths paths_;
  std::mt19937_64 rng_;
  SteadyTime started_;
  int pid_lock_fd_ = -1;

  std::unique_ptr<process::SignalChannel> signals_;
  ProcessLauncher process_launcher_;
  AgentLauncher* launcher_;
  std::unique_ptr<transport::Context> own_ctx_;
  transport::Context* ctx_ = nullptr;
  std::unique_ptr<transport::Router> agents_sock_;
  std::optional<Store> store_;
  HealthModel health_;
  Journal journal_;

  std::map<std::string, AgentSlot> agents_;
  std::set<std::string> paused_;  // systems and single targets ("pm2:api")
  PipelineDriver pipeline_;
  uint64_t next_command_id_ = 1;
  uint64_t heartbeat_seq_ = 0;  // probes sent
  SteadyTime next_prune_{};
  uint64_t health_changes_ = 0;  // transitions so far: the page's report is made again after one
  // Since start, for /metrics: entries into failed by (system, target), and
  // how long each took to leave failed, by system.
  std::map<std::pair<std::string, std::string>, uint64_t> incidents_;
  std::map<std::string, int64_t> failed_since_ms_;  // target -> when it entered failed
  std::map<std::string, RecoveryHistogram> recovery_durations_;
  // The page's 7-day report, made on the HTTP thread from a reader of the history.
  HttpEndpoint::ReportSource PageReportSource() const;
  void CountIncidents(const Transition& t);
  SteadyTime next_history_retry_{};
  SteadyTime next_watchdog_{};
  std::chrono::microseconds watchdog_usec_{0};
  bool all_ready_notified_ = false;
  bool shutting_down_ = false;
  SteadyTime shutdown_deadline_{};
  int exit_code_ = 0;
  uint64_t garbage_count_ = 0;
  HttpPublisher http_;
  Alerting alerting_;
  FleetCoordinator fleet_;
  uint64_t fleet_deploy_cmd_ = 0;  // the DEPLOY sent to git for the fleet
  std::string fleet_deploy_commit_;
  int64_t fleet_healthy_since_ms_ = 0;
  ControlServer control_;
};

}  // namespace redundancy
