// The control socket: who may talk to it, and what each ControlRequest does.
#include <unistd.h>

#include "common/constants.h"
#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/daemon.h"

namespace redundancy {

// The longest argument a control request may carry.
constexpr size_t kMaxControlArg = 4096;
namespace {

const char* OpName(v1::ControlRequest::Op op) {
  switch (op) {
    case v1::ControlRequest::STATUS:
      return "status";
    case v1::ControlRequest::CHECK:
      return "check";
    case v1::ControlRequest::RESTART_AGENT:
      return "restart-agent";
    case v1::ControlRequest::PAUSE:
      return "pause";
    case v1::ControlRequest::RESUME:
      return "resume";
    case v1::ControlRequest::RELOAD:
      return "reload";
    case v1::ControlRequest::STOP:
      return "stop";
    case v1::ControlRequest::HISTORY:
      return "history";
    case v1::ControlRequest::RECOVER:
      return "recover";
    case v1::ControlRequest::ALERTS:
      return "alerts";
    case v1::ControlRequest::ALERT_ACK:
      return "alerts ack";
    case v1::ControlRequest::ALERT_SILENCE:
      return "alerts silence";
    case v1::ControlRequest::ALERT_UNSILENCE:
      return "alerts unsilence";
    default:
      return "unknown";
  }
}

}  // namespace

void Daemon::ReplyControl(const std::string& identity, bool with_delimiter, const v1::ControlResponse& resp) {
  v1::Envelope env;
  *env.mutable_control_response() = resp;
  control_sock_->Send(identity, with_delimiter, env);
}

void Daemon::HandleControlMessage(const transport::Incoming& in) {
  if (in.frames < 2) {
    NoteGarbage("control.sock", "a message without body");
    return;
  }
  // Only the daemon's own user may control it (SO_PEERCRED via libzmq).
  if (!in.peer.in_process && (!in.peer.known || in.peer.uid != geteuid())) {
    std::string who = in.peer.known
                          ? "uid " + std::to_string(in.peer.uid) + " (pid " + std::to_string(in.peer.pid) + ")"
                          : "a peer of unknown uid";
    spdlog::warn("control: refused {}", who);
    Record("", events::kControlDenied, who);
    ReplyControl(
        in.identity, in.with_delimiter,
        ControlFail(2, "permission denied: only uid " + std::to_string(geteuid()) + " may control this daemon"));
    return;
  }
  v1::Envelope env;
  if (!transport::Decode(in.body, &env) || !env.has_control_request()) {
    NoteGarbage("control.sock", "a message that is not a ControlRequest");
    ReplyControl(in.identity, in.with_delimiter, ControlFail(2, "not a ControlRequest"));
    return;
  }
  const auto& req = env.control_request();
  // Bounded and printable before anything is logged or stored: one argument
  // names a target, a system, a commit or a file, never a megabyte, and a
  // newline or ESC in it must not forge a log line.
  if (req.arg().size() > kMaxControlArg) {
    NoteGarbage("control.sock", "an argument of " + std::to_string(req.arg().size()) + " bytes");
    ReplyControl(in.identity, in.with_delimiter,
                 ControlFail(2, "the argument is " + std::to_string(req.arg().size()) + " bytes; at most " +
                                    std::to_string(kMaxControlArg) + " are accepted"));
    return;
  }
  for (unsigned char c : req.arg()) {
    if (c < 0x20 || c == 0x7f) {
      ReplyControl(in.identity, in.with_delimiter,
                   ControlFail(2, "the argument holds control characters (newline, ESC...)"));
      return;
    }
  }
  if (req.duration_ms() < 0 || req.duration_ms() > kMaxDuration.count() || req.since_ms() < 0 ||
      req.limit() > 100'000) {
    ReplyControl(in.identity, in.with_delimiter,
                 ControlFail(2, "a duration, time or limit out of range (durations up to " +
                                    FormatDuration(kMaxDuration) + ")"));
    return;
  }
  if (req.op() != v1::ControlRequest::STATUS && req.op() != v1::ControlRequest::HISTORY &&
      req.op() != v1::ControlRequest::ALERTS) {
    Record("", events::kControl,
           std::string(OpName(req.op())) + (req.arg().empty() ? "" : " " + req.arg()) + " by uid " +
               std::to_string(in.peer.uid) + " pid " + std::to_string(in.peer.pid));
  }
  http_.MarkChanged();  // pauses, acks, silences... show on the page
  v1::ControlResponse resp = HandleControl(req, in);
  if (resp.exit_code() >= 0) ReplyControl(in.identity, in.with_delimiter, resp);
}

// Returns the response, or one with exit_code -1 when the answer comes later
// (from FinishPending, once the agents have answered).
v1::ControlResponse Daemon::HandleControl(const v1::ControlRequest& req, const transport::Incoming& in) {
  v1::ControlResponse resp;
  resp.set_ok(true);
  SteadyTime now = clock_->Now();
  auto need_system = [&](const std::string& name) -> bool { return agents_.count(name) > 0; };
  // The system of a target ("pm2:api" -> pm2); the workflows agent's targets
  // are workflow:, workflow-run: and workflow-local:.
  auto system_of = [&](const std::string& target) {
    std::string sys = target.substr(0, target.find(':'));
    return sys.rfind("workflow", 0) == 0 && !agents_.count(sys) ? std::string("workflows") : sys;
  };
  switch (req.op()) {
    case v1::ControlRequest::STATUS:
      *resp.mutable_status() = Snapshot();
      return resp;
    case v1::ControlRequest::HISTORY: {
      if (!store_) return ControlFail(1, "history is not available");
      auto rows = store_->Query(req.since_ms(), static_cast<int>(req.limit()));
      if (!rows.ok()) return ControlFail(1, rows.error());
      for (const auto& r : *rows) {
        auto* h = resp.add_history();
        h->set_id(r.id);
        h->set_ts_ms(r.ts_ms);
        h->set_kind(r.kind);
        h->set_system(r.system);
        h->set_target(r.target);
        h->set_detail(r.detail);
      }
      return resp;
    }
    case v1::ControlRequest::ALERTS:
    case v1::ControlRequest::ALERT_ACK:
    case v1::ControlRequest::ALERT_SILENCE:
    case v1::ControlRequest::ALERT_UNSILENCE:
      return alerting_.HandleControl(req, in.peer.uid);
    case v1::ControlRequest::RESTART_AGENT:
      if (!need_system(req.arg())) return ControlFail(2, "no agent named '" + req.arg() + "'");
      agents_[req.arg()].sup->Restart(now);
      resp.set_message("agent " + req.arg() + " restarting");
      return resp;
    case v1::ControlRequest::RELOAD:
      return Reload();
    case v1::ControlRequest::STOP:
      resp.set_message("redundancyd (pid " + std::to_string(getpid()) + ") stopping" +
                       (options_.hosting_pm2.first.empty()
                            ? std::string()
                            : "; it is the PM2 app '" + options_.hosting_pm2.second + "' (PM2_HOME " +
                                  options_.hosting_pm2.first + "), which PM2 will start again: `pm2 stop " +
                                  options_.hosting_pm2.second + "` stops it for good"));
      *resp.mutable_status() = Snapshot();
      BeginShutdown("redundancyctl stop");
      return resp;
    case v1::ControlRequest::CHECK:
    case v1::ControlRequest::RECOVER:
    case v1::ControlRequest::PAUSE:
    case v1::ControlRequest::RESUME: {
      std::vector<std::string> systems;
      std::string target = req.arg();
      if (req.op() == v1::ControlRequest::RECOVER) {
        std::string sys = system_of(target);
        if (!need_system(sys)) return ControlFail(2, "no system for target '" + target + "'");
        systems.push_back(sys);
      } else if (req.arg().empty() && req.op() == v1::ControlRequest::CHECK) {
        for (const auto& [name, slot] : agents_) systems.push_back(name);
      } else {
        // PAUSE/RESUME take a system or one of its targets ("pm2:api").
        std::string sys = system_of(req.arg());
        if (!need_system(sys)) return ControlFail(2, "no system named '" + sys + "'");
        if (sys != req.arg() && req.op() == v1::ControlRequest::CHECK)
          return ControlFail(2, "check takes a system, not a target");
        systems.push_back(sys);
      }
      v1::Command::Kind kind = req.op() == v1::ControlRequest::CHECK     ? v1::Command::CHECK_NOW
                               : req.op() == v1::ControlRequest::RECOVER ? v1::Command::RECOVER
                               : req.op() == v1::ControlRequest::PAUSE   ? v1::Command::PAUSE
                                                                         : v1::Command::RESUME;
      bool one_target = target.find(':') != std::string::npos;
      if (kind == v1::Command::PAUSE) paused_.insert(target);
      if (kind == v1::Command::RESUME) paused_.erase(target);
      PendingControl p;
      p.identity = in.identity;
      p.with_delimiter = in.with_delimiter;
      p.systems = systems;
      p.deadline = now + kCheckTimeout;
      p.check_health = kind == v1::Command::CHECK_NOW || kind == v1::Command::RECOVER;
      p.report_messages = kind == v1::Command::RECOVER;
      for (const auto& sys : systems) {
        uint64_t id = 0;
        bool with_target = kind == v1::Command::RECOVER || one_target;
        if (SendCommand(sys, kind, with_target ? target : "", &id, /*forced=*/kind == v1::Command::RECOVER)) {
          p.waiting.insert(id);
        } else if (kind == v1::Command::CHECK_NOW || kind == v1::Command::RECOVER) {
          p.failures.push_back("agent " + sys + " is not connected (" + AgentStateName(agents_[sys].sup->state()) +
                               ")");
        }
      }
      pending_.push_back(std::move(p));
      resp.set_exit_code(-1);
      return resp;
    }
    default:
      return ControlFail(2, "unknown control operation");
  }
}

void Daemon::FinishPending(PendingControl& p) {
  v1::ControlResponse resp;
  resp.set_ok(p.failures.empty());
  *resp.mutable_status() = Snapshot();
  int code = p.failures.empty() ? 0 : 1;
  if (p.check_health) {
    for (const auto& sys : p.systems) {
      if (health_.Health(sys) != v1::HEALTH_OK) code = 1;
    }
  }
  std::string err, said;
  for (const auto& f : p.failures) err += (err.empty() ? "" : "; ") + f;
  for (const auto& m : p.messages) said += (said.empty() ? "" : "; ") + m;
  resp.set_error(Redact(err));
  resp.set_message(Redact(said));
  resp.set_exit_code(code);
  ReplyControl(p.identity, p.with_delimiter, resp);
}

}  // namespace redundancy
