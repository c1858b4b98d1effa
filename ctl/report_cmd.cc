#include "ctl/report_cmd.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "ctl/cli_util.h"

namespace redundancy::ctl {

int ShowReport(const Caller& call, const std::string& since, bool json) {
  auto from = SinceEpochMs(since);
  if (!from) return kExitUsage;
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::REPORT);
  req.set_since_ms(std::max<int64_t>(1, *from));
  v1::ControlResponse resp;
  if (int code = call(req, &resp); code != 0) return code;
  if (json) {
    std::cout << resp.json() << "\n";
    return kExitOk;
  }
  auto j = nlohmann::json::parse(resp.json(), nullptr, false);
  if (j.is_discarded()) {
    std::cerr << "redundancyctl: the daemon's report does not parse\n";
    return kExitUnhealthy;
  }
  auto secs = [](const nlohmann::json& v) {
    double s = v.get<double>();
    return s <= 0 ? std::string("-") : FormatDuration(Millis(static_cast<int64_t>(s * 1000 + 0.5)));
  };
  auto row = [&](const std::string& name, const nlohmann::json& k) {
    char line[512];
    int incidents = k["incidents"].get<int>();
    std::snprintf(
        line, sizeof line, "%-32s %9.3f%%  %9d  %17s  %17s  %10s\n", name.c_str(), k["availability"].get<double>(),
        incidents,
        incidents ? (secs(k["mean_time_to_detect_s"]) + " / " + secs(k["p90_time_to_detect_s"])).c_str() : "-",
        incidents ? (secs(k["mean_time_to_recover_s"]) + " / " + secs(k["p90_time_to_recover_s"])).c_str() : "-",
        secs(k["longest_outage_s"]).c_str());
    std::cout << line;
    for (const auto& c : k["top_causes"])
      std::cout << "      " << c["count"].get<int>() << "x " << c["cause"].get<std::string>() << "\n";
  };
  std::cout << "from " << j["since"].get<std::string>() << " to " << j["until"].get<std::string>() << "\n\n";
  char head[256];
  std::snprintf(head, sizeof head, "%-32s %10s  %9s  %17s  %17s  %10s\n", "SYSTEM / TARGET", "AVAILABLE", "INCIDENTS",
                "DETECT mean/p90", "RECOVER mean/p90", "LONGEST");
  std::cout << head;
  for (const auto& s : j["systems"]) {
    row(s["name"].get<std::string>(), s);
    for (const auto& t : s["targets"]) row("  " + t["target"].get<std::string>(), t);
  }
  return kExitOk;
}

}  // namespace redundancy::ctl
