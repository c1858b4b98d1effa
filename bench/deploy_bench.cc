// Git, build and pipeline benchmarks, printed as a table. Run by hand:
//   bash bench/run.sh deploy [--runs N] [--no-pipeline]
//  1. one sync of a 10,000-file repository with 300 changed files: our Sync
//     (the code the git agent and `redundancyctl git sync` run) vs `git pull --ff-only`
//  2. dependency check of a 1,000-package project: CheckDependencies (npm's
//     hidden lockfile path and the read-every-package.json path) vs `npm ls --all`
//  3. push -> the PM2 app serves the new code, through redundancyd's pipeline
//     (git poll 200 ms, npm run build, graceful reload), vs the by-hand
//     `git pull && npm ci && npm run build && pm2 reload` on the same machine
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agents/build/deps.h"
#include "agents/git/sync.h"
#include "bench/bench_util.h"

namespace {
using namespace redundancy::bench;
namespace fs = std::filesystem;

const char kGitIdentity[] =
    "GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com ";
const char kNpmOffline[] =
    "npm_config_offline=true npm_config_registry=http://127.0.0.1:9/ npm_config_update_notifier=false ";

void Must(const std::string& cmd) {
  std::string out;
  if (Shell(std::string(kGitIdentity) + cmd, &out) != 0) {
    std::cerr << "failed: " << cmd << "\n" << out << "\n";
    std::exit(1);
  }
}

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

struct Row {
  std::string metric;
  std::vector<double> ms;
  std::string note;
};

void PrintRows(const std::vector<Row>& rows) {
  std::printf("\n%-60s %10s %10s  %s\n", "metric (ms)", "median", "p90", "note");
  for (const auto& r : rows) {
    std::printf("%-60s %10.1f %10.1f  %s\n", r.metric.c_str(), Pct(r.ms, .5), Pct(r.ms, .9), r.note.c_str());
  }
}

std::string Ratio(const std::vector<double>& peer, const std::vector<double>& ours) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "peer/ours %.2fx", Pct(peer, .5) / Pct(ours, .5));
  return buf;
}

// 1. Sync of a big repository.
void GitBench(const std::string& root, int runs, std::vector<Row>* rows) {
  std::string remote = root + "/remote.git", dev = root + "/dev", ours = root + "/ours", peer = root + "/peer";
  Must("git init -q --bare -b main " + remote + " && git clone -q " + remote + " " + dev);
  for (int d = 0; d < 100; ++d) {
    for (int f = 0; f < 100; ++f) {
      Write(dev + "/d" + std::to_string(d) + "/f" + std::to_string(f) + ".js",
            "module.exports = " + std::to_string(d * 100 + f) + ";\n// " + std::string(200, 'x') + "\n");
    }
  }
  Must("git -C " + dev + " add -A && git -C " + dev + " commit -q -m init && git -C " + dev +
       " push -q origin HEAD:main");
  Must("git clone -q " + remote + " " + ours + " && git clone -q " + remote + " " + peer);
  Write(ours + "/.env", "KEEP=1\n");
  redundancy::git::SyncOptions o;
  o.dir = ours;
  o.strategy = "pull";
  Row sync{"git: Sync (pull), 10,000 files, 300 changed", {}, ""};
  Row pull{"git: `git pull --ff-only`, same change", {}, "peer"};
  Row dirty{"git: Sync (pull) with an uncommitted edit (stash+restore)", {}, ""};
  for (int i = 0; i < runs; ++i) {
    for (int k = 0; k < 300; ++k) {
      int n = (i * 300 + k * 31) % 10000;
      Write(dev + "/d" + std::to_string(n / 100) + "/f" + std::to_string(n % 100) + ".js",
            "module.exports = " + std::to_string(n) + " + " + std::to_string(i) + ";\n");
    }
    Must("git -C " + dev + " commit -qam change" + std::to_string(i) + " && git -C " + dev +
         " push -q origin HEAD:main");
    // Every third run with a local edit (stash and restore); the order alternates
    // so that neither side always pays for the remote's cold pack files.
    bool with_edit = i % 3 == 2;
    auto ours_run = [&] {
      if (with_edit) Write(ours + "/d99/f99.js", "local edit " + std::to_string(i) + "\n");
      auto t0 = Clock::now();
      auto r = redundancy::git::Sync(o);
      double ms = Ms(Clock::now() - t0);
      if (r.result != "ok") {
        std::cerr << "sync failed: " << r.message << "\n";
        std::exit(1);
      }
      (with_edit ? dirty : sync).ms.push_back(ms);
      if (with_edit) Must("git -C " + ours + " checkout -q -- d99/f99.js");
    };
    auto peer_run = [&] {
      auto t0 = Clock::now();
      Must("git -C " + peer + " pull -q --ff-only");
      pull.ms.push_back(Ms(Clock::now() - t0));
    };
    if (i % 2 == 0) {
      ours_run();
      peer_run();
    } else {
      peer_run();
      ours_run();
    }
  }
  sync.note = Ratio(pull.ms, sync.ms);
  rows->push_back(sync);
  rows->push_back(dirty);
  rows->push_back(pull);
}

