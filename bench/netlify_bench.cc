// Netlify functions benchmark, printed as a table. Run by hand:
//   bash bench/run.sh netlify [--runs N]
// Discover + validate + write the manifest for 200 and 2,000 small functions
// (a mix of v1 CommonJS, v2 ESM and TypeScript), with and without node's
// syntax check (one node process for all files). With --peer, Netlify's own
// packager (@netlify/zip-it-and-ship-it, installed on demand into build/peer by
// scripts/netlify-peer.sh) lists the same trees: a whole listing process (node
// start-up, loading the package, one listing) and, inside one process, repeated
// listings; its function names must equal ours.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "agents/netlify/functions.h"
#include "bench/bench_util.h"

namespace {
using namespace redundancy::bench;
namespace fs = std::filesystem;

void Project(const std::string& dir, int n) {
  fs::create_directories(dir + "/netlify/functions");
  std::ofstream(dir + "/netlify.toml")
      << "[functions]\n  directory = \"netlify/functions\"\n[functions.\"cron-*\"]\n  schedule = \"@daily\"\n";
  for (int i = 0; i < n; ++i) {
    std::string base = dir + "/netlify/functions/";
    if (i % 3 == 0) {
      std::ofstream(base + "fn" + std::to_string(i) + ".js")
          << "const path = require('path');\nexports.handler = async (event) => ({ statusCode: 200, body: "
             "path.join('a', '"
          << i << "') });\n";
    } else if (i % 3 == 1) {
      std::ofstream(base + "fn" + std::to_string(i) + ".mjs")
          << "import { readFile } from 'node:fs/promises';\nexport default async (req) => new Response('" << i
          << "');\nexport const config = { path: '/api/fn" << i << "' };\n";
    } else {
      std::ofstream(base + "cron-" + std::to_string(i) + ".ts")
          << "export default async () => { const n: number = " << i << "; return new Response(String(n)); };\n";
    }
  }
}

struct PeerRun {
  std::vector<double> process_ms, list_ms;
  double load_ms = 0;
  std::set<std::string> names;
  std::string error;
};

// The packager on `dir`: `runs` listing processes, each timed whole, then one
// process listing `runs` times.
PeerRun Peer(const std::string& dir, int runs) {
  PeerRun r;
  auto once = [&](int repeats, nlohmann::json* j) {
    std::string out;
    int rc = Shell("{ bash scripts/netlify-peer.sh list " + dir + " netlify/functions " + std::to_string(repeats) +
                       " 2>/dev/null; }",
                   &out);
    *j = nlohmann::json::parse(out, nullptr, false);
    if (rc != 0 || j->is_discarded()) r.error = "the packager's listing failed: " + out.substr(0, 400);
    return r.error.empty();
  };
  nlohmann::json j;
  for (int i = 0; i < runs && r.error.empty(); ++i) {
    auto t0 = Clock::now();
    if (once(1, &j)) r.process_ms.push_back(Ms(Clock::now() - t0));
  }
  if (r.error.empty() && once(runs, &j)) {
    r.load_ms = j["load_ms"].get<double>();
    for (const auto& v : j["list_ms"]) r.list_ms.push_back(v.get<double>());
    for (const auto& f : j["functions"]) r.names.insert(f["name"].get<std::string>());
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"netlify functions benchmark"};
  int runs = 10;
  bool peer = false;
  app.add_option("--runs", runs, "repetitions per measurement");
  app.add_flag("--peer", peer,
               "also time @netlify/zip-it-and-ship-it on the same trees (npm install into build/peer once)");
  CLI11_PARSE(app, argc, argv);
  char tmpl[] = "/tmp/redundancy-netlify-bench-XXXXXX";
  std::string root = mkdtemp(tmpl);
  if (peer && Shell("bash scripts/netlify-peer.sh install >/dev/null") != 0) {
    std::cerr << "cannot install @netlify/zip-it-and-ship-it (scripts/netlify-peer.sh install)\n";
    return 1;
  }
  std::printf("\n%-58s %10s %10s  %s\n", "metric (ms)", "median", "p90", "note");
  for (int n : {200, 2000}) {
    std::string dir = root + "/p" + std::to_string(n);
    Project(dir, n);
    double cold_cli = 0, warm_agent = 0;
    std::set<std::string> ours;
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
          std::cerr << "unexpected: " << d.functions.size() << " functions, " << d.problems.size() << " problems "
                    << err << "\n";
          if (!d.problems.empty()) std::cerr << d.problems[0].file << ": " << d.problems[0].message << "\n";
          return 1;
        }
      }
      if (mode == 1) cold_cli = Pct(ms, .5);
      if (mode == 2) warm_agent = Pct(ms, .5);
      if (ours.empty()) {
        for (const auto& f : redundancy::netlify::Discover(dir, {}).functions) ours.insert(f.name);
      }
      const char* modes[] = {" (lexer only)", " (+node, cold)", " (+node, warm cache)"};
      std::string label = "discover+validate+manifest, " + std::to_string(n) + " functions" + modes[mode];
      std::string note = n == 200 ? (mode == 2   ? "target <= 100 (the agent's case)"
                                     : mode == 1 ? "node start-up alone ~80 ms"
                                                 : "")
                                  : "";
      std::printf("%-58s %10.1f %10.1f  %s\n", label.c_str(), Pct(ms, .5), Pct(ms, .9), note.c_str());
    }
    if (!peer) continue;
    PeerRun p = Peer(dir, runs);
    if (!p.error.empty()) {
      std::cerr << p.error << "\n";
      return 1;
    }
    std::string n_s = std::to_string(n);
    char note[160];
    std::snprintf(note, sizeof note, "ours %.0fx ahead (cold CLI), %.0fx (agent, warm)%s",
                  Pct(p.process_ms, .5) / cold_cli, Pct(p.process_ms, .5) / warm_agent,
                  p.names == ours ? "; same functions" : "; FUNCTION LISTS DIFFER");
    std::printf("%-58s %10.1f %10.1f  %s\n", ("packager listing process, " + n_s + " functions").c_str(),
                Pct(p.process_ms, .5), Pct(p.process_ms, .9), note);
    std::printf("%-58s %10.1f %10s  %s\n", "  of which loading the package", p.load_ms, "", "");
    std::snprintf(note, sizeof note, "its first listing %.1f", p.list_ms.empty() ? -1.0 : p.list_ms[0]);
    std::printf("%-58s %10.1f %10.1f  %s\n", ("packager listFunctions() in a warm process, " + n_s).c_str(),
                Pct(p.list_ms, .5), Pct(p.list_ms, .9), note);
    if (p.names != ours) {
      std::cerr << "the packager lists " << p.names.size() << " functions, we list " << ours.size() << "\n";
      return 1;
    }
  }
  if (!peer) {
    std::printf("%-58s %10s %10s  %s\n", "zip-it-and-ship-it listing, 200 functions (reference)", "3300+", "",
                "load 3.3-6.2 s, then 11-386 ms per listing; --peer runs it here");
  }
  fs::remove_all(root);
  return 0;
}
