#include "orchestrator/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/constants.h"
#include "common/dependency_graph.h"
#include "common/event_kinds.h"
#include "common/logging.h"
#include "common/trim.h"

namespace redundancy {
namespace {

constexpr size_t kTrimAfterBytes = 256 * 1024;

int64_t ToMs(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Daemon::Daemon(Config config, DaemonOptions options, Clock* clock)
    : config_(std::move(config)),
      options_(std::move(options)),
      clock_(clock),
      paths_(config_.state_dir),
      rng_(std::random_device{}()),
      launcher_(options_.launcher ? options_.launcher : &process_launcher_),
      journal_(clock),
      pipeline_(clock, &journal_, [this](const Pipeline::Step& step) { return SendStep(step); }),
      http_(clock),
      alerting_(clock, &journal_),
      control_(&journal_, [this](const char* where, const std::string& what) { NoteGarbage(where, what); }) {
  journal_.OnChange([this] { http_.MarkChanged(); });
  alerting_.OnChange([this] { http_.MarkChanged(); });
  // A run that ends lets the forward recoveries it held back go.
  pipeline_.OnIdle([this] { AutoRecoverInOrder(); });
}

Daemon::~Daemon() {
  if (pid_lock_fd_ >= 0) close(pid_lock_fd_);
}

SupervisionTimes Daemon::Times() const {
  const auto& o = config_.orchestrator;
  return {o.heartbeat_interval, o.heartbeat_liveness, o.start_timeout, o.stop_grace};
}

Status Daemon::Setup() {
  if (Status s = PrepareRuntimeDirs(paths_); !s.ok()) return s;
  // One daemon per state_dir: an exclusive lock on the pid file.
  pid_lock_fd_ = open(paths_.PidFile().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (pid_lock_fd_ < 0) return Status::Error("cannot open " + paths_.PidFile() + ": " + std::strerror(errno));
  if (flock(pid_lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = pread(pid_lock_fd_, buf, sizeof buf - 1, 0);
    std::string other = n > 0 ? std::string(buf) : "?";
    while (!other.empty() && (other.back() == '\n' || other.back() == ' ')) other.pop_back();
    return Status::Error("another redundancyd (pid " + other + ") already uses state_dir " + config_.state_dir);
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(pid_lock_fd_, 0) != 0 || pwrite(pid_lock_fd_, pid.data(), pid.size(), 0) < 0) {
    return Status::Error("cannot write " + paths_.PidFile());
  }
  auto store = Store::Open(paths_.Database());
  if (!store.ok()) return store.status();
  store_.emplace(std::move(store.value()));
  journal_.Attach(&*store_, alerting_.engine());
  // Recorded once the loop runs (Run), with the alerts set up.
  pipeline_.Setup(&*store_);

  auto sig = process::SignalChannel::Create({SIGCHLD, SIGTERM, SIGINT, SIGHUP});
  if (!sig.ok()) return sig.status();
  signals_ = std::make_unique<process::SignalChannel>(std::move(sig.value()));
  signal(SIGPIPE, SIG_IGN);
  alerting_.Setup(&*store_,
                  paths_.Database());  // starts a thread: after the signal mask is set, so that it never takes SIGTERM
  // Not a child subreaper: a PM2 daemon the PM2 agent starts detaches into a
  // session of its own and must be nobody's descendant here, or a stop of
  // redundancyd (PM2's tree-kill, a cgroup kill) takes it and every app along.
  // Each agent leads a process group instead; what an agent leaves behind
  // when it dies is killed with its group (HandleSignals).

  if (options_.context) {
    ctx_ = options_.context;
  } else {
    own_ctx_ = std::make_unique<transport::Context>();
    ctx_ = own_ctx_.get();
  }
  agents_sock_ = std::make_unique<transport::Router>(*ctx_, AgentsEndpoint());
  if (Status s = agents_sock_->Bind(0600); !s.ok()) return s;
  if (Status s = control_.Bind(
          *ctx_, options_.control_endpoint.empty() ? paths_.ControlEndpoint() : options_.control_endpoint);
      !s.ok()) {
    return s;
  }

  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = std::chrono::microseconds(usec);
  return Status::Ok();
}

std::string Daemon::AgentsEndpoint() const {
  return options_.agents_endpoint.empty() ? paths_.AgentsEndpoint() : options_.agents_endpoint;
}

int Daemon::Run() {
  started_ = clock_->Now();
  if (Status s = Setup(); !s.ok()) {
    spdlog::error("{}", s.message());
    if (options_.ready_fd >= 0) {
      unsigned char b = 1;
      (void)!write(options_.ready_fd, &b, 1);
    }
    return 1;
  }
  AddSecrets(config_.secrets);
  Record("", events::kDaemonStart, "pid " + std::to_string(getpid()) + " config " + config_.file);
  if (!store_->moved_aside().empty()) {
    Record("", events::kDatabaseCorrupt,
           "the history database was damaged and moved aside as " + store_->moved_aside() + "; a new one was started");
  }
  spdlog::info("redundancyd {} started (pid {}), config {}, {} system(s)", kVersion, getpid(), config_.file,
               config_.systems.size());
  for (const auto& w : config_.warnings) spdlog::warn("config: {}", w);
  if (Status s = ApplyConfig(config_); !s.ok()) spdlog::error("{}", s.message());
  next_prune_ = clock_->Now();
  Loop();
  fleet_.Stop(/*clean=*/true);  // on purpose: the others do not take this host for lost
  http_.Stop();
  alerting_.Stop(/*failed=*/exit_code_ != 0);
  Record("", events::kDaemonStop, "exit code " + std::to_string(exit_code_));
  unlink(paths_.ControlSocket().c_str());
  unlink(paths_.AgentsSocket().c_str());
  unlink(paths_.PidFile().c_str());
  spdlog::info("redundancyd stopped");
  spdlog::default_logger()->flush();
  return exit_code_;
}

void Daemon::Loop() {
  transport::Poller poller;
  size_t agents_i = poller.AddSocket(agents_sock_->handle());
  size_t control_i = poller.AddSocket(control_.handle());
  size_t signal_i = poller.AddFd(signals_->fd());
  int exit_fd = launcher_->ExitFd();
  size_t exit_i = exit_fd >= 0 ? poller.AddFd(exit_fd) : SIZE_MAX;
  size_t fleet_i = poller.AddFd(fleet_.wake_fd());
  while (true) {
    if (Status s = poller.Wait(NextTimeout()); !s.ok()) {
      spdlog::error("{}", s.message());
      exit_code_ = 1;
      return;
    }
    if (poller.Ready(signal_i)) HandleSignals();
    if (exit_i != SIZE_MAX && poller.Ready(exit_i)) HandleExits();
    // Bounded batches so that one busy peer cannot starve the timers.
    if (poller.Ready(agents_i)) {
      size_t bytes = 0;
      for (int i = 0; i < 256; ++i) {
        auto in = agents_sock_->Receive();
        if (!in) break;
        bytes += in->body.size();
        HandleAgentMessage(*in);
      }
      // Big reports (thousands of checks) leave freed megabytes behind: give
      // them back rather than keep the peak.
      if (bytes > kTrimAfterBytes) ReturnFreeMemory();
    }
    if (poller.Ready(control_i)) {
      control_.ReceiveSome([this](const v1::ControlRequest& req, const ControlCaller& caller) {
        http_.MarkChanged();  // pauses, acks, silences... show on the page
        return HandleControl(req, caller);
      });
    }
    if (poller.Ready(fleet_i)) HandleFleetEvents();
    Tick();
    UpdateFleet();
    PublishHttp();
    if (shutting_down_) {
      bool all_stopped =
          std::all_of(agents_.begin(), agents_.end(), [](const auto& kv) { return !kv.second.sup->running(); });
      if (all_stopped || clock_->Now() >= shutdown_deadline_) {
        for (auto& [name, slot] : agents_) {
          if (slot.sup->running()) launcher_->Signal(slot.sup->pid(), SIGKILL);
        }
        return;
      }
    }
  }
}

std::chrono::milliseconds Daemon::NextTimeout() const {
  // Only what is due: an idle daemon sleeps until an agent talks, a
  // command comes, or one of these (kKeepAwake at most, a safety net).
  SteadyTime now = clock_->Now();
  SteadyTime next = now + kKeepAwake;
  for (const auto& [name, slot] : agents_) {
    if (auto d = slot.sup->NextDeadline()) next = std::min(next, *d);
  }
  if (auto d = control_.NextDeadline()) next = std::min(next, *d);
  if (auto d = pipeline_.NextDeadline(now)) next = std::min(next, *d);
  if (auto d = alerting_.NextDeadline()) next = std::min(next, *d);
  if (auto d = journal_.NextDeadline()) next = std::min(next, *d);
  if (auto d = http_.NextDeadline()) next = std::min(next, *d);
  if (store_) next = std::min(next, next_prune_);
  for (const auto& [name, slot] : agents_) {
    if (slot.recover_in_flight) next = std::min(next, slot.recover_sent + kRecoverReplyTimeout);
  }

  if (watchdog_usec_.count() > 0) next = std::min(next, next_watchdog_);
  if (shutting_down_) next = std::min(next, shutdown_deadline_);
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now);
  return std::max(ms, std::chrono::milliseconds(0));
}

void Daemon::HandleSignals() {
  for (int sig : signals_->Read()) {
    if (sig == SIGCHLD) {
      HandleExits();
    } else if (sig == SIGTERM || sig == SIGINT) {
      BeginShutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    } else if (sig == SIGHUP) {
      auto resp = Reload();
      if (!resp.ok()) spdlog::error("reload on SIGHUP rejected: {}", resp.error());
    }
  }
  RemoveStopped();
}

void Daemon::HandleExits() {
  bool freed = false;
  for (const auto& e : launcher_->TakeExits()) {
    bool ours = false;
    for (auto& [name, slot] : agents_) {
      if (slot.sup->pid() == e.pid) {
        ours = true;
        if (!slot.identity.empty()) slot.gone_identity = slot.identity;
        slot.identity.clear();
        if (slot.recover_in_flight) {
          slot.recover_in_flight = 0;
          freed = true;
        }
        // Helpers the agent left running (its process group; a PM2
        // daemon it started is in a session of its own and not touched).
        launcher_->KillLeftovers(e.pid);
        pipeline_.AgentGone(name);
        slot.sup->OnExit(e.Describe(), clock_->Now());
        break;
      }
    }
    if (!ours) spdlog::debug("reaped pid {} ({})", e.pid, e.Describe());
  }
  RemoveStopped();
  if (freed) AutoRecoverInOrder();
}

void Daemon::RemoveStopped() {
  // Agents removed by a reload go once they have stopped.
  for (auto it = agents_.begin(); it != agents_.end();) {
    if (it->second.remove_when_stopped && it->second.sup->state() == AgentState::kStopped) {
      it = agents_.erase(it);
    } else {
      ++it;
    }
  }
}

void Daemon::Tick() {
  SteadyTime now = clock_->Now();
  for (auto& [name, slot] : agents_) slot.sup->Tick(now);
  pipeline_.Tick(now);
  // An automatic RECOVER never answered (a reply lost on the way) must not
  // hold the system, and a slot of max_concurrent_recoveries, for ever.
  bool freed = false;
  for (auto& [name, slot] : agents_) {
    if (slot.recover_in_flight && now - slot.recover_sent > kRecoverReplyTimeout) {
      spdlog::warn("recovery of {} unanswered after {}: asking again when it is due", name,
                   FormatDuration(kRecoverReplyTimeout));
      slot.recover_in_flight = 0;
      freed = true;
    }
  }
  if (freed) AutoRecoverInOrder();
  control_.Tick(now, [this](const PendingControl& p) { return FinishPending(p); });
  if (watchdog_usec_.count() > 0 && now >= next_watchdog_) {
    sd_notify(0, "WATCHDOG=1");
    next_watchdog_ = now + std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_usec_ / 2);
  }
  journal_.Tick(now);
  if (now >= next_prune_ && store_) {
    auto pruned = store_->Prune(clock_->WallMs() - config_.history_retention.count());
    if (pruned.ok() && *pruned > 0)
      spdlog::info("history: pruned {} rows older than {}", *pruned, FormatDuration(config_.history_retention));
    next_prune_ = now + kPruneEvery;
  }
  alerting_.Tick();
  CheckAllReady();
}

void Daemon::CheckAllReady() {
  if (all_ready_notified_ || shutting_down_) return;
  for (const auto& [name, slot] : agents_) {
    AgentState s = slot.sup->state();
    if (s != AgentState::kReady && s != AgentState::kGaveUp) return;
  }
  all_ready_notified_ = true;
  spdlog::info("all {} agent(s) ready in {} ms", agents_.size(), ToMs(clock_->Now() - started_));
  sd_notify(0, "READY=1\nSTATUS=all agents ready");
  if (options_.ready_fd >= 0) {
    unsigned char b = 0;
    (void)!write(options_.ready_fd, &b, 1);
    close(options_.ready_fd);
    options_.ready_fd = -1;
  }
}

void Daemon::BeginShutdown(const std::string& why) {
  if (shutting_down_) return;
  shutting_down_ = true;
  spdlog::info("shutting down ({})", why);
  Record("", events::kDaemonShutdown, why);
  sd_notify(0, "STOPPING=1");
  SteadyTime now = clock_->Now();
  shutdown_deadline_ = now + config_.orchestrator.stop_grace + std::chrono::seconds(1);
  for (auto& [name, slot] : agents_) slot.sup->Stop(now);
}

void Daemon::NoteGarbage(const char* where, const std::string& detail) {
  // Logged, never fatal; rate-limited so a flood cannot fill the disk.
  ++garbage_count_;
  if (garbage_count_ <= 10 || garbage_count_ % 1000 == 0) {
    spdlog::warn("ignored {} on {} ({} so far)", detail, where, garbage_count_);
  }
}

// The orchestrator decides when a recovery may run. Restoring the last known
// good state (a check marked `restore`: a PM2 daemon back, an app restarted on
// the code it runs) is never held back by another system. Moving forward
// (everything else) waits until every system it depends on has reported and
// is neither failed nor blocked (upstream first). Never while paused, already
// recovering, or when every failed check has been given up on.
// The agent decides how (and applies its own per-target budgets).
void Daemon::MaybeAutoRecover(AgentSlot& slot) {
  const std::string& name = slot.config.name;
  if (!slot.config.auto_recover || slot.recover_in_flight || slot.recover_idle || shutting_down_ || paused_.count(name))
    return;
  // While the pipeline works on a system, only restoring goes on (a dead PM2
  // daemon during a deploy is brought back on the code in place).
  bool owned = pipeline_.Owns(name);
  bool upstream_ok = !owned;
  for (const auto& dep : slot.config.depends_on) {
    HealthStatus h = health_.Health(dep);
    if (!health_.Reported(dep) || h == v1::HEALTH_FAILED || h == v1::HEALTH_BLOCKED) upstream_ok = false;
  }
  if (!health_.Reported(name)) return;
  bool wanted = false;
  std::string restore_target;
  health_.ForEachCheck(name, [&](const v1::CheckResult& c) {
    // retry_in_ms: the agent backs off and checks again when that ends.
    if (c.status() != v1::HEALTH_FAILED || c.gave_up() || c.retry_in_ms() > 0 || paused_.count(c.target())) return;
    wanted = true;
    if (c.restore() && restore_target.empty()) restore_target = c.target();
  });
  if (!wanted) return;
  if (RecoveriesInFlight() >= config_.orchestrator.max_concurrent_recoveries) {
    if (!slot.recover_queued)
      spdlog::info("recovery of {} waits: {} recoveries under way (orchestrator.max_concurrent_recoveries)", name,
                   RecoveriesInFlight());
    slot.recover_queued = true;
    return;
  }
  slot.recover_queued = false;
  if (upstream_ok) {
    SendCommand(name, v1::Command::RECOVER, "", &slot.recover_in_flight);
  } else if (!restore_target.empty()) {
    SendCommand(name, v1::Command::RECOVER, restore_target, &slot.recover_in_flight);
  }
  slot.recover_sent = clock_->Now();
}

int Daemon::RecoveriesInFlight() const {
  int n = 0;
  for (const auto& [name, slot] : agents_) n += slot.recover_in_flight != 0;
  return n;
}

void Daemon::AutoRecoverInOrder() {
  DependencyGraph graph;
  for (const auto& sc : config_.systems) graph.AddNode(sc.name, sc.depends_on);
  for (const auto& name : graph.TopologicalOrder()) {
    auto it = agents_.find(name);
    if (it != agents_.end()) MaybeAutoRecover(it->second);
  }
}

Result<pid_t> Daemon::Spawn(const std::string& agent) {
  auto it = agents_.find(agent);
  if (it == agents_.end()) return Result<pid_t>::Error("no such agent " + agent);
  const SystemConfig& sc = it->second.config;
  process::SpawnSpec spec;
  spec.exe = !sc.agent.empty()     ? sc.agent
             : sc.kind == "custom" ? options_.agent_dir + "/" + kAgentPrefix + "custom"
                                   : options_.agent_dir + "/" + kAgentPrefix + agent;
  // Everything else (settings, logging, secrets) comes in the Welcome.
  spec.args = {"--system", agent, "--endpoint", AgentsEndpoint(), "--parent-pid", std::to_string(getpid())};
  if (options_.debug) spec.args.push_back("--debug");
  spec.cwd = config_.workspace;
  spec.own_process_group = true;
  // What an agent prints before its Welcome says where its log is (or a
  // custom agent prints at all) is kept, even when redundancyd's own stderr
  // is /dev/null (`redundancyctl start`).
  if (!config_.log_dir.empty()) spec.output_file = config_.log_dir + "/agent-" + agent + ".out";
  if (sc.name == "pm2" && !options_.hosting_pm2.first.empty()) {
    // redundancyd is itself an app of a PM2: the agent must never restore,
    // kill or count it (it may watch that very PM2).
    spec.env.emplace_back("REDUNDANCY_HOSTED_BY_PM2_HOME", options_.hosting_pm2.first);
    spec.env.emplace_back("REDUNDANCY_HOSTED_BY_PM2_APP", options_.hosting_pm2.second);
  }
  return launcher_->Spawn(spec);
}

void Daemon::Signal(pid_t pid, int sig) { launcher_->Signal(pid, sig); }

void Daemon::SendShutdown(const std::string& agent) {
  auto it = agents_.find(agent);
  if (it == agents_.end()) return;
  if (!SendCommand(agent, v1::Command::SHUTDOWN, "", nullptr)) launcher_->Signal(it->second.sup->pid(), SIGTERM);
}

void Daemon::Record(const std::string& agent, const std::string& kind, const std::string& detail) {
  bool bad = kind == events::kAgentGaveUp || kind == events::kAgentHung || kind == events::kAgentSpawnFailed ||
             kind == events::kReloadRejected || kind == events::kHttpError ||
             (kind == events::kAgentExit && !shutting_down_);
  journal_.Note({.system = agent,
                 .kind = kind,
                 .detail = detail,
                 .level = bad ? JournalEntry::Level::kWarn : JournalEntry::Level::kInfo});
  if (kind == events::kAgentGaveUp || kind == events::kAgentReady)
    ObserveAgent(agent, kind == events::kAgentGaveUp, Redact(detail));
}

void Daemon::NoteTransitions(const std::vector<Transition>& transitions) {
  for (const auto& t : transitions) {
    CountIncidents(t);
    bool bad = t.to == v1::HEALTH_FAILED || t.to == v1::HEALTH_BLOCKED;
    journal_.Note({.system = t.system,
                   .target = t.target,
                   .kind = events::kHealth,
                   .detail = std::string(HealthName(t.from)) + " -> " + HealthName(t.to) + ": " + t.summary,
                   .level = bad ? JournalEntry::Level::kWarn : JournalEntry::Level::kInfo,
                   .count = false,
                   .alert = false});
  }
}

v1::StatusSnapshot Daemon::Snapshot() const {
  v1::StatusSnapshot s;
  s.set_pid(getpid());
  s.set_uptime_s(static_cast<double>(ToMs(clock_->Now() - started_)) / 1000.0);
  s.set_version(kVersion);
  if (!journal_.history_error().empty()) {
    s.add_problems("history: writes failing, " + std::to_string(store_->pending()) +
                   " row(s) queued: " + journal_.history_error());
  }
  s.set_config_file(config_.file);
  *s.mutable_launcher() = options_.started_by;
  if (s.launcher().kind().empty()) s.mutable_launcher()->set_kind("alone");
  int64_t wall = clock_->WallMs();
  SteadyTime now = clock_->Now();
  for (const auto& sc : config_.systems) {
    auto it = agents_.find(sc.name);
    if (it == agents_.end()) continue;
    const auto& sup = *it->second.sup;
    auto* a = s.add_agents();
    a->set_name(sc.name);
    a->set_pid(sup.pid());
    a->set_state(AgentStateName(sup.state()));
    a->set_restarts(static_cast<uint32_t>(sup.restarts()));
    a->set_last_exit(sup.last_exit());
    a->set_state_since_ms(wall - ToMs(now - sup.state_since()));
  }
  for (auto& sys : health_.Snapshot()) *s.add_systems() = std::move(sys);
  *s.mutable_pipeline() = pipeline_.Snapshot();
  if (fleet_.running()) *s.mutable_fleet() = fleet_.Snapshot();
  return s;
}

void Daemon::ObserveAgent(const std::string& system, bool gave_up, const std::string& detail) {
  alerting_.ObserveAgent(system, gave_up, detail);
  if (!gave_up || !agents_.count(system)) return;
  // Nobody watches the system any more: its health is not its last report's
  // (which may say ok) but failed, so that what depends on it waits too.
  v1::HealthReport report;
  report.set_system(system);
  report.set_observed_at_ms(clock_->WallMs());
  auto* c = report.add_checks();
  c->set_target("agent:" + system);
  c->set_status(v1::HEALTH_FAILED);
  c->set_gave_up(true);
  c->set_summary("the " + system + " agent was given up on; nothing checks " + system +
                 " (`redundancyctl restart-agent " + system + "`)");
  NoteTransitions(health_.Apply(report, clock_->WallMs()));
  http_.MarkChanged();
}

}  // namespace redundancy