// 2. A synthetic installed project: `top` packages, each with one nested dependency.
void DepsBench(const std::string& root, int runs, std::vector<Row>* rows) {
  const int top = 500;
  std::string p = root + "/deps";
  nlohmann::json pkg = {{"name", "bench"}, {"version", "1.0.0"}, {"dependencies", nlohmann::json::object()}};
  nlohmann::json packages = nlohmann::json::object();
  nlohmann::json hidden = nlohmann::json::object();
  for (int i = 0; i < top; ++i) {
    std::string name = "pkg" + std::to_string(i), nested = "inner" + std::to_string(i);
    pkg["dependencies"][name] = "^1.0.0";
    std::string key = "node_modules/" + name, nkey = key + "/node_modules/" + nested;
    packages[key] = {{"version", "1.0." + std::to_string(i % 7)}, {"dependencies", {{nested, "2.0.0"}}}};
    packages[nkey] = {{"version", "2.0.0"}};
    Write(p + "/" + key + "/package.json",
          nlohmann::json(
              {{"name", name}, {"version", "1.0." + std::to_string(i % 7)}, {"dependencies", {{nested, "2.0.0"}}}})
              .dump());
    Write(p + "/" + key + "/index.js", "module.exports = require('" + nested + "');\n");
    Write(p + "/" + nkey + "/package.json", nlohmann::json({{"name", nested}, {"version", "2.0.0"}}).dump());
    Write(p + "/" + nkey + "/index.js", "module.exports = 1;\n");
  }
  hidden = packages;
  packages[""] = {{"name", "bench"}, {"version", "1.0.0"}, {"dependencies", pkg["dependencies"]}};
  Write(p + "/package.json", pkg.dump(2));
  Write(
      p + "/package-lock.json",
      nlohmann::json(
          {{"name", "bench"}, {"version", "1.0.0"}, {"lockfileVersion", 3}, {"requires", true}, {"packages", packages}})
          .dump(2));
  sleep(1);  // the hidden lockfile must be newer than every folder, as npm writes it
  Write(p + "/node_modules/.package-lock.json",
        nlohmann::json(
            {{"name", "bench"}, {"version", "1.0.0"}, {"lockfileVersion", 3}, {"requires", true}, {"packages", hidden}})
            .dump(2));
  Row fast{"deps: CheckDependencies, 1,000 packages (hidden lockfile)", {}, ""};
  Row slow{"deps: CheckDependencies, 1,000 packages (each package.json)", {}, ""};
  Row npm{"deps: `npm ls --all --json`, same project", {}, "peer"};
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    auto r = redundancy::build::CheckDependencies(p);
    fast.ms.push_back(Ms(Clock::now() - t0));
    if (!r.ok() || !r.hidden_lockfile_used || r.expected != 2 * top) {
      std::cerr << "unexpected deps report: " << (r.problems.empty() ? r.error : r.problems[0]) << "\n";
      std::exit(1);
    }
    t0 = Clock::now();
    std::string out;
    int rc = Shell("cd " + p + " && " + kNpmOffline + "npm ls --all --json", &out);
    npm.ms.push_back(Ms(Clock::now() - t0));
    if (rc != 0) {
      std::cerr << "npm ls failed (" << rc << "): " << out.substr(0, 400) << "\n";
      std::exit(1);
    }
  }
  fs::rename(p + "/node_modules/.package-lock.json", p + "/hidden.json");
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    auto r = redundancy::build::CheckDependencies(p);
    slow.ms.push_back(Ms(Clock::now() - t0));
    if (!r.ok() || r.hidden_lockfile_used) std::exit(1);
  }
  fast.note = Ratio(npm.ms, fast.ms);
  slow.note = Ratio(npm.ms, slow.ms);
  rows->push_back(fast);
  rows->push_back(slow);
  rows->push_back(npm);
}

std::string Get(int port) {
  std::string out;
  Shell("node -e \"require('http').get('http://127.0.0.1:" + std::to_string(port) +
            "/', r => {let b=''; r.on('data', d => b += d); r.on('end', () => process.stdout.write(b))}).on('error', "
            "() => {})\"",
        &out);
  return out;
}

