#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include "agents/runtime/agent_runtime.h"
#include "agents/runtime/worker.h"
#include "common/clock.h"
#include "common/constants.h"
#include "common/file_util.h"
#include "common/heartbeat.h"
#include "common/logging.h"
#include "common/process/process.h"
#include "common/status_render.h"
#include "common/transport/transport.h"
#include "common/trim.h"

namespace redundancy {

v1::CheckResult MakeCheck(const std::string& target, v1::HealthStatus status, const std::string& summary,
                          const std::string& details) {
  v1::CheckResult c;
  c.set_target(target);
  c.set_status(status);
  c.set_summary(summary);
  c.set_details(details);
  return c;
}

Status Agent::Deploy(const std::string& revision) {
  // A new commit may leave what this system derives from the code stale (a
  // manifest, a function it deleted): bring it in line once, then judge.
  auto failed_of = [](const std::vector<v1::CheckResult>& checks, bool* recoverable) {
    std::string failed;
    for (const auto& c : checks) {
      if (c.status() != v1::HEALTH_FAILED) continue;
      failed += (failed.empty() ? "" : "; ") + c.target() + ": " + c.summary();
      if (recoverable && !c.gave_up()) *recoverable = true;
    }
    return failed;
  };
  bool recoverable = false;
  std::string failed = failed_of(Check(), &recoverable);
  if (!failed.empty() && recoverable) {
    (void)Recover("", false);
    failed = failed_of(Check(), nullptr);
  }
  return failed.empty() ? Status::Ok() : Status::Error(failed);
}

namespace {

constexpr size_t kTrimAfterBytes = 64 * 1024;

}  // namespace

class AgentRuntime::Impl {
 public:
  Impl(Agent* agent, Clock* clock, transport::Dealer* channel, AgentRuntimeOptions options)
      : agent_(agent), options_(std::move(options)), clock_(*clock), dealer_(channel) {
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    parent_fd_ = process::OpenPidFd(options_.parent_pid);
  }
  ~Impl() {
    // Before any member goes: the running job (a check, a recovery) uses them.
    worker_.Shutdown(std::chrono::seconds(1));
    if (stop_fd_ >= 0) close(stop_fd_);
    if (parent_fd_ >= 0) close(parent_fd_);
  }

  void Stop(int code) {
    stop_code_ = code;
    uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
  }

  int Run() {
    v1::Envelope hello;
    hello.mutable_hello()->set_agent(options_.system);
    hello.mutable_hello()->set_kind(agent_->Kind());
    hello.mutable_hello()->set_pid(options_.pid > 0 ? options_.pid : getpid());
    hello.mutable_hello()->set_version(kVersion);
    Send(hello);
    last_heard_ = clock_.Now();
    welcome_deadline_ = last_heard_ + kWelcomeTimeout;
    return Loop();
  }

 private:
  int Loop() {
    while (exit_code_ < 0) {
      transport::Poller poller;
      size_t sock_i = poller.AddSocket(dealer_->handle());
      size_t stop_i = poller.AddFd(stop_fd_);
      size_t sig_i = options_.signals ? poller.AddFd(options_.signals->fd()) : SIZE_MAX;
      size_t work_i = poller.AddFd(worker_.fd());
      size_t parent_i = parent_fd_ >= 0 ? poller.AddFd(parent_fd_) : SIZE_MAX;
      std::vector<std::pair<size_t, int>> agent_fds;
      for (int fd : watched_) agent_fds.emplace_back(poller.AddFd(fd), fd);
      if (Status s = poller.Wait(NextTimeout()); !s.ok()) {
        spdlog::error("{}", s.message());
        return 1;
      }
      if (poller.Ready(stop_i)) return stop_code_.load();
      if (parent_i != SIZE_MAX && poller.Ready(parent_i)) {
        spdlog::error("the orchestrator (pid {}) exited; exiting", options_.parent_pid);
        return 1;
      }
      if (sig_i != SIZE_MAX && poller.Ready(sig_i)) {
        for (int sig : options_.signals->Read()) {
          if (sig == SIGTERM) {
            spdlog::info("signal {}: exiting", sig);
            exit_code_ = 0;
          } else if (sig == SIGINT) {
            // A tree-kill of redundancyd (PM2's stop and restart send SIGINT to
            // every descendant) is redundancyd's to handle: it stops us itself.
            spdlog::debug("SIGINT ignored: redundancyd stops its agents");
          }
        }
      }
      if (poller.Ready(work_i)) {
        worker_.RunCompletions();
        watched_ = agent_->WatchedFds();
        FlushEvents();
      }
      bool check_now = false;
      for (auto [index, fd] : agent_fds) {
        if (poller.Ready(index)) check_now |= agent_->OnReadable(fd);
      }
      if (check_now && configured_ && !paused_) SubmitCheck({});
      if (poller.Ready(sock_i)) {
        for (int i = 0; i < 64; ++i) {
          auto bytes = dealer_->Receive();
          if (!bytes) break;
          Handle(*bytes);
        }
      }
      Tick();
    }
    return exit_code_;
  }

