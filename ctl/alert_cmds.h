// `redundancyctl alerts [--json]`, `alerts ack ID`, `alerts silence TARGET
// --for 1h`, `alerts unsilence TARGET`: the daemon's alerts over the control socket.
#pragma once

#include <functional>
#include <string>

#include "redundancy.pb.h"

namespace redundancy::ctl {

// Sends one request to the daemon; returns the exit code (0 ok).
using Caller = std::function<int(const v1::ControlRequest&, v1::ControlResponse*)>;

// Exit 0 when nothing fires, 1 when an alert fires (acknowledged or not).
int ListAlerts(const Caller& call, bool json);
int AckAlert(const Caller& call, const std::string& id);
int SilenceAlerts(const Caller& call, const std::string& target, const std::string& duration);
int UnsilenceAlerts(const Caller& call, const std::string& target);

}  // namespace redundancy::ctl
