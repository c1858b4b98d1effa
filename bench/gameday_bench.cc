// Game day, measured: the demo site (two PM2 apps, an npm build, a bare
// remote) under faults, once watched by redundancy and once by PM2 alone (its
// own autorestart, nothing else). Per scenario: the site's availability over
// a fixed window after the fault (an HTTP GET every 50 ms), the time until it
// answers again, and the notifications a channel got. Run by hand:
//   bash bench/run.sh gameday [--window 15] [--only 'crash loop']
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/probe.h"

namespace {

using namespace redundancy::bench;
using namespace std::chrono_literals;

const std::string kSrc = SOURCE_DIR;
const std::string kBin = kSrc + "/build/bin";

struct Outcome {
  double availability = 0;  // % of requests answered in the window
  double recover_ms = -1;   // fault -> answering again (0: never down; -1: not within the window)
  int notifications = 0;
};

// A fresh copy of the demo as a git checkout of its own bare remote, its API on `port`.
std::string MakeSite(int port) {
  char tmpl[] = "/tmp/redundancy-gameday-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string ws = dir + "/site";
  Shell("cp -r " + kSrc + "/examples/demo " + ws + " && git init -q --bare -b main " + dir + "/remote.git");
  std::ofstream(ws + "/ecosystem.config.js")
      << "module.exports = {apps: [\n  {name: 'api', script: 'apps/api.js', env: {PORT: " << port
      << "}},\n  {name: 'worker', script: 'apps/worker.js'},\n]};\n";
  std::ofstream(ws + "/redundancy.yaml")
      << "workspace: .\nstate_dir: .redundancy\nhttp: {listen: \"\"}\n"
         "pipeline: {rollback: true}\n"
         "alerts: {threshold: 1, settle: 5s, channels: [{type: file, path: alerts.jsonl}]}\n"
         "systems:\n"
         "  git: {interval: 2s, remote: origin, branch: main, strategy: pull}\n"
         "  build: {interval: 10m, validate: \"npm run build --if-present\", artifacts: [dist/built.txt], sources: "
         "[apps]}\n"
         "  pm2: {interval: 2s, pm2_home: "
      << dir
      << "/pm2, ecosystem: ecosystem.config.js, restart_delay: 200ms}\n"
         "  workflows: {interval: 5m}\n  netlify: {interval: 10m, regenerate_manifest: true}\n";
  Shell("cd " + ws +
        " && printf 'alerts.jsonl\\nredundancy.yaml\\n.netlify/\\n' >> .gitignore && git init -q -b main && git add -A "
        "&& "
        "git -c user.name=b -c user.email=b@example.com commit -q -m site && git remote add origin " +
        dir + "/remote.git && git push -q origin main && git branch -q --set-upstream-to=origin/main main");
  return dir;
}

bool Answers(int port) {
  return redundancy::ProbeHttp("http://127.0.0.1:" + std::to_string(port) + "/health", redundancy::Millis(500))
             .http_status == 200;
}

pid_t ReadPid(const std::string& file) {
  std::ifstream in(file);
  pid_t p = 0;
  in >> p;
  return p;
}

// Polls the site from the fault on, for `window`.
Outcome Measure(int port, std::chrono::seconds window, const std::function<void()>& fault) {
  // Availability by time, not by count: a request to a wedged port takes
  // its whole 500 ms timeout, a good one a millisecond.
  double up_ms = 0, all_ms = 0;
  std::atomic<double> recovered{-1};
  std::atomic<bool> was_down{false};
  auto t0 = Clock::now();
  std::thread poller([&] {
    auto last = Clock::now();
    while (Clock::now() - t0 < window) {
      bool up = Answers(port);
      std::this_thread::sleep_for(50ms);
      auto now = Clock::now();
      double span = Ms(now - last);
      last = now;
      all_ms += span;
      if (up) {
        up_ms += span;
        if (was_down && recovered < 0) recovered = Ms(now - t0);
      } else {
        was_down = true;
      }
    }
  });
  fault();
  poller.join();
  Outcome o;
  o.availability = all_ms > 0 ? 100.0 * up_ms / all_ms : 0;
  o.recover_ms = was_down ? recovered.load() : 0;
  return o;
}

int Firing(const std::string& file) {
  std::string out;
  Shell("grep -c '\"status\":\"firing\",\"version\"' " + file + " 2>/dev/null", &out);
  return std::atoi(out.c_str());
}

struct Scenario {
  std::string name;
  std::function<void(const std::string& dir, int port)> fault;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"game day: the site under faults, with redundancy and with PM2 alone"};
  int window_s = 15;
  app.add_option("--window", window_s, "seconds measured after each fault");
  std::string only;
  app.add_option("--only", only, "run only the scenarios whose name contains this");
  CLI11_PARSE(app, argc, argv);
  auto window = std::chrono::seconds(window_s);

