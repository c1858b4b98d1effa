#include "ctl/alert_cmds.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/json_text.h"

namespace redundancy::ctl {
namespace {

std::string Ago(int64_t now_ms, int64_t then_ms) {
  if (then_ms <= 0) return "-";
  return FormatDuration(Millis(std::max<int64_t>(0, (now_ms - then_ms) / 1000 * 1000))) + " ago";
}

// One request whose answer is only a message (printed by `call`) and an exit code.
int Send(const Caller& call, v1::ControlRequest::Op op, const std::string& arg, int64_t duration_ms = 0) {
  v1::ControlRequest req;
  req.set_op(op);
  req.set_arg(arg);
  req.set_duration_ms(duration_ms);
  v1::ControlResponse resp;
  return call(req, &resp);
}

std::string Pad(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

}  // namespace

int ListAlerts(const Caller& call, bool json) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::ALERTS);
  v1::ControlResponse resp;
  if (int code = call(req, &resp); code != 0) return code;
  auto j = nlohmann::json::parse(resp.json(), nullptr, false);
  if (j.is_discarded()) {
    std::cerr << "redundancyctl: the daemon's answer is not JSON\n";
    return 2;
  }
  bool firing = false;
  for (const auto& a : j["alerts"]) firing |= a.value("state", "") == "firing";
  if (json) {
    std::cout << JsonText(j, 2) << "\n";
    return firing ? 1 : 0;
  }
  int64_t now = j.value("now_ms", int64_t{0});
  if (j["alerts"].empty()) {
    std::cout << "no alerts firing or resolved in the last hour\n";
  } else {
    std::cout << Pad("ID", 6) << Pad("STATE", 10) << Pad("SEVERITY", 10) << Pad("TARGET", 28) << Pad("SINCE", 14)
              << Pad("LVL", 5) << Pad("NOTE", 22) << "SUMMARY\n";
    for (const auto& a : j["alerts"]) {
      std::string state = a.value("one_shot", false) ? "event" : a.value("state", "");
      std::string note = a.value("acked_by", "").empty() ? a.value("held", "") : "acked by " + a.value("acked_by", "");
      std::cout << Pad(std::to_string(a.value("id", 0)), 6) << Pad(state, 10) << Pad(a.value("severity", ""), 10)
                << Pad(a.value("target", ""), 28) << Pad(Ago(now, a.value("starts_ms", int64_t{0})), 14)
                << Pad(std::to_string(a.value("level", 1)), 5) << Pad(note, 22) << a.value("summary", "") << "\n";
    }
  }
  for (const auto& s : j["silences"]) {
    std::cout << "silenced: " << s.value("target", "") << " for another "
              << FormatDuration(Millis((s.value("until_ms", int64_t{0}) - now) / 1000 * 1000)) << "\n";
  }
  int pending = 0;
  for (const auto& d : j["deliveries"]) {
    if (d.value("state", "") != "pending") continue;
    ++pending;
    std::cout << "pending notification " << d.value("id", 0) << " to " << d.value("channel", "") << " ("
              << d.value("attempts", 0) << " attempt(s)"
              << (d.value("last_error", "").empty() ? "" : ", last: " + d.value("last_error", "")) << ")\n";
  }
  if (pending == 0 && !j["deliveries"].empty()) std::cout << "every notification delivered\n";
  return firing ? 1 : 0;
}

int AckAlert(const Caller& call, const std::string& id) { return Send(call, v1::ControlRequest::ALERT_ACK, id); }

int SilenceAlerts(const Caller& call, const std::string& target, const std::string& duration) {
  auto d = ParseDuration(duration);
  if (!d.ok() || d->count() <= 0) {
    std::cerr << "redundancyctl: --for: expected a duration such as 30m or 2h, got '" << duration << "'\n";
    return 2;
  }
  return Send(call, v1::ControlRequest::ALERT_SILENCE, target, d->count());
}

int UnsilenceAlerts(const Caller& call, const std::string& target) {
  return Send(call, v1::ControlRequest::ALERT_UNSILENCE, target);
}

}  // namespace redundancy::ctl
