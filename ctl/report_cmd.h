// `redundancyctl report [--since 7d] [--json]`: the KPIs the daemon computes
// from its history (orchestrator/report.h), as a table or as JSON.
#pragma once

#include <string>

#include "ctl/alert_cmds.h"

namespace redundancy::ctl {

int ShowReport(const Caller& call, const std::string& since, bool json);

}  // namespace redundancy::ctl