  // Only what is due: a check, a heartbeat after a silence, the Welcome's
  // deadline; else the loop sleeps until a message, a job or a watched fd.
  std::chrono::milliseconds NextTimeout() const {
    SteadyTime now = clock_.Now();
    SteadyTime next = now + std::chrono::minutes(1);
    if (!welcomed_) {
      next = std::min(next, welcome_deadline_);
    } else {
      next = std::min({next, BeatDue(last_sent_, hb_interval_), AskDue()});
      if (unanswered_ >= liveness_) next = std::min(next, last_heard_ + hb_interval_ * liveness_);
      if (!paused_ && configured_) next = std::min(next, next_check_);
    }
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now);
    return std::max(ms, std::chrono::milliseconds(0));
  }

  void Tick() {
    SteadyTime now = clock_.Now();
    if (!welcomed_) {
      if (now >= welcome_deadline_) {
        spdlog::error("no Welcome from the orchestrator within {}; exiting", FormatDuration(kWelcomeTimeout));
        exit_code_ = 1;
      }
      return;
    }
    if (exit_code_ >= 0) return;  // already leaving (SIGTERM, SHUTDOWN)
    // A frozen or deadlocked orchestrator is alive (no PDEATHSIG, no pidfd):
    // it is gone when `liveness` heartbeats in a row went unanswered over
    // interval x liveness. Counting our asks, not only the time, keeps an
    // agent that was itself stopped (SIGSTOP, a suspended host) from blaming
    // the orchestrator when it resumes: it asks again first.
    if (now - last_heard_ >= hb_interval_ * liveness_ && unanswered_ >= liveness_) {
      spdlog::error("the orchestrator has not answered for {}; exiting",
                    FormatDuration(std::chrono::duration_cast<Millis>(now - last_heard_)));
      exit_code_ = 1;
      return;
    }
    // A heartbeat only after a silence of ours (anything we send shows we
    // are alive); it asks for an answer only after a long one of theirs.
    bool ask = now >= AskDue();
    if (ask || now >= BeatDue(last_sent_, hb_interval_)) SendHeartbeat(ask);
    if (configured_ && !paused_ && now >= next_check_) {
      next_check_ = now + interval_;
      if (!check_queued_) SubmitCheck({});
    }
  }

  // The orchestrator says nothing to an agent that needs nothing, so a
  // heartbeat asks for an answer (reply = false) only when it has been
  // silent for (liveness - 1) and a half intervals: on a beat boundary, and
  // once an interval until it answers. Idle, that is one answer every three
  // beats, where every beat was answered.
  SteadyTime AskDue() const {
    SteadyTime due =
        BeatAtOrAfter(last_heard_ + HeardFromWithin(hb_interval_, static_cast<int>(liveness_)), hb_interval_);
    return std::max(due, BeatDue(last_beat_, hb_interval_));
  }

