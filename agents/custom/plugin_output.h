// The Monitoring Plugins API (Nagios, Icinga, Sensu, monit, and Debian's
// monitoring-plugins): what an exec check's exit code and output mean.
//   exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (anything else: UNKNOWN)
//   output: "SUMMARY | PERFDATA\nLONG TEXT...\nMORE LONG TEXT | PERFDATA\nPERFDATA..."
//   perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], space separated
// Pure functions: no process, no clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "redundancy.pb.h"

namespace redundancy::custom {

struct PluginOutput {
  std::string summary;    // the first line's text, trimmed ("" when the plugin printed nothing)
  std::string long_text;  // the lines after it, up to the next '|'
  std::vector<v1::PerfData> perfdata;
  std::vector<std::string> problems;  // perfdata items that did not parse (shown in details, never fatal)
};

// At most this many perfdata items are kept (the rest are a problem).
inline constexpr size_t kMaxPerfData = 64;

PluginOutput ParsePluginOutput(std::string_view output);

// The health an exit code stands for: 0 ok, 1 degraded, 2 failed, anything else unknown.
v1::HealthStatus StatusOfExitCode(int code);

// "OK", "WARNING", "CRITICAL", "UNKNOWN" for 0..3, else "UNKNOWN".
const char* ServiceStateName(int code);

}  // namespace redundancy::custom
