// What each ControlRequest does (who may ask: ControlServer).
#include <unistd.h>

#include <optional>

#include "common/constants.h"
#include "common/event_kinds.h"
#include "common/json_text.h"
#include "common/logging.h"
#include "orchestrator/daemon.h"

namespace redundancy {

// The response, or nullopt when the answer comes later (FinishPending, once
// the agents have answered).
std::optional<v1::ControlResponse> Daemon::HandleControl(const v1::ControlRequest& req, const ControlCaller& caller) {
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
    case v1::ControlRequest::FLEET_HISTORY: {
      if (!fleet_.running())
        return ControlFail(2, "this host is not part of a fleet (no fleet: in " + config_.file + ")");
      for (const auto& item : fleet_.History(req.limit() ? req.limit() : 50)) {
        auto* h = resp.add_history();
        h->set_ts_ms(item.ts_ms);
        h->set_kind(item.kind);
        h->set_system(item.host);
        h->set_detail(item.detail);
      }
      return resp;
    }
    case v1::ControlRequest::REPORT: {
      auto report = ComputeHistoryReport(req.since_ms());
      if (!report.ok()) return ControlFail(1, report.error());
      resp.set_json(JsonText(ReportToJson(*report)));
      return resp;
    }
    case v1::ControlRequest::ALERTS:
    case v1::ControlRequest::ALERT_ACK:
    case v1::ControlRequest::ALERT_SILENCE:
    case v1::ControlRequest::ALERT_UNSILENCE:
      return alerting_.HandleControl(req, caller.uid);
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
      p.caller = caller;
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
      control_.Defer(std::move(p));
      return std::nullopt;
    }
    default:
      return ControlFail(2, "unknown control operation");
  }
}

v1::ControlResponse Daemon::FinishPending(const PendingControl& p) {
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
  return resp;
}

}  // namespace redundancy
