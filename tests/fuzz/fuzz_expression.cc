// A `${{ }}` expression: parsed, and evaluated against a small context.
#include "agents/workflows/expr.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace redundancy::workflows;
  std::string text = redundancy::fuzz::Text(data, size);
  ParsedExpr p = ParseExpr(text);
  if (p.root) {
    EvalContext ctx;
    ctx.contexts["github"] = {{"event_name", "push"}, {"ref", "refs/heads/main"}, {"event", {{"commits", {1, 2, 3}}}}};
    ctx.contexts["matrix"] = {{"node", {18, 20}}};
    ctx.workspace = redundancy::fuzz::ScratchDir();
    try {
      (void)Evaluate(*p.root, ctx);
    } catch (const std::runtime_error&) {
      // an evaluation error is a result
    }
  }
  (void)FindPlaceholders(text);
  return 0;
}
