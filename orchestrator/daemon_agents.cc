// redundancyd and its agents over agents.sock: who may speak for a system
// (Hello), what each agent is told (Welcome, commands, probes) and what it
// reports (health, events, command results).
#include <spdlog/spdlog.h>

#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/daemon.h"

namespace redundancy {

void Daemon::Probe(const std::string& agent) {
  auto it = agents_.find(agent);
  if (it == agents_.end() || it->second.identity.empty()) return;
  spdlog::debug("agent {} silent: probing it", agent);
  v1::Envelope env;
  env.mutable_heartbeat()->set_seq(++heartbeat_seq_);
  agents_sock_->Send(it->second.identity, false, env);
}

Daemon::AgentSlot* Daemon::FindByIdentity(const std::string& identity) {
  for (auto& [name, slot] : agents_) {
    if (!slot.identity.empty() && slot.identity == identity) return &slot;
  }
  return nullptr;
}

void Daemon::HandleAgentMessage(const transport::Incoming& in) {
  v1::Envelope env;
  if (!transport::Decode(in.body, &env)) {
    NoteGarbage("agents.sock", "a message that is not an Envelope (" + std::to_string(in.body.size()) + " bytes)");
    return;
  }
  if (env.has_hello()) {
    HandleHello(in, env.hello());
    return;
  }
  AgentSlot* slot = FindByIdentity(in.identity);
  if (!slot) {
    for (const auto& [name, s] : agents_) {
      if (!s.gone_identity.empty() && s.gone_identity == in.identity) {
        // Sent just before it exited (its last reply, a final event).
        spdlog::debug("a late message from the exited agent {}", name);
        return;
      }
    }
    NoteGarbage("agents.sock", "a message from an unknown peer");
    return;
  }
  SteadyTime now = clock_->Now();
  slot->sup->OnAlive(now);
  if (!env.has_heartbeat()) http_.MarkChanged();
  const std::string& name = slot->config.name;
  switch (env.body_case()) {
    case v1::Envelope::kHeartbeat:
      if (!env.heartbeat().reply()) {
        // The agent heard nothing from us for a while: show we are here.
        v1::Envelope echo;
        echo.mutable_heartbeat()->set_seq(env.heartbeat().seq());
        echo.mutable_heartbeat()->set_reply(true);
        agents_sock_->Send(in.identity, false, echo);
      }
      break;
    case v1::Envelope::kReady:
      slot->sup->OnReady(now);
      // Pauses outlive agent restarts: re-apply the system's and its targets'.
      for (const auto& p : paused_) {
        if (p == name) SendCommand(name, v1::Command::PAUSE, "", nullptr);
        if (p.rfind(name + ":", 0) == 0) SendCommand(name, v1::Command::PAUSE, p, nullptr);
      }
      break;
    case v1::Envelope::kHealthReport: {
      v1::HealthReport report = env.health_report();
      report.set_system(name);  // an agent speaks only for its own system
      for (auto& c : *report.mutable_checks()) {
        c.set_summary(Redact(c.summary()));
        c.set_details(Redact(c.details()));
        // A plugin may print a secret it was given anywhere, perfdata labels included (/metrics).
        for (auto& p : *c.mutable_perfdata()) {
          p.set_label(Redact(p.label()));
          p.set_warn(Redact(p.warn()));
          p.set_crit(Redact(p.crit()));
        }
        for (auto& [k, v] : *c.mutable_labels()) v = Redact(v);
      }
      slot->recover_idle = false;  // news: worth asking again
      std::vector<std::string> previous;
      health_.ForEachCheck(name, [&](const v1::CheckResult& c) { previous.push_back(c.target()); });
      NoteTransitions(health_.Apply(report, clock_->WallMs()));
      const SystemConfig* sc = config_.FindSystem(name);
      alerting_.ObserveChecks(name, report, previous, sc ? sc->grace : Millis(0), pipeline_.Owns(name));
      pipeline_.MaybeAdoptLastGood(health_);
      // A report can unblock downstream systems too: re-evaluate them all.
      AutoRecoverInOrder();
      break;
    }
    case v1::Envelope::kEvent:
      journal_.Note({.system = name,
                     .target = env.event().target(),
                     .kind = env.event().kind(),
                     .detail = env.event().detail(),
                     .from_agent = true});
      if (env.event().kind() == events::kNewRevision && name == "git") {
        pipeline_.OnNewRevision(env.event().revision(), Redact(env.event().detail()));
      }
      break;
    case v1::Envelope::kCommandResult:
      HandleCommandResult(env.command_result());
      break;
    default:
      NoteGarbage("agents.sock", "an unexpected message type from agent " + name);
  }
}

void Daemon::HandleHello(const transport::Incoming& in, const v1::Hello& hello) {
  auto it = agents_.find(hello.agent());
  if (it == agents_.end()) {
    NoteGarbage("agents.sock", "a Hello from unknown agent '" + hello.agent().substr(0, 64) + "'");
    return;
  }
  AgentSlot& slot = it->second;
  pid_t pid = slot.sup->pid();
  // Only the process we spawned may speak for this agent: its pid, checked
  // against the socket's peer credentials when libzmq provides them.
  if (pid <= 0 || hello.pid() != pid || (in.peer.known && in.peer.pid != pid)) {
    NoteGarbage("agents.sock", "a forged Hello for agent '" + hello.agent() + "' (pid " + std::to_string(hello.pid()) +
                                   ", expected " + std::to_string(pid) + ")");
    return;
  }
  slot.identity = in.identity;
  slot.sup->OnAlive(clock_->Now());
  v1::Envelope env;
  *env.mutable_welcome() = MakeWelcome(slot.config);
  slot.welcome = env.welcome().SerializeAsString();
  agents_sock_->Send(slot.identity, false, env);
  spdlog::debug("agent {} (pid {}) connected", hello.agent(), pid);
}

v1::Welcome Daemon::MakeWelcome(const SystemConfig& sc) const {
  v1::Welcome w;
  w.set_system(sc.name);
  w.set_workspace(config_.workspace);
  w.set_state_dir(config_.state_dir);
  w.set_interval_ms(static_cast<uint64_t>(sc.interval.count()));
  w.set_heartbeat_interval_ms(static_cast<uint64_t>(config_.orchestrator.heartbeat_interval.count()));
  w.set_heartbeat_liveness(static_cast<uint32_t>(config_.orchestrator.heartbeat_liveness));
  w.set_settings_yaml(sc.settings_yaml);
  w.set_fleet(config_.fleet.enabled());
  w.set_debug(options_.debug);
  auto* log = w.mutable_logging();
  log->set_dir(config_.log_dir);
  log->set_level(config_.logging.level);
  log->set_max_size(config_.logging.max_size);
  log->set_max_files(static_cast<uint32_t>(config_.logging.max_files));
  log->set_rotate_every_ms(config_.logging.rotate_every.count());
  log->set_max_age_ms(config_.logging.max_age.count());
  log->set_compress(config_.logging.compress);
  for (const auto& secret : config_.secrets) w.add_secrets(secret);
  return w;
}

bool Daemon::Send(const std::string& system, v1::Command cmd, uint64_t* id) {
  auto it = agents_.find(system);
  if (it == agents_.end() || it->second.identity.empty()) return false;
  cmd.set_id(next_command_id_++);
  if (cmd.kind() == v1::Command::RELOAD) {
    *cmd.mutable_welcome() = MakeWelcome(it->second.config);
    it->second.welcome = cmd.welcome().SerializeAsString();
  }
  uint64_t sent_id = cmd.id();
  v1::Envelope env;
  *env.mutable_command() = std::move(cmd);
  // Only a command that left is in flight (one that did not would hold its
  // slot, and one of max_concurrent_recoveries, until the agent exits).
  if (!agents_sock_->Send(it->second.identity, false, env)) return false;
  if (id) *id = sent_id;
  return true;
}

bool Daemon::SendCommand(const std::string& system, v1::Command::Kind kind, const std::string& target, uint64_t* id,
                         bool forced) {
  v1::Command cmd;
  cmd.set_kind(kind);
  cmd.set_target(target);
  cmd.set_forced(forced);
  return Send(system, std::move(cmd), id);
}

std::optional<uint64_t> Daemon::SendStep(const Pipeline::Step& step) {
  v1::Command cmd;
  cmd.set_kind(step.kind == Pipeline::Step::Kind::kRollback ? v1::Command::ROLLBACK : v1::Command::DEPLOY);
  cmd.set_revision(step.revision);
  cmd.set_reason(step.reason);
  uint64_t id = 0;
  if (!Send(step.system, std::move(cmd), &id)) return std::nullopt;
  return id;
}

void Daemon::HandleCommandResult(const v1::CommandResult& result) {
  if (pipeline_.OnCommandResult(result.id(), result.ok(), result.message())) return;
  if (fleet_deploy_cmd_ && result.id() == fleet_deploy_cmd_) {
    fleet_deploy_cmd_ = 0;
    fleet_.OnDeployResult(fleet_deploy_commit_, result.ok(), result.message());
    return;
  }
  bool freed = false;
  for (auto& [name, slot] : agents_) {
    if (slot.recover_in_flight == result.id()) {
      slot.recover_in_flight = 0;
      slot.recover_idle = !result.ok();  // nothing done: wait for a new report (the agent sends it before the reply)
      freed = true;
    }
  }
  control_.OnCommandResult(result);
  if (freed) AutoRecoverInOrder();  // the next waiting recovery may go
}

}  // namespace redundancy