  void SendHeartbeat(bool wants_answer) {
    v1::Envelope hb;
    hb.mutable_heartbeat()->set_seq(++hb_seq_);
    hb.mutable_heartbeat()->set_reply(!wants_answer);  // a reply is never answered
    Send(hb);
    if (wants_answer) {
      last_beat_ = clock_.Now();
      ++unanswered_;
    }
  }

  // Every message to the orchestrator goes here: it is also a sign of life.
  void Send(const v1::Envelope& env) {
    dealer_->Send(env);
    last_sent_ = clock_.Now();
  }

  void Handle(const std::string& bytes) {
    v1::Envelope env;
    if (!transport::Decode(bytes, &env)) {
      spdlog::warn("ignored a message that is not an Envelope");
      return;
    }
    last_heard_ = clock_.Now();
    unanswered_ = 0;
    switch (env.body_case()) {
      case v1::Envelope::kHeartbeat:
        // A probe (the orchestrator has not heard from us for a while) gets
        // an answer; an answer to ours needs none.
        if (!env.heartbeat().reply()) SendHeartbeat(/*wants_answer=*/false);
        break;
      case v1::Envelope::kWelcome:
        if (!welcomed_) {
          welcomed_ = true;
          ApplyWelcome(env.welcome(), /*command_id=*/0);
        }
        break;
      case v1::Envelope::kCommand:
        HandleCommand(env.command());
        break;
      default:
        spdlog::warn("ignored an unexpected message from the orchestrator");
    }
  }

  // The agent's own log file, as the Welcome (or a RELOAD's) says; only
  // when it changed, so a reload with the same logging keeps the file open.
  void ApplyLogging(const v1::Welcome& w) {
    if (!options_.configure_logging || !w.has_logging()) return;
    std::string wanted = w.logging().SerializeAsString() + (w.debug() ? "d" : "");
    if (wanted == logging_applied_) return;
    LogOptions log;
    log.log_dir = w.logging().dir();
    log.file_name = "agent-" + options_.system + ".log";
    log.max_size = w.logging().max_size();
    log.max_files = static_cast<int>(w.logging().max_files());
    log.rotate_every_ms = w.logging().rotate_every_ms();
    log.max_age_ms = w.logging().max_age_ms();
    log.compress = w.logging().compress();
    log.level = w.logging().level().empty() ? "info" : w.logging().level();
    log.debug = w.debug();
    log.to_stderr = log.log_dir.empty();
    if (Status s = InitLogging(log); !s.ok()) {
      spdlog::error("logging: {}; logging to stderr", s.message());
      return;
    }
    logging_applied_ = wanted;
  }

  void ApplyWelcome(const v1::Welcome& w, uint64_t command_id) {
    ApplyLogging(w);
    hb_interval_ = Millis(std::max<uint64_t>(w.heartbeat_interval_ms(), 10));
    liveness_ = std::max<uint32_t>(w.heartbeat_liveness(), 1);
    interval_ = Millis(std::max<uint64_t>(w.interval_ms(), 10));
    AddSecrets({w.secrets().begin(), w.secrets().end()});
    AgentContext ctx;
    ctx.system = w.system();
    ctx.workspace = w.workspace();
    ctx.state_dir = w.state_dir();
    ctx.interval = interval_;
    ctx.debug = w.debug();
    ctx.emit = [this](const std::string& target, const std::string& kind, const std::string& detail) {
      v1::Event e;
      e.set_target(target);
      e.set_kind(kind);
      e.set_detail(detail);
      std::lock_guard lock(events_mu_);
      if (capture_) capture_->push_back(e);
      events_.push_back(std::move(e));
    };
    ctx.emit_event = [this](const v1::Event& e) {
      std::lock_guard lock(events_mu_);
      if (capture_) capture_->push_back(e);
      events_.push_back(e);
    };
    ctx.fleet = w.fleet();
    try {
      ctx.settings = YAML::Load(w.settings_yaml());
    } catch (const YAML::Exception& e) {
      spdlog::error("settings from the orchestrator do not parse: {}", e.what());
    }
    if (!ready_sent_) {
      // Ready as soon as we are connected and told who we are: what a check
      // needs is loaded by the worker next (Configure), and every command
      // queues behind it there.
      ready_sent_ = true;
      v1::Envelope ready;
      ready.mutable_ready();
      Send(ready);
      spdlog::info("ready (agent {}, system {})", agent_->Kind(), options_.system);
    }
    worker_.Submit([this, ctx, command_id]() -> std::function<void()> {
      Status s = agent_->Configure(ctx);
      config_error_ = s.ok() ? "" : s.message();  // read only by later jobs on this thread
      return [this, s, command_id] {
        configured_ = true;
        if (!s.ok()) spdlog::error("configuration: {}", s.message());
        if (command_id) Reply(command_id, s.ok(), s.ok() ? "reloaded" : s.message());
        next_check_ = clock_.Now() + interval_;
        SubmitCheck({});
      };
    });
  }

