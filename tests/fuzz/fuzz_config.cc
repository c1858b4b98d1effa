// The config loader: any bytes give a Config or a file:line error, never a
// crash, a hang or an exception (aliases, huge numbers, deep nesting).
#include "common/config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = redundancy::ParseConfig(redundancy::fuzz::Text(data, size), "fuzz.yaml", redundancy::fuzz::ScratchDir());
  if (!c.ok() && c.error().empty()) __builtin_trap();  // an error always says what
  return 0;
}
