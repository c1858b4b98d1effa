// `redundancyctl fleet status [--json]` and `fleet history [--limit N]
// [--json]`: the fleet as this host's redundancyd sees it through etcd.
// Each host's lease age (time since its last keepalive) is asked of etcd
// directly, with the config's fleet.* settings.
#pragma once

#include <string>

#include "ctl/alert_cmds.h"

namespace redundancy::ctl {

// Exit 0 when every host is ok, 1 when one is degraded, failed or lost, 2 without a fleet.
int FleetStatusCmd(const Caller& call, const std::string& config_file, bool json);
int FleetHistoryCmd(const Caller& call, int limit, bool json);

}  // namespace redundancy::ctl