  void HandleCommand(const v1::Command& cmd) {
    switch (cmd.kind()) {
      case v1::Command::CHECK_NOW:
        SubmitCheck({cmd.id()});
        break;
      case v1::Command::RECOVER: {
        // One job: the recovery, then the checks; the reply says what was
        // done (the events the recovery recorded), or why nothing was.
        std::string target = cmd.target();
        uint64_t id = cmd.id();
        bool forced = cmd.forced();
        worker_.Submit([this, target, forced, id]() -> std::function<void()> {
          std::vector<v1::Event> done;
          {
            std::lock_guard lock(events_mu_);
            capture_ = &done;
          }
          Status s = config_error_.empty() ? agent_->Recover(target, forced)
                                           : Status::Error("not configured: " + config_error_);
          {
            std::lock_guard lock(events_mu_);
            capture_ = nullptr;
          }
          std::vector<v1::CheckResult> checks;
          if (config_error_.empty()) checks = agent_->Check();
          return [this, s, target, id, done = std::move(done), checks = std::move(checks)] {
            std::string message = RecoveryOutcome(target, s, done, checks);
            spdlog::info("recover {}: {}", target.empty() ? "(all)" : target, message);
            last_checks_ = checks;
            if (auto soon = agent_->NextCheckWithin()) next_check_ = std::min(next_check_, clock_.Now() + *soon);
            SendReport();
            Reply(id, s.ok() && !done.empty(), message);
          };
        });
        break;
      }
      case v1::Command::DEPLOY:
      case v1::Command::ROLLBACK: {
        // One job: the step, then the checks, so the report the orchestrator
        // gets before the reply already reflects the step.
        v1::Command c = cmd;
        worker_.Submit([this, c]() -> std::function<void()> {
          Status s = !config_error_.empty()            ? Status::Error("not configured: " + config_error_)
                     : c.kind() == v1::Command::DEPLOY ? agent_->Deploy(c.revision())
                                                       : agent_->Rollback(c.revision(), c.reason());
          std::vector<v1::CheckResult> checks;
          if (config_error_.empty()) checks = agent_->Check();
          return [this, s, c, checks = std::move(checks)] {
            const char* what = c.kind() == v1::Command::DEPLOY ? "deploy" : "rollback";
            spdlog::info("{} {}: {}", what, ShortCommit(c.revision()), s.ok() ? "ok" : s.message());
            if (config_error_.empty()) {
              last_checks_ = checks;
              SendReport();
            }
            FlushEvents();  // when there was no report
            Reply(c.id(), s.ok(), s.ok() ? std::string(what) + " ok" : s.message());
          };
        });
        break;
      }
      case v1::Command::PAUSE:
      case v1::Command::RESUME: {
        bool pause = cmd.kind() == v1::Command::PAUSE;
        if (!cmd.target().empty()) {
          std::string target = cmd.target();
          uint64_t id = cmd.id();
          worker_.Submit([this, target, pause, id]() -> std::function<void()> {
            Status s = agent_->SetTargetPaused(target, pause);
            return [this, s, id, pause] { Reply(id, s.ok(), s.ok() ? (pause ? "paused" : "resumed") : s.message()); };
          });
          SubmitCheck({});
          break;
        }
        paused_ = pause;
        if (pause) SendReport();
        next_check_ = clock_.Now();
        Reply(cmd.id(), true, pause ? "paused" : "resumed");
        break;
      }
      case v1::Command::RELOAD:
        ApplyWelcome(cmd.welcome(), cmd.id());
        break;
      case v1::Command::SHUTDOWN:
        Reply(cmd.id(), true, "shutting down");
        spdlog::info("shutdown requested");
        exit_code_ = 0;
        break;
      default:
        Reply(cmd.id(), false, "unknown command");
    }
  }

