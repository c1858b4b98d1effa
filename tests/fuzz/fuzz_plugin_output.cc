// What a check's plugin prints: any bytes, parsed as the Monitoring Plugins
// API output (summary, long text, perfdata), and a custom system's settings.
#include "agents/custom/plugin_output.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = redundancy::fuzz::Text(data, size);
  auto out = redundancy::custom::ParsePluginOutput(text);
  if (out.perfdata.size() > redundancy::custom::kMaxPerfData) __builtin_trap();
  for (const auto& p : out.perfdata) {
    if (p.label().empty() || p.label().size() > 200) __builtin_trap();
    if (p.value() != p.value()) __builtin_trap();  // never NaN
  }
  if (out.summary.find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