  auto kill_daemon = [](const std::string& dir) {
    pid_t god = ReadPid(dir + "/pm2/pm2.pid");
    if (god > 0) kill(god, SIGKILL);
    return god;
  };
  std::vector<Scenario> scenarios = {
      {"PM2 daemon kill -9", [&](const std::string& dir, int) { kill_daemon(dir); }},
      {"PM2 daemon kill -9, twice in a row",
       [&](const std::string& dir, int) {
         pid_t first = kill_daemon(dir);
         WaitFor(
             [&] {
               pid_t p = ReadPid(dir + "/pm2/pm2.pid");
               return p > 0 && p != first && kill(p, 0) == 0;
             },
             10s, std::chrono::microseconds(20'000));
         kill_daemon(dir);
       }},
      {"app kill -9 x5 (a crash loop)",
       [&](const std::string& dir, int) {
         for (int i = 0; i < 5; ++i) {
           std::string out;
           Shell("PM2_HOME=" + dir + "/pm2 pm2 pid api", &out);
           pid_t p = std::atoi(out.c_str());
           if (p > 0) kill(p, SIGKILL);
           std::this_thread::sleep_for(300ms);
         }
       }},
      {"app crash loop: its port taken for 5 s",
       [&](const std::string& dir, int port) {
         // Every start of the api dies of EADDRINUSE until the port is free.
         std::string out;
         Shell("PM2_HOME=" + dir + "/pm2 pm2 pid api", &out);
         pid_t p = std::atoi(out.c_str());
         int fd = socket(AF_INET, SOCK_STREAM, 0);
         int one = 1;
         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
         sockaddr_in a{};
         a.sin_family = AF_INET;
         a.sin_port = htons(static_cast<uint16_t>(port));
         a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
         if (p > 0) kill(p, SIGKILL);
         bool won = false;
         for (auto until = Clock::now() + 2s; !won && Clock::now() < until;) {
           won = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
         }
         if (won) listen(fd, 1);
         std::this_thread::sleep_for(5s);
         close(fd);
       }},
      {"broken commit pushed + PM2 daemon kill -9",
       [&](const std::string& dir, int) {
         Shell(
             "git clone -q " + dir + "/remote.git " + dir + "/dev && cd " + dir +
             "/dev && "
             "sed -i 's/\"build\": .*/\"build\": \"exit 1\"/' package.json && "
             "git -c user.name=b -c user.email=b@example.com commit -qam 'break the build' && git push -q origin main");
         kill_daemon(dir);
       }},
      {"git remote gone + PM2 daemon kill -9",
       [&](const std::string& dir, int) {
         Shell("mv " + dir + "/remote.git " + dir + "/remote.away");
         kill_daemon(dir);
       }},
      {"corrupt lock file + PM2 daemon kill -9",
       [&](const std::string& dir, int) {
         std::ofstream(dir + "/site/package-lock.json") << "{ not json";
         kill_daemon(dir);
       }},
  };

  std::printf("%-40s %-12s %12s %14s %14s\n", "scenario", "watcher", "available %", "recovered (ms)", "notifications");
  for (const auto& sc : scenarios) {
    if (!only.empty() && sc.name.find(only) == std::string::npos) continue;
    for (bool with_redundancy : {true, false}) {
      int port = FreePort();
      std::string dir = MakeSite(port);
      std::string ws = dir + "/site";
      std::string ctl = kBin + "/redundancyctl --config " + ws + "/redundancy.yaml ";
      if (with_redundancy) {
        Shell(ctl + "start >/dev/null 2>&1");
      } else {
        Shell("cd " + ws + " && PM2_HOME=" + dir + "/pm2 pm2 start ecosystem.config.js >/dev/null 2>&1");
      }
      bool up = WaitFor([&] { return Answers(port); }, 60s, std::chrono::microseconds(100'000));
      if (up) std::this_thread::sleep_for(with_redundancy ? 4s : 1s);  // past the cold start's grace
      Outcome o = up ? Measure(port, window, [&] { sc.fault(dir, port); }) : Outcome{};
      o.notifications = Firing(ws + "/alerts.jsonl");
      char rec[32];
      if (o.recover_ms < 0) {
        std::snprintf(rec, sizeof rec, "never");
      } else {
        std::snprintf(rec, sizeof rec, "%.0f", o.recover_ms);
      }
      std::printf("%-40s %-12s %12.1f %14s %14s\n", sc.name.c_str(), with_redundancy ? "redundancy" : "PM2 alone",
                  o.availability, rec, with_redundancy ? std::to_string(o.notifications).c_str() : "-");
      std::fflush(stdout);
      if (with_redundancy) Shell(ctl + "stop >/dev/null 2>&1");
      Shell("PM2_HOME=" + dir + "/pm2 pm2 kill >/dev/null 2>&1; rm -rf " + dir);
    }
  }
  std::printf("window %d s after each fault; target: back within 5 s of the fault, <= 1 notification per incident\n",
              window_s);
  return 0;
}
