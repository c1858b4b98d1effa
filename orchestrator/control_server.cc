#include "orchestrator/control_server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "common/constants.h"
#include "common/duration.h"
#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/control_reply.h"

namespace redundancy {
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
    case v1::ControlRequest::REPORT:
      return "report";
    case v1::ControlRequest::FLEET_HISTORY:
      return "fleet history";
    default:
      return "unknown";
  }
}

}  // namespace

Status ControlServer::Bind(transport::Context& ctx, const std::string& endpoint) {
  socket_ = std::make_unique<transport::Router>(ctx, endpoint);
  return socket_->Bind(0600);
}

void* ControlServer::handle() { return socket_->handle(); }

void ControlServer::ReceiveSome(const Handler& handler) {
  for (int i = 0; i < 64; ++i) {
    auto in = socket_->Receive();
    if (!in) break;
    Admit(*in, handler);
  }
}

void ControlServer::Reply(const ControlCaller& to, const v1::ControlResponse& resp) {
  v1::Envelope env;
  *env.mutable_control_response() = resp;
  socket_->Send(to.identity, to.with_delimiter, env);
}

void ControlServer::Admit(const transport::Incoming& in, const Handler& handler) {
  ControlCaller caller{in.identity, in.with_delimiter, in.peer.uid, in.peer.pid};
  if (in.frames < 2) {
    garbage_("control.sock", "a message without body");
    return;
  }
  // Only the daemon's own user may control it (SO_PEERCRED via libzmq).
  if (!in.peer.in_process && (!in.peer.known || in.peer.uid != geteuid())) {
    std::string who = in.peer.known
                          ? "uid " + std::to_string(in.peer.uid) + " (pid " + std::to_string(in.peer.pid) + ")"
                          : "a peer of unknown uid";
    spdlog::warn("control: refused {}", who);
    journal_->Note({.kind = events::kControlDenied, .detail = who});
    Reply(caller,
          ControlFail(2, "permission denied: only uid " + std::to_string(geteuid()) + " may control this daemon"));
    return;
  }
  v1::Envelope env;
  if (!transport::Decode(in.body, &env) || !env.has_control_request()) {
    garbage_("control.sock", "a message that is not a ControlRequest");
    Reply(caller, ControlFail(2, "not a ControlRequest"));
    return;
  }
  const auto& req = env.control_request();
  // Bounded and printable before anything is logged or stored: one argument
  // names a target, a system, a commit or a file, never a megabyte, and a
  // newline or ESC in it must not forge a log line.
  if (req.arg().size() > kMaxArg) {
    garbage_("control.sock", "an argument of " + std::to_string(req.arg().size()) + " bytes");
    Reply(caller, ControlFail(2, "the argument is " + std::to_string(req.arg().size()) + " bytes; at most " +
                                     std::to_string(kMaxArg) + " are accepted"));
    return;
  }
  for (unsigned char c : req.arg()) {
    if (c < 0x20 || c == 0x7f) {
      Reply(caller, ControlFail(2, "the argument holds control characters (newline, ESC...)"));
      return;
    }
  }
  if (req.duration_ms() < 0 || req.duration_ms() > kMaxDuration.count() || req.since_ms() < 0 ||
      req.limit() > 100'000) {
    Reply(caller, ControlFail(2, "a duration, time or limit out of range (durations up to " +
                                     FormatDuration(kMaxDuration) + ")"));
    return;
  }
  if (req.op() != v1::ControlRequest::STATUS && req.op() != v1::ControlRequest::HISTORY &&
      req.op() != v1::ControlRequest::ALERTS && req.op() != v1::ControlRequest::REPORT) {
    journal_->Note(
        {.kind = events::kControl,
         .detail = std::string(OpName(req.op())) + (req.arg().empty() ? "" : " " + req.arg()) + " by uid " +
                   std::to_string(in.peer.uid) + " pid " + std::to_string(in.peer.pid) +
                   // Only redundancyd itself (its status page) says on whose behalf it asks.
                   (in.peer.pid == getpid() && !req.via().empty() ? " via " + req.via().substr(0, 120) : "")});
  }
  if (auto resp = handler(req, caller)) Reply(caller, *resp);
}

void ControlServer::OnCommandResult(const v1::CommandResult& result) {
  for (auto& p : pending_) {
    if (!p.waiting.erase(result.id())) continue;
    if (!result.ok()) {
      p.failures.push_back(result.message());
    } else if (p.report_messages) {
      p.messages.push_back(result.message());
    }
  }
}

void ControlServer::Tick(SteadyTime now, const Finisher& finish) {
  for (auto& p : pending_) {
    if (now >= p.deadline) {
      p.failures.push_back("timed out waiting for the agents");
      p.waiting.clear();
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->waiting.empty()) {
      Reply(it->caller, finish(*it));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<SteadyTime> ControlServer::NextDeadline() const {
  std::optional<SteadyTime> next;
  for (const auto& p : pending_) next = next ? std::min(*next, p.deadline) : p.deadline;
  return next;
}

}  // namespace redundancy
