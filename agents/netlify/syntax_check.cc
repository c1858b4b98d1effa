#include "agents/netlify/syntax_check.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/json_text.h"
#include "common/process/process.h"

namespace redundancy::netlify {
namespace {

using Verdicts = std::map<std::string, SyntaxVerdict>;

// Node: the file list in a temporary file, the verdicts as one JSON line.
void NodeCheck(const std::vector<SyntaxJob>& jobs, const std::string& node, Verdicts* out,
               std::vector<std::string>* cannot_run) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& j : jobs) list.push_back({{"path", j.path}, {"esm", j.kind == SyntaxJob::Kind::kModule}});
  char tmpl[] = "/tmp/redundancy-netlify-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    cannot_run->push_back("cannot write a temporary file to check syntax");
    return;
  }
  std::string body = JsonText(list);
  bool written = write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  close(fd);
  static const char kScript[] = R"JS(
const vm = require('vm'), fs = require('fs'), Module = require('module');
const out = {};
for (const f of JSON.parse(fs.readFileSync(process.argv[1], 'utf8'))) {
  let src;
  try { src = fs.readFileSync(f.path, 'utf8'); } catch (e) { continue; }
  if (src.startsWith('#!')) src = '//' + src;
  try {
    if (f.esm) new vm.SourceTextModule(src, {identifier: f.path});
    else new vm.Script(Module.wrap(src), {filename: f.path});
  } catch (e) {
    // A module's SyntaxError has no position: node --check says where.
    let m = /:(\d+)\n/.exec(String(e.stack));
    if (f.esm) {
      const r = require('child_process').spawnSync(process.execPath, ['--input-type=module', '--check'],
                                                   {input: src, encoding: 'utf8', timeout: 10000});
      m = /^\[stdin\]:(\d+)/.exec(String(r.stderr));
    }
    const lines = src.split('\n').length;  // an unexpected end is reported on the wrapper's last line
    out[f.path] = {message: e.message, line: Math.min(Number((m || [])[1] || 0), lines)};
  }
}
process.stdout.write('\n@@RESULT@@' + JSON.stringify(out) + '\n');
)JS";
  process::SpawnSpec spec;
  spec.exe = node;
  spec.args = {"--no-warnings", "--experimental-vm-modules", "-e", kScript, tmpl};
  auto r =
      written ? process::RunCapture(spec, std::chrono::seconds(60)) : Result<process::Captured>::Error("cannot write");
  unlink(tmpl);
  if (!r.ok()) {
    cannot_run->push_back("cannot run node to check syntax: " + r.error());
    return;
  }
  size_t at = r->output.find("@@RESULT@@");
  if (at == std::string::npos) {
    cannot_run->push_back("node did not report syntax results");
    return;
  }
  std::string json = r->output.substr(at + 10);
  auto res = nlohmann::json::parse(json.substr(0, json.find('\n')), nullptr, false);
  if (!res.is_object()) return;
  for (const auto& [path, err] : res.items()) {
    (*out)[path] = {err.value("message", "syntax error"), err.value("line", 0), 0};
  }
}

// esbuild: every file transformed into a scratch directory; errors read from
//   ✘ [ERROR] Unexpected ";"
//
//       path/to/file.ts:4:24:
void EsbuildCheck(const std::vector<SyntaxJob>& jobs, const std::string& esbuild, Verdicts* out,
                  std::vector<std::string>* cannot_run) {
  auto exe = process::ResolveExe(esbuild);
  if (!exe.ok()) return;  // not installed: TypeScript is left to the lexer
  char tmpl[] = "/tmp/redundancy-esbuild-XXXXXX";
  if (!mkdtemp(tmpl)) {
    cannot_run->push_back("cannot make a temporary directory to check TypeScript");
    return;
  }
  process::SpawnSpec spec;
  spec.exe = *exe;
  spec.cwd = "/";
  spec.args = {"--log-level=error", "--log-limit=0", "--color=false", "--outbase=/", std::string("--outdir=") + tmpl};
  for (const auto& j : jobs) spec.args.push_back(j.path);
  auto r = process::RunCapture(spec, std::chrono::seconds(60));
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  if (!r.ok()) {
    cannot_run->push_back("cannot run esbuild to check TypeScript: " + r.error());
    return;
  }
  static const std::regex kError(R"(\[ERROR\] ([^\n]*)\n\s*\n\s*(\S[^\n]*):(\d+):(\d+):\n)");
  for (auto it = std::sregex_iterator(r->output.begin(), r->output.end(), kError); it != std::sregex_iterator(); ++it) {
    std::string path = (*it)[2].str();
    if (path[0] != '/') path = "/" + path;  // relative to cwd "/"
    if (!out->count(path)) (*out)[path] = {(*it)[1].str(), std::stoi((*it)[3].str()), std::stoi((*it)[4].str()) + 1};
  }
}

}  // namespace

std::map<std::string, SyntaxVerdict> CheckSyntax(const std::vector<SyntaxJob>& jobs, const SyntaxTools& tools,
                                                 std::vector<std::string>* cannot_run) {
  std::vector<SyntaxJob> js, ts;
  for (const auto& j : jobs) (j.kind == SyntaxJob::Kind::kTypeScript ? ts : js).push_back(j);
  Verdicts out;
  if (!js.empty()) NodeCheck(js, tools.node_bin, &out, cannot_run);
  if (!ts.empty()) EsbuildCheck(ts, tools.esbuild_bin, &out, cannot_run);
  return out;
}

}  // namespace redundancy::netlify
