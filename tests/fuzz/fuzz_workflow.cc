// The workflow linter on any file: problems, never a crash or a hang
// (recursive aliases, alias bombs, broken expressions).
#include "agents/workflows/lint.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  redundancy::workflows::LintOptions options;
  (void)redundancy::workflows::LintWorkflow(redundancy::fuzz::Text(data, size), options);
  return 0;
}