  // Queues a check; `ids` are commands to answer once it is done. Checks
  // asked for while one is queued share it.
  void SubmitCheck(std::vector<uint64_t> ids) {
    waiting_ids_.insert(waiting_ids_.end(), ids.begin(), ids.end());
    if (check_queued_) {
      // A check already running may have looked before whatever prompted
      // this one (an inotify event, a bus event): run another after it.
      if (check_running_) recheck_ = true;
      return;
    }
    check_queued_ = true;
    worker_.Submit([this]() -> std::function<void()> {
      check_running_ = true;
      std::vector<v1::CheckResult> checks;
      if (!config_error_.empty()) {
        checks.push_back(MakeCheck(options_.system + ":config", v1::HEALTH_FAILED, config_error_));
      } else {
        checks = agent_->Check();
      }
      return [this, checks = std::move(checks)] {
        check_queued_ = false;
        check_running_ = false;
        last_checks_ = checks;
        if (auto soon = agent_->NextCheckWithin()) next_check_ = std::min(next_check_, clock_.Now() + *soon);
        SendReport();
        auto ids = std::move(waiting_ids_);
        waiting_ids_.clear();
        for (uint64_t id : ids) Reply(id, true, "checked");
        if (recheck_) {
          recheck_ = false;
          SubmitCheck({});
        }
      };
    });
  }

  // What a recovery did, in one line: its events, else why nothing happened.
  std::string RecoveryOutcome(std::string target, const Status& s, const std::vector<v1::Event>& done,
                              const std::vector<v1::CheckResult>& checks) const {
    if (target == options_.system) target.clear();  // the system: every failed check
    std::string what;
    for (const auto& e : done) {
      what += (what.empty() ? "" : "; ") + e.target() + " " + e.kind() + ": " + e.detail().substr(0, 300);
    }
    if (!s.ok()) return "failed: " + s.message() + (what.empty() ? "" : " (done: " + what + ")");
    if (!what.empty()) return what;
    std::string now;
    for (const auto& c : checks) {
      if (!target.empty() && c.target() != target) continue;
      if (target.empty() && c.status() != v1::HEALTH_FAILED) continue;
      now += (now.empty() ? "" : "; ") + c.target() + " is " + HealthName(c.status()) + " (" +
             c.summary().substr(0, 200) + ")" + (c.gave_up() ? ", given up on" : "");
    }
    if (now.empty()) now = target.empty() ? "no check is failed" : "no check " + target;
    return "nothing done: " + now;
  }

  void FlushEvents() {
    std::vector<v1::Event> events;
    {
      std::lock_guard lock(events_mu_);
      events.swap(events_);
    }
    for (auto& e : events) {
      v1::Envelope env;
      // What tools print may be any bytes; protobuf's strings are UTF-8 (the
      // orchestrator drops a message with anything else).
      e.set_detail(ValidUtf8(e.detail()));
      e.set_target(ValidUtf8(e.target()));
      *env.mutable_event() = std::move(e);
      Send(env);
    }
  }

