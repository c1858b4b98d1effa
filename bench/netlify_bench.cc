// Netlify functions benchmark, printed as a table. Run by hand:
//   bash bench/run.sh netlify [--runs N]
// Discover + validate + write the manifest for 200 and 2,000 small functions
// (a mix of v1 CommonJS, v2 ESM and TypeScript), with and without node's
// syntax check (one node process for all files). The packager
// (@netlify/zip-it-and-ship-it) is not installed here; its listing figures
// from ../shared/reference/netlify.md are quoted for comparison.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "agents/netlify/functions.h"
#include "bench/bench_util.h"

namespace {
using namespace redundancy::bench;
namespace fs = std::filesystem;

void Project(const std::string& dir, int n) {
  fs::create_directories(dir + "/netlify/functions");
  std::ofstream(dir + "/netlify.toml") << "[functions]\n  directory = \"netlify/functions\"\n[functions.\"cron-*\"]\n  schedule = \"@daily\"\n";
  for (int i = 0; i < n; ++i) {
    std::string base = dir + "/netlify/functions/";
    if (i % 3 == 0) {
      std::ofstream(base + "fn" + std::to_string(i) + ".js") << "const path = require('path');\nexports.handler = async (event) => ({ statusCode: 200, body: path.join('a', '" << i << "') });\n";
    } else if (i % 3 == 1) {
      std::ofstream(base + "fn" + std::to_string(i) + ".mjs") << "import { readFile } from 'node:fs/promises';\nexport default async (req) => new Response('" << i << "');\nexport const config = { path: '/api/fn" << i << "' };\n";
    } else {
      std::ofstream(base + "cron-" + std::to_string(i) + ".ts") << "export default async () => { const n: number = " << i << "; return new Response(String(n)); };\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"netlify functions benchmark"};
  int runs = 10;
  app.add_option("--runs", runs, "repetitions per measurement");
  CLI11_PARSE(app, argc, argv);
  char tmpl[] = "/tmp/redundancy-netlify-bench-XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::printf("\n%-58s %10s %10s  %s\n", "metric (ms)", "median", "p90", "note");
  for (int n : {200, 2000}) {
    std::string dir = root + "/p" + std::to_string(n);
    Project(dir, n);
    for (int mode : {0, 1, 2}) {  // lexer only; node, cold; node, warm cache (as the agent runs)
      bool syntax = mode > 0;
      redundancy::netlify::SyntaxCache cache;
      std::vector<double> ms;
      for (int i = 0; i < runs; ++i) {
        if (mode == 2 && i == 0) {
          redundancy::netlify::DiscoverOptions warm;
          warm.cache = &cache;
          redundancy::netlify::Discover(dir, warm);
        }
        auto t0 = Clock::now();
        redundancy::netlify::DiscoverOptions o;
        o.syntax_check = syntax;
        if (mode == 2) o.cache = &cache;
        auto d = redundancy::netlify::Discover(dir, o);
        std::string err = redundancy::netlify::WriteManifest(dir + "/.netlify/functions/manifest.json",
                                                             redundancy::netlify::Manifest(d, 0));
        ms.push_back(Ms(Clock::now() - t0));
        if (static_cast<int>(d.functions.size()) != n || d.HasErrors() || !err.empty()) {
          std::cerr << "unexpected: " << d.functions.size() << " functions, " << d.problems.size() << " problems " << err << "\n";
          if (!d.problems.empty()) std::cerr << d.problems[0].file << ": " << d.problems[0].message << "\n";
          return 1;
        }
      }
      const char* modes[] = {" (lexer only)", " (+node, cold)", " (+node, warm cache)"};
      std::string label = "discover+validate+manifest, " + std::to_string(n) + " functions" + modes[mode];
      std::string note = n == 200 ? (mode == 2 ? "target <= 100 (the agent's case)" : mode == 1 ? "node start-up alone ~80 ms" : "") : "";
      std::printf("%-58s %10.1f %10.1f  %s\n", label.c_str(), Pct(ms, .5), Pct(ms, .9), note.c_str());
    }
  }
  std::printf("%-58s %10s %10s  %s\n", "zip-it-and-ship-it listing, 200 functions (reference)", "3300+", "", "load 3.3-6.2 s, then 11-386 ms per listing");
  fs::remove_all(root);
  return 0;
}
