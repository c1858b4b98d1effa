// The JS/TS lexer that reads a function's exports, config and imports.
#include "agents/netlify/js_source.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)redundancy::netlify::ScanSource(redundancy::fuzz::Text(data, size));
  return 0;
}