  // Every string of a check as valid UTF-8 (a cut in the middle of a
  // character, a tool's raw bytes): protobuf refuses anything else.
  static void CleanUtf8(v1::CheckResult* c) {
    c->set_target(ValidUtf8(c->target()));
    c->set_summary(ValidUtf8(c->summary()));
    c->set_details(ValidUtf8(c->details()));
    for (auto& p : *c->mutable_perfdata()) {
      p.set_label(ValidUtf8(p.label()));
      p.set_uom(ValidUtf8(p.uom()));
      p.set_warn(ValidUtf8(p.warn()));
      p.set_crit(ValidUtf8(p.crit()));
      p.set_min(ValidUtf8(p.min()));
      p.set_max(ValidUtf8(p.max()));
    }
    google::protobuf::Map<std::string, std::string> labels;
    for (const auto& [k, v] : c->labels()) labels[ValidUtf8(k)] = ValidUtf8(v);
    *c->mutable_labels() = labels;
    google::protobuf::Map<std::string, double> metrics;
    for (const auto& [k, v] : c->metrics()) metrics[ValidUtf8(k)] = v;
    *c->mutable_metrics() = metrics;
  }

  void SendReport() {
    // Events recorded by earlier jobs (a recovery) go first, so the history
    // never shows a health change before the event that caused it.
    FlushEvents();
    v1::Envelope env;
    auto* r = env.mutable_health_report();
    r->set_system(options_.system);
    r->set_observed_at_ms(clock_.WallMs());
    r->set_paused(paused_);
    for (const auto& c : last_checks_) {
      v1::CheckResult* out = r->add_checks();
      *out = c;
      CleanUtf8(out);
    }
    Send(env);
    // A big check (1,000 apps, 2,000 functions) parses megabytes that are
    // freed again, and the first one loads what later checks keep (the
    // workflows agent's table of popular actions, parsed from 200 KB of
    // JSON): give the garbage back, or the agent keeps its peak for ever.
    if (!trimmed_ || env.ByteSizeLong() > kTrimAfterBytes) ReturnFreeMemory();
    trimmed_ = true;
  }

  void Reply(uint64_t id, bool ok, const std::string& message) {
    if (id == 0) return;
    v1::Envelope env;
    env.mutable_command_result()->set_id(id);
    env.mutable_command_result()->set_ok(ok);
    env.mutable_command_result()->set_message(ValidUtf8(message));
    Send(env);
  }

  Agent* agent_;
  AgentRuntimeOptions options_;
  const Clock& clock_;
  transport::Dealer* dealer_;
  int stop_fd_ = -1;
  std::string logging_applied_;  // the LogSettings last applied
  std::atomic<int> stop_code_{0};
  Worker worker_;

  bool welcomed_ = false;
  bool configured_ = false;
  bool paused_ = false;
  bool check_queued_ = false;
  std::atomic<bool> check_running_{false};  // set by the worker when the queued check starts
  bool recheck_ = false;
  std::string config_error_;  // worker thread only
  std::vector<uint64_t> waiting_ids_;
  std::vector<v1::CheckResult> last_checks_;
  std::vector<int> watched_;  // the agent's descriptors, refreshed after every job
  std::mutex events_mu_;
  std::vector<v1::Event> events_;
  std::vector<v1::Event>* capture_ = nullptr;  // also collects events while a recovery runs (under events_mu_)
  int parent_fd_ = -1;                         // pidfd of the orchestrator
  bool ready_sent_ = false;
  Millis hb_interval_{5'000};
  uint32_t liveness_ = 3;
  Millis interval_{60'000};
  bool trimmed_ = false;  // the first report's malloc_trim is done
  SteadyTime last_sent_{};
  SteadyTime last_heard_{};  // anything from the orchestrator
  SteadyTime last_beat_{};   // our last heartbeat that asked for an answer
  uint32_t unanswered_ = 0;  // heartbeats sent since we last heard anything
  SteadyTime welcome_deadline_{};
  SteadyTime next_check_{};
  uint64_t hb_seq_ = 0;
  int exit_code_ = -1;
};

AgentRuntime::AgentRuntime(Agent* agent, Clock* clock, transport::Dealer* channel, AgentRuntimeOptions options)
    : impl_(std::make_unique<Impl>(agent, clock, channel, std::move(options))) {}
AgentRuntime::~AgentRuntime() = default;
int AgentRuntime::Run() { return impl_->Run(); }
void AgentRuntime::Stop(int code) { impl_->Stop(code); }

}  // namespace redundancy
