// The PM2 daemon's life, as the agent sees it: a dead daemon is replaced in
// the same PM2_HOME (its orphans gone before its apps are restored exactly
// once), and a new daemon is started so that it belongs to nobody here: a
// stop, restart or kill of redundancyd never reaches it or its apps.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agents/pm2/pm2_agent.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/process/process.h"

namespace redundancy::pm2 {
namespace {

// Running and not a zombie, and still the same process (not a reused pid).
bool SameProcess(pid_t pid, uint64_t start_time) {
  auto st = process::StartTime(pid);
  return st.ok() && *st == start_time && process::IsRunning(pid);
}

// True when systemd runs the machine and we live in a service's cgroup: a
// daemon started from here would stay in that cgroup, and a stop of the
// service (KillMode=mixed or control-group) would kill it with every app.
bool InSystemdService() {
  std::error_code ec;
  if (!std::filesystem::exists("/run/systemd/system", ec)) return false;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0 || line.find(":name=systemd:") != std::string::npos) {
      if (line.find(".service") != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

std::string Pm2Agent::LaunchDaemonDirect(std::string* how) {
  using namespace std::chrono_literals;
  // <prefix>/bin/pm2 -> <package>/bin/pm2; Daemon.js is in <package>/lib.
  auto pm2 = process::ResolveExe(settings_.pm2_bin);
  auto node = process::ResolveExe("node");
  auto setsid = process::ResolveExe("setsid");
  if (!pm2.ok() || !node.ok() || !setsid.ok()) return "pm2, node or setsid not found";
  std::error_code ec;
  auto daemon_js = std::filesystem::canonical(*pm2, ec).parent_path().parent_path() / "lib" / "Daemon.js";
  if (ec || !std::filesystem::exists(daemon_js, ec)) return "no lib/Daemon.js next to " + *pm2;
  std::filesystem::create_directories(settings_.pm2_home, ec);
  // setsid -f: the daemon is forked off and adopted by init at once, in a
  // session of its own (never a descendant of redundancyd), as the CLI does.
  process::SpawnSpec spec{*setsid, {"-f", *node, daemon_js.string()}, Pm2Env(), ctx_.workspace, false};
  spec.env.emplace_back("SILENT", "true");
  spec.output_file = settings_.pm2_home + "/pm2.log";
  auto r = process::RunAndWait(spec);
  if (!r.ok()) return r.error();
  if (r->code != 0) return "setsid -f node Daemon.js: " + r->Describe();
  // Up once its RPC socket answers (PM2 binds it last).
  RpcClient probe(settings_.rpc_socket);
  for (int i = 0; i < 1000; ++i) {
    if (probe.Call("ping", nlohmann::json::array({nlohmann::json::object()}), 200ms).ok()) {
      *how = "node " + daemon_js.string();
      return "";
    }
    clock_->Sleep(5ms);
  }
  return "node " + daemon_js.string() + " did not answer on " + settings_.rpc_socket + " within 5 s";
}

// One try at starting a daemon; "" and *how set on success, else why not.
std::string Pm2Agent::LaunchDaemonOnce(std::string* how) {
  using namespace std::chrono_literals;
  if (!settings_.daemon_unit.empty()) {
    // PM2 is its own unit: systemd starts it, in its own cgroup.
    std::vector<std::string> args;
    if (settings_.daemon_unit_user) args.push_back("--user");
    args.insert(args.end(), {"restart", "--", settings_.daemon_unit});
    process::SpawnSpec spec{settings_.systemctl_bin, args, {}, ctx_.workspace, true};
    auto r = process::RunCapture(spec, 60s);
    if (!r.ok()) return r.error();
    if (r->exit.code != 0 || r->timed_out) {
      return "systemctl restart " + settings_.daemon_unit + ": " +
             (r->timed_out        ? "timed out"
              : r->output.empty() ? r->exit.Describe()
                                  : FoldLines(r->output));
    }
    *how = "systemctl restart " + settings_.daemon_unit;
    return "";
  }
  if (InSystemdService()) {
    // `pm2 ping` in a scope of its own, outside redundancyd's cgroup.
    auto pm2 = process::ResolveExe(settings_.pm2_bin);
    process::SpawnSpec scoped{
        "systemd-run",
        {"--scope", "--collect", "--quiet",
         "--unit=redundancy-pm2-" + std::to_string(getpid()) + "-" + std::to_string(clock_->WallMs()),
         pm2.ok() ? *pm2 : settings_.pm2_bin, "ping"},
        Pm2Env(),
        ctx_.workspace,
        false};
    auto r = process::RunCapture(scoped, 3s);
    if (r.ok() && r->exit.code == 0 && !r->timed_out) {
      *how = "systemd-run --scope pm2 ping";
      return "";
    }
    spdlog::warn(
        "systemd-run could not start PM2 outside this service ({}); set systems.pm2.daemon_unit, "
        "or a stop of redundancyd will stop PM2 too",
        r.ok() ? FoldLines(r->output) : r.error());
  }
  if (!InSystemdService()) {
    std::string why = LaunchDaemonDirect(how);
    if (why.empty()) return "";
    spdlog::info("starting PM2's daemon directly: {}; trying `pm2 ping`", why);
  }
  // `pm2 ping` starts a daemon that detaches into a session of its own; with
  // no subreaper here it is reparented to init when the CLI exits. It waits
  // ~30 s for a daemon that dies under it: hence the short leash (a cold
  // start answers in ~0.7 s here; a slow one is caught by DaemonAlive).
  process::SpawnSpec spec{settings_.pm2_bin, {"ping"}, Pm2Env(), ctx_.workspace, false};
  auto ping = process::RunCapture(spec, 3s);
  if (ping.ok() && ping->exit.code == 0 && !ping->timed_out) {
    *how = "pm2 ping";
    return "";
  }
  if (!ping.ok()) return ping.error();
  return ping->timed_out ? "pm2 ping timed out" : "pm2 ping: " + FoldLines(ping->output);
}

Status Pm2Agent::StartDaemon() {
  using namespace std::chrono_literals;
  // A daemon killed again the moment it is up (or a launcher that returns
  // before PM2 writes its pid file) gets another try at once, up to four.
  std::string why;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    std::string how;
    why = LaunchDaemonOnce(&how);
    if (why.empty()) {
      // systemd may report the unit started before PM2 writes its pid file;
      // `pm2 ping` returns once the daemon answered, so it is up (or killed).
      int hundredths = settings_.daemon_unit.empty() ? 50 : 500;
      for (int i = 0; i < hundredths && !DaemonAlive(); ++i) clock_->Sleep(10ms);
      if (DaemonAlive()) {
        spdlog::info("PM2 daemon started ({}), pid {}", how, DaemonPidFile());
        return Status::Ok();
      }
      why = how + " left no PM2 daemon running in " + settings_.pm2_home;
    } else if (DaemonAlive()) {
      spdlog::info("PM2 daemon started (slow to answer: {}), pid {}", why, DaemonPidFile());
      return Status::Ok();
    }
    spdlog::warn("starting the PM2 daemon, attempt {}: {}", attempt, why);
  }
  return Status::Error(why);
}

Status Pm2Agent::StartMissingFromEcosystems(const std::set<std::string>& listed, int* started) {
  // `pm2 start` with no daemon would start an empty one: restoring is RestoreDaemon's.
  if (!DaemonAlive()) return Status::Error("the PM2 daemon is not running; apps are restored with it");
  std::string errors;
  for (const auto& eco : ecosystems_) {
    if (eco.HasErrors()) continue;
    std::string only;
    int n = 0;
    for (const auto& app : eco.apps) {
      if (listed.count(app.name) || app.name == settings_.self_app || !expected_.count(app.name)) continue;
      only += (only.empty() ? "" : ",") + app.name;
      ++n;
    }
    if (only.empty()) continue;
    process::SpawnSpec spec{settings_.pm2_bin, {"start", eco.file, "--only", only}, Pm2Env(), ctx_.workspace, false};
    auto cli = process::RunCapture(spec, std::chrono::seconds(60));
    if (!cli.ok() || cli->exit.code != 0) {
      errors += (errors.empty() ? "" : "; ") + ("pm2 start " + eco.file + " --only " + only + ": " +
                                                (cli.ok() ? FoldLines(cli->output) : cli.error()));
      continue;
    }
    *started += n;
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

Status Pm2Agent::RestoreDaemon() {
  // Never start a PM2 daemon for nothing: only when apps were seen or are expected.
  if (!has_snapshot_ && expected_.empty()) {
    return Status::Error("no PM2 daemon runs and no app is expected or was ever seen; nothing to restore");
  }
  auto t0 = clock_->Now();
  auto ms_since = [this](SteadyTime t) {
    return std::to_string(std::chrono::duration_cast<Millis>(clock_->Now() - t).count()) + " ms";
  };
  // 1. Orphans of the dead daemon: exactly the processes we recorded (pid and
  //    start time), so a reused pid is never hit.
  std::vector<std::pair<pid_t, uint64_t>> orphans;
  for (auto& [name, t] : tracks_) {
    // Never redundancyd itself, when the watched PM2 hosts it.
    if (name == settings_.self_app || t.pid == getppid()) continue;
    if (t.pid > 0 && t.start_time > 0 && SameProcess(t.pid, t.start_time)) orphans.emplace_back(t.pid, t.start_time);
  }
  //    They exit while the new daemon boots (PM2 binds no app port itself);
  //    any left when it is up are killed before the apps start again.
  for (auto [pid, st] : orphans) process::Signal(pid, SIGTERM);
  // 2. A new daemon in the same PM2_HOME, outside our process tree.
  rpc_->Close();
  {
    std::lock_guard lock(mu_);
    bus_.Close();
  }
  if (Status s = StartDaemon(); !s.ok()) return s;
  auto list = ListApps();
  if (!list.ok()) return Status::Error("the new PM2 daemon does not answer: " + list.error());
  std::string took = "daemon " + ms_since(t0);
  auto t1 = clock_->Now();
  auto orphans_left = [&] {
    int n = 0;
    for (auto [pid, st] : orphans) n += SameProcess(pid, st);
    return n;
  };
  const int lingering = orphans_left();
  // Up to 1 s from the SIGTERM for a clean exit, then SIGKILL.
  while (orphans_left() > 0 && clock_->Now() - t0 < std::chrono::seconds(1))
    clock_->Sleep(std::chrono::milliseconds(10));
  for (auto [pid, st] : orphans) {
    if (SameProcess(pid, st)) process::Signal(pid, SIGKILL);
  }
  for (int i = 0; i < 100 && orphans_left() > 0; ++i) clock_->Sleep(std::chrono::milliseconds(2));
  if (lingering > 0) took += ", orphans " + ms_since(t1);
  auto t2 = clock_->Now();
  // 3. Every saved app that is not already listed, exactly once.
  std::set<std::string> listed;
  for (const auto& app : *list) listed.insert(app.name);
  int restored = 0;
  std::string errors;
  // All at once over the RPC socket: PM2 starts them in parallel.
  std::vector<std::string> names;
  std::vector<nlohmann::json> calls;
  for (const auto& env : ReadSnapshot()) {
    std::string name = env.value("name", "");
    if (name.empty() || listed.count(name) || name == settings_.self_app) continue;
    names.push_back(name);
    calls.push_back(nlohmann::json::array({env}));
  }
  auto results = rpc_->CallMany("prepare", calls, settings_.call_timeout);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const auto& r = results[i];
    if (r.ok()) {
      ++restored;
      listed.insert(name);
      AppTrack& t = tracks_[name];
      t.pid = 0;
      t.last_restart_time = -1;
      t.crashed = false;
    } else {
      errors += (errors.empty() ? "" : "; ") + name + ": " + r.error();
    }
  }
  // 4. On a cold start (no snapshot yet) or for apps the snapshot lacks:
  //    the ecosystem's apps now, not one check interval later.
  int started = 0;
  if (Status s = StartMissingFromEcosystems(listed, &started); !s.ok()) {
    errors += (errors.empty() ? "" : "; ") + s.message();
  }
  took += ", apps " + ms_since(t2);
  daemon_down_ = false;
  if (ctx_.emit) {
    ctx_.emit("pm2:daemon", events::kDaemonRestored,
              "killed " + std::to_string(orphans.size()) + " orphan(s), started a new daemon, restored " +
                  std::to_string(restored) + " app(s) from the snapshot, started " + std::to_string(started) +
                  " from ecosystem files in " + ms_since(t0) + " (" + took + ")" +
                  (errors.empty() ? "" : "; failed: " + errors));
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

}  // namespace redundancy::pm2
