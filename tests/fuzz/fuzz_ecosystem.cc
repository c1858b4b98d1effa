// PM2 ecosystem files in JSON or YAML (the first byte picks which).
#include "agents/pm2/ecosystem.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* name = data[0] & 1 ? "ecosystem.config.yaml" : "ecosystem.config.json";
  std::string path = redundancy::fuzz::WriteScratch(name, data + 1, size - 1);
  (void)redundancy::pm2::LoadEcosystem(path, "/nonexistent-node");
  return 0;
}
