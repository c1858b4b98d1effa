#include "ctl/fleet_cmds.h"

#include <iostream>

#include "common/config.h"
#include "common/etcd_client.h"
#include "common/json_text.h"
#include "common/status_render.h"
#include "ctl/cli_util.h"

namespace redundancy::ctl {
namespace {

// Seconds since each host's last keepalive: granted TTL minus what is left.
void FillLeaseAges(v1::FleetStatus* f, const std::string& config_file) {
  for (auto& h : *f->mutable_hosts()) h.set_lease_age_s(-1);
  auto config = LoadConfig(config_file);
  if (!config.ok() || !config->fleet.enabled()) return;
  const FleetConfig& fc = config->fleet;
  EtcdClient etcd({.endpoints = fc.etcd,
                   .username = fc.username,
                   .password = fc.password,
                   .tls = {fc.ca_file, fc.cert_file, fc.key_file},
                   .timeout = Millis(1'000)});
  for (auto& h : *f->mutable_hosts()) {
    if (!h.lease()) continue;
    auto ttl = etcd.TimeToLive(h.lease());
    if (ttl.ok()) h.set_lease_age_s(static_cast<double>(ttl->second - ttl->first));
    if (!ttl.ok() && ttl.error().find("unreachable") != std::string::npos) return;  // no point asking again
  }
}

}  // namespace

int FleetStatusCmd(const Caller& call, const std::string& config_file, bool json) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::STATUS);
  v1::ControlResponse resp;
  if (int code = call(req, &resp); code != 0) return code;
  if (!resp.status().fleet().enabled()) {
    std::cerr << "redundancyctl: this host is not part of a fleet (no fleet: in its config)\n";
    return kExitUsage;
  }
  v1::FleetStatus f = resp.status().fleet();
  FillLeaseAges(&f, config_file);
  if (json) {
    std::cout << JsonText(FleetToJson(f), 2) << "\n";
  } else {
    std::cout << FleetToTable(f, WantColor());
  }
  bool all_ok = f.etcd() == "connected";
  for (const auto& h : f.hosts()) all_ok = all_ok && (h.state() == "ok" || h.state() == "stopped");
  return all_ok ? kExitOk : kExitUnhealthy;
}

int FleetHistoryCmd(const Caller& call, int limit, bool json) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::FLEET_HISTORY);
  req.set_limit(static_cast<uint32_t>(std::max(1, limit)));
  v1::ControlResponse resp;
  if (int code = call(req, &resp); code != 0) return code;
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& h : resp.history())
      j.push_back({{"time", FormatTime(h.ts_ms())},
                   {"ts_ms", h.ts_ms()},
                   {"host", h.system()},
                   {"kind", h.kind()},
                   {"detail", h.detail()}});
    std::cout << JsonText(j, 2) << "\n";
    return kExitOk;
  }
  for (const auto& h : resp.history()) {
    char line[128];
    std::snprintf(line, sizeof line, "%s  %-12s %-20s ", FormatTime(h.ts_ms()).c_str(), h.system().c_str(),
                  h.kind().c_str());
    std::cout << line << h.detail() << "\n";
  }
  return kExitOk;
}

}  // namespace redundancy::ctl