// 3. Push -> served, through the daemon; and by hand.
void PipelineBench(const std::string& root, const std::string& bin, int runs, std::vector<Row>* rows) {
  std::string src = std::string(SOURCE_DIR) + "/tests/fixtures/build";
  std::string remote = root + "/p-remote.git", dev = root + "/p-dev", deploy = root + "/p-deploy", home = root + "/pm2";
  int port = FreePort();
  std::string env = std::string(kNpmOffline) + "npm_config_cache=" + root + "/npm-cache PM2_HOME=" + home + " ";
  fs::copy(src + "/project", dev, fs::copy_options::recursive);
  fs::copy(src + "/server.js", dev + "/server.js");
  Write(dev + "/ecosystem.config.js",
        "module.exports = {apps: [{name: 'web', script: 'server.js', cwd: __dirname, env: {PORT: '" +
            std::to_string(port) + "'}}]};\n");
  Must("cd " + dev + "/pkg && tar czf ../vendor/greet-1.0.0.tgz --transform 's,^greet,package,' greet");
  Must("cd " + dev + " && " + env + "npm install --no-audit --no-fund >/dev/null");
  Must("git init -q --bare -b main " + remote + " && cd " + dev + " && git init -q -b main && git remote add origin " +
       remote + " && git add -A && git commit -qm init && git push -q origin main");
  Must("git clone -q " + remote + " " + deploy + " && cd " + deploy + " && " + env +
       "npm ci --no-audit --no-fund >/dev/null");
  Must(env + "pm2 start " + deploy + "/ecosystem.config.js >/dev/null");
  std::string cfg = root + "/redundancy.yaml";
  Write(cfg, "workspace: " + root + "\nstate_dir: " + root +
                 "/state\n"
                 "systems:\n"
                 "  git: {interval: 200ms, dir: " +
                 deploy +
                 "}\n"
                 "  build: {interval: 10m, dir: " +
                 deploy +
                 ", validate: \"npm run build\", validate_interval: 1h}\n"
                 "  pm2: {interval: 10s, pm2_home: " +
                 home + ", ecosystem: " + deploy + "/ecosystem.config.js, reload_wait: 0s}\n");
  std::string log;
  Must(env + bin + "/redundancyctl --config " + cfg + " start >/dev/null");
  Row auto_row{"pipeline: push -> app serves it (redundancyd, git poll 200ms)", {}, ""};
  Row hand{"by hand: git pull && npm ci && npm run build && pm2 reload", {}, "peer (no detection)"};
  for (int i = 0; i < runs; ++i) {
    std::string msg = "v" + std::to_string(i);
    Write(dev + "/src/index.js", "module.exports = () => '" + msg + "';\n");
    Must("cd " + dev + " && git commit -qam " + msg);
    auto t0 = Clock::now();
    Must("git -C " + dev + " push -q origin main");
    bool ok =
        WaitFor([&] { return Get(port) == msg + "\n"; }, std::chrono::seconds(60), std::chrono::microseconds(5000));
    if (!ok) {
      std::string h;
      Shell(bin + "/redundancyctl --config " + cfg + " history --limit 40", &h);
      std::cerr << "pipeline run " << i << " did not serve " << msg << " (serving '" << Get(port) << "')\n"
                << h << "\n";
      break;
    }
    auto_row.ms.push_back(Ms(Clock::now() - t0));
  }
  Must(env + bin + "/redundancyctl --config " + cfg + " stop >/dev/null");
  for (int i = 0; i < runs; ++i) {
    std::string msg = "h" + std::to_string(i);
    Write(dev + "/src/index.js", "module.exports = () => '" + msg + "';\n");
    Must("cd " + dev + " && git commit -qam " + msg + " && git push -q origin main");
    auto t0 = Clock::now();
    Must("cd " + deploy + " && git pull -q --ff-only && " + env + "npm ci --no-audit --no-fund >/dev/null && " + env +
         "npm run build >/dev/null && " + env + "pm2 reload web >/dev/null");
    WaitFor([&] { return Get(port) == msg + "\n"; }, std::chrono::seconds(30), std::chrono::microseconds(5000));
    hand.ms.push_back(Ms(Clock::now() - t0));
  }
  Shell(env + "pm2 kill >/dev/null");
  auto_row.note = Ratio(hand.ms, auto_row.ms);
  rows->push_back(auto_row);
  rows->push_back(hand);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"git, build and pipeline benchmarks"};
  int runs = 10;
  bool no_pipeline = false, no_git = false, no_deps = false;
  app.add_flag("--no-git", no_git, "skip the git sync measurement");
  app.add_flag("--no-deps", no_deps, "skip the dependency check measurement");
  app.add_option("--runs", runs, "repetitions per measurement");
  app.add_flag("--no-pipeline", no_pipeline, "skip the push-to-served measurement (needs pm2)");
  CLI11_PARSE(app, argc, argv);
  char tmpl[] = "/tmp/redundancy-deploy-bench-XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::string bin = fs::canonical("/proc/self/exe").parent_path().string();
  std::vector<Row> rows;
  if (!no_git) GitBench(root, runs, &rows);
  if (!no_deps) DepsBench(root, runs, &rows);
  if (!no_pipeline) PipelineBench(root, bin, runs, &rows);
  PrintRows(rows);
  fs::remove_all(root);
  return 0;
}
