// netlify.toml and function discovery from bytes: the input is split into a
// netlify.toml and a function's source; both are read as the agent reads them.
#include "agents/netlify/functions.h"
#include "agents/netlify/netlify_toml.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace redundancy;
  size_t cut = size / 2;
  fuzz::WriteScratch("site/netlify.toml", data, cut);
  fuzz::WriteScratch("site/netlify/functions/f.mjs", data + cut, size - cut);
  std::vector<netlify::Problem> problems;
  (void)netlify::ReadNetlifyToml(fuzz::ScratchDir() + "/site", &problems);
  netlify::DiscoverOptions o;
  o.syntax_check = false;  // no node: the lexer and the TOML rules only
  (void)netlify::Discover(fuzz::ScratchDir() + "/site", o);
  return 0;
}
