#include "agents/pm2/pm2_agent.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/paths.h"
#include "common/probe.h"
#include "common/process/process.h"
#include "common/status_render.h"

namespace redundancy::pm2 {
namespace fs = std::filesystem;
namespace {

std::string Mb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fMB", bytes / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Pm2Agent::Pm2Env() const { return {{"PM2_HOME", settings_.pm2_home}}; }

Status Pm2Agent::Configure(const AgentContext& ctx) {
  ctx_ = ctx;
  auto s = ParseSettings(ctx.settings, ctx.workspace);
  if (!s.ok()) return s.status();
  settings_ = *s;
  rpc_ = std::make_unique<RpcClient>(settings_.rpc_socket);
  std::error_code ec;
  fs::create_directories(ctx_.state_dir + "/pm2", ec);
  ecosystems_.clear();
  ecosystem_prints_.clear();
  expected_.clear();
  poison_.Open(ctx_.state_dir + "/pm2", clock_->WallMs());
  for (const auto& f : settings_.ecosystem_files) {
    ecosystems_.push_back(LoadEcosystemGuarded(f));
    for (const auto& app : ecosystems_.back().apps) expected_.insert(app.name);
  }
  for (const auto& a : settings_.apps) expected_.insert(a);
  expected_.erase(settings_.self_app);
  expected_from_config_ = !expected_.empty();
  operator_deleted_.clear();
  if (settings_.respect_operator) {
    std::ifstream in(OperatorDeletedPath());
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_number_integer()) operator_deleted_[it.key()] = it.value().get<int64_t>();
      }
    }
    for (const auto& [name, at] : operator_deleted_) expected_.erase(name);
  }
  has_snapshot_ = !ReadSnapshot().empty();
  {
    std::lock_guard lock(mu_);
    bus_.Close();
  }
  return Status::Ok();
}

pid_t Pm2Agent::DaemonPidFile() const {
  std::ifstream in(settings_.pm2_home + "/pm2.pid");
  pid_t pid = 0;
  return (in >> pid) && pid > 0 ? pid : 0;
}

bool Pm2Agent::DaemonAlive() const {
  pid_t pid = DaemonPidFile();
  return pid > 0 && process::IsRunning(pid);
}

Result<std::vector<AppInfo>> Pm2Agent::ListApps() {
  using Apps = Result<std::vector<AppInfo>>;
  daemon_down_ = false;
  auto raw = rpc_->CallRaw("getMonitorData", nlohmann::json::array({nlohmann::json::object()}), settings_.call_timeout);
  Apps apps = raw.ok() ? ParseMonitorReply(*raw) : Apps(raw.status());
  if (apps.ok()) {
    via_cli_ = false;
    last_list_raw_ = std::move(raw.value());
    last_list_is_reply_ = true;
    if (pm2_version_.empty()) {
      auto v = rpc_->Call("getVersion", nlohmann::json::array({nlohmann::json::object()}), settings_.call_timeout);
      if (v.ok() && v->size() >= 1 && (*v)[0].is_string()) pm2_version_ = (*v)[0].get<std::string>();
    }
    return apps;
  }
  std::string why = apps.error();
  // A daemon killed a moment ago may still look alive: look again before
  // trusting the CLI (which would start an empty daemon in its place).
  for (int i = 0; i < 20 && DaemonAlive(); ++i) clock_->Sleep(std::chrono::milliseconds(5));
  pid_t daemon = DaemonPidFile();
  if (!DaemonAlive()) {
    daemon_down_ = true;
    pm2_version_.clear();
    return Apps::Error("the PM2 daemon is not running (" + settings_.pm2_home + "/pm2.pid)");
  }
  // The daemon runs but its socket cannot be used: ask the CLI (never when
  // the daemon is down: `pm2 jlist` would silently start an empty one).
  process::SpawnSpec spec{settings_.pm2_bin, {"jlist"}, Pm2Env(), ctx_.workspace, false};
  auto cli = process::RunCapture(spec, std::chrono::seconds(30));
  if (DaemonPidFile() != daemon) {
    // The daemon died while we asked: the CLI started a new, empty one. Its
    // apps are orphans to kill and then restore (RestoreDaemon), not an empty list.
    daemon_down_ = true;
    pm2_version_.clear();
    return Apps::Error("the PM2 daemon (pid " + std::to_string(daemon) +
                       ") died; pm2 jlist started an empty one in its place");
  }
  if (!cli.ok() || cli->exit.code != 0) {
    return Apps::Error("cannot list apps: " + why +
                       "; pm2 jlist: " + (cli.ok() ? FoldLines(cli->output) : cli.error()));
  }
  // Warnings such as "[PM2] ..." may come first: parse from the first '[' that starts a list.
  for (size_t start = cli->output.find('['); start != std::string::npos; start = cli->output.find('[', start + 1)) {
    auto list = ParseAppList(std::string_view(cli->output).substr(start));
    if (list.ok()) {
      via_cli_ = true;
      cli_reason_ = why;
      last_list_raw_ = cli->output.substr(start);
      last_list_is_reply_ = false;
      return list;
    }
  }
  return Apps::Error("pm2 jlist printed no list");
}

Status Pm2Agent::Act(const std::string& method, int pm_id) {
  if (!via_cli_) {
    bool by_opts = method == "restartProcessId" || method == "reloadProcessId";  // God takes {id}
    nlohmann::json args = by_opts ? nlohmann::json::array({{{"id", pm_id}}}) : nlohmann::json::array({pm_id});
    auto r = rpc_->Call(method, args, settings_.call_timeout);
    if (r.ok()) return Status::Ok();
    if (r.error().rfind("connect:", 0) != 0) return r.status();
  }
  // Never the CLI while the daemon is down: it would start an empty one (and
  // every app would look deleted). The next check restores the daemon.
  if (!DaemonAlive()) {
    daemon_down_ = true;
    return Status::Error("the PM2 daemon is not running (" + settings_.pm2_home + "/pm2.pid)");
  }
  std::string verb = method == "restartProcessId"  ? "restart"
                     : method == "reloadProcessId" ? "reload"
                     : method == "stopProcessId"   ? "stop"
                                                   : "delete";
  process::SpawnSpec spec{settings_.pm2_bin, {verb, std::to_string(pm_id)}, Pm2Env(), ctx_.workspace, false};
  auto cli = process::RunCapture(spec, std::chrono::seconds(30));
  if (!cli.ok()) return cli.status();
  if (cli->exit.code != 0)
    return Status::Error("pm2 " + verb + " " + std::to_string(pm_id) + ": " + FoldLines(cli->output));
  return Status::Ok();
}

std::vector<int> Pm2Agent::WatchedFds() {
  std::lock_guard lock(mu_);
  if (bus_.connected()) return {bus_.fd()};
  return {};
}

bool Pm2Agent::OnReadable(int fd) {
  std::lock_guard lock(mu_);
  if (!bus_.connected() || bus_.fd() != fd) return false;
  bool wake = false;
  for (auto& e : bus_.Read()) {
    wake |= e.daemon_kill || e.event == "exit" || e.event == "stop" || e.event == "delete" ||
            e.event == "restart overlimit" || e.event == "online";
    pending_events_.push_back(std::move(e));
  }
  if (bus_.closed()) {
    bus_lost_ = true;  // the daemon went away: check (and recover) now
    wake = true;
  }
  return wake;
}

std::optional<Millis> Pm2Agent::NextCheckWithin() {
  std::lock_guard lock(mu_);
  return next_check_within_;
}

Status Pm2Agent::SetTargetPaused(const std::string& target, bool paused) {
  std::string name = target.rfind("pm2:", 0) == 0 ? target.substr(4) : target;
  tracks_[name].paused = paused;
  return Status::Ok();
}

void Pm2Agent::ApplyBusEvents() {
  std::vector<BusEvent> events;
  {
    std::lock_guard lock(mu_);
    events.swap(pending_events_);
  }
  for (const auto& e : events) {
    if (e.daemon_kill || e.name.empty() || e.name == settings_.self_app) continue;
    AppTrack& t = tracks_[e.name];
    if (e.event == "exit") {
      // An exit PM2 is performing for a stop carries status "stopping"; a crash does not.
      if (e.status == "stopping")
        t.intentional_stop |= !t.stopping;
      else if (!t.intentional_stop)
        t.crashed = true;
    } else if (e.event == "stop" || e.event == "delete") {
      // Our own stop of a restart storm is not the operator's wish: a deploy
      // or the backoff's end starts it again.
      t.intentional_stop = e.event == "delete" || !t.stopping;
      if (e.event == "stop") t.stopping = false;
      t.crashed = false;
      if (e.event == "delete") {
        bool ours = t.deleting || e.name.rfind(settings_.backup_prefix, 0) == 0;
        t.deleting = false;
        if (!expected_from_config_) expected_.erase(e.name);
        if (!ours && settings_.respect_operator && expected_.count(e.name)) RecordOperatorDelete(e.name);
      }
    } else if (e.event == "online" || e.event == "restart" || e.event == "start") {
      t.intentional_stop = false;
      t.crashed = false;
      if (operator_deleted_.erase(e.name)) {  // started again, by whoever: watched again
        SaveOperatorDeleted();
        for (const auto& eco : ecosystems_) {
          for (const auto& app : eco.apps) {
            if (app.name == e.name) expected_.insert(e.name);
          }
        }
        for (const auto& a : settings_.apps) {
          if (a == e.name) expected_.insert(e.name);
        }
      }
    }
  }
}

void Pm2Agent::Evaluate(const AppInfo& app, AppTrack& t, SteadyTime now) {
  const std::string& status = app.status;
  t.pm_id = app.pm_id;
  pid_t pid = app.pid;
  if (pid > 0 && pid != t.pid) {
    auto st = process::StartTime(pid);
    t.pid = pid;
    t.start_time = st.ok() ? *st : 0;
  }
  if (pid <= 0) t.pid = 0;
  int restart_time = app.restart_time;
  if (t.last_restart_time >= 0 && restart_time > t.last_restart_time) {
    for (int i = 0; i < std::min(restart_time - t.last_restart_time, 1000); ++i) t.exits.push_back(now);
  }
  t.last_restart_time = restart_time;
  while (!t.exits.empty() && now - t.exits.front() > settings_.storm_within) t.exits.pop_front();

  Failure f = Failure::kNone;
  std::string text;
  if (t.paused) {
    f = Failure::kNone;
  } else if (status == "errored") {
    f = Failure::kErrored;
    text = "errored: PM2 gave up after " + std::to_string(restart_time) + " restarts";
  } else if (status == "stopped" || status == "stopping") {
    if (t.storm_stopped()) {
      f = Failure::kStorm;
      text = "restart storm: stopped by redundancy";
      // No promise once the budget is spent (the gave_up notice quotes this).
      if (!t.gave_up() && t.attempts < settings_.max_restart_attempts) text += ", restarting after a backoff";
    } else if (t.crashed && !t.intentional_stop && !app.autorestart) {
      // With autorestart on, PM2 restarts it itself (or marks it errored).
      f = Failure::kExited;
      text =
          "exited (code " + (app.exit_code.empty() ? std::string("?") : app.exit_code) + ") and PM2 did not restart it";
    }
  } else if (status == "online" || status == "launching") {
    int storm = static_cast<int>(t.exits.size());
    // Only exits since our last restart: the one that ended a storm is
    // not stopped again for the storm it ended (the window still holds it).
    if (storm > settings_.storm_restarts && t.exits.back() > t.restarted_at) {
      f = Failure::kStorm;
      text = "restart storm: " + std::to_string(storm) + " restarts within " + FormatDuration(settings_.storm_within);
    }
    double memory = app.memory;
    if (settings_.max_memory > 0 && memory > static_cast<double>(settings_.max_memory)) {
      ++t.memory_over;
    } else {
      t.memory_over = 0;
    }
    if (f == Failure::kNone && settings_.max_memory > 0 && t.memory_over >= settings_.memory_samples) {
      f = Failure::kMemory;
      text = "memory " + Mb(memory) + " above max_memory " + Mb(static_cast<double>(settings_.max_memory)) + " for " +
             std::to_string(t.memory_over) + " samples";
    }
    auto probe = settings_.health.find(app.name);
    if (probe != settings_.health.end() && status == "online") {
      ProbeResult r = probe->second.url.empty() ? ProbeTcp(probe->second.tcp, probe->second.timeout)
                                                : ProbeHttp(probe->second.url, probe->second.timeout);
      t.probe_failures = r.ok ? 0 : t.probe_failures + 1;
      if (f == Failure::kNone && t.probe_failures >= probe->second.failures) {
        f = Failure::kProbe;
        text = "health probe failed " + std::to_string(t.probe_failures) + " times: " + r.error;
      }
    }
  }
  if (f != Failure::kNone && f != Failure::kMemory && f != Failure::kProbe) {
    // Why it died, in its own words: the last lines it wrote to stderr and its exit.
    std::string tail = app.err_log.empty() ? "" : ReadTailLines(app.err_log, 40);
    if (tail != t.error_tail) {
      t.error_tail = tail;
      t.cause = ClassifyCrash(tail);
      t.cause_holder = t.cause.kind == CrashCause::Kind::kPortInUse ? PortHolder(t.cause.port) : "";
    }
    if (!tail.empty()) text += "; last error: " + ErrorHeadline(tail).substr(0, 200);
    if (!t.cause_holder.empty()) text += "; port " + std::to_string(t.cause.port) + " is held by " + t.cause_holder;
    if (!app.exit_code.empty() && app.exit_code != "0" && f != Failure::kExited)
      text += " (exit code " + app.exit_code + ")";
  }
  t.failure = f;
  t.failure_text = text;
  // A run that lasted stable_after (by PM2's own start time, whatever we
  // happened to observe) ends the streak: its next failure starts over.
  double wall = static_cast<double>(clock_->WallMs());
  bool stable = t.up_since_ms > 0 && wall - t.up_since_ms >= static_cast<double>(settings_.stable_after.count());
  if (stable && (t.attempts > 0 || t.gave_up())) {
    t.attempts = 0;
    t.On(RecoveryEvent::kStable);
    t.next_attempt = SteadyTime{};
  }
  if (status == "online" && f == Failure::kNone) {
    t.up_since_ms = app.pm_uptime_ms;
  } else if (f != Failure::kNone) {
    t.up_since_ms = 0;
  }
  if (f != Failure::kNone) {
    t.last_failure = text;
    t.last_failure_ms = clock_->WallMs();
  }
}

v1::CheckResult Pm2Agent::Describe(const std::string& name, const AppInfo* app, const AppTrack& t) const {
  v1::CheckResult c;
  c.set_target("pm2:" + name);
  std::ostringstream summary;
  if (app) {
    std::string status = app->status.empty() ? "?" : app->status;
    double memory = app->memory;
    double cpu = app->cpu;
    double uptime_s = 0;
    if (status == "online" && app->pm_uptime_ms > 0) {
      uptime_s = std::max(0.0, (static_cast<double>(clock_->WallMs()) - app->pm_uptime_ms) / 1000.0);
    }
    int restarts = app->restart_time;
    summary << status;
    if (t.pid > 0) summary << " pid " << t.pid;
    if (status == "online") summary << " up " << FormatDuration(Millis(static_cast<int64_t>(uptime_s) * 1000));
    summary << ", restarts " << restarts << " (ours " << t.our_restarts << "), " << Mb(memory) << ", cpu " << cpu
            << "%";
    (*c.mutable_metrics())["pid"] = t.pid;
    (*c.mutable_metrics())["uptime_s"] = uptime_s;
    (*c.mutable_metrics())["restarts"] = restarts;
    (*c.mutable_metrics())["our_restarts"] = t.our_restarts;
    (*c.mutable_metrics())["memory_bytes"] = memory;
    (*c.mutable_metrics())["cpu_percent"] = cpu;
    if (t.paused) {
      c.set_status(v1::HEALTH_OK);
      summary << "; paused";
    } else if (t.failure != Failure::kNone) {
      c.set_status(v1::HEALTH_FAILED);
    } else if (status == "stopped") {
      c.set_status(v1::HEALTH_OK);
      summary << "; stopped on purpose";
    } else if (status == "stopping" && t.intentional_stop) {
      c.set_status(v1::HEALTH_OK);
      summary << "; stopping on purpose";
    } else if (status == "online") {
      c.set_status(v1::HEALTH_OK);
    } else {
      // launching, waiting restart, stopping: PM2 is in the middle of it; an
      // alert only if it outlasts the orchestrator's grace.
      c.set_status(v1::HEALTH_DEGRADED);
      (*c.mutable_labels())["transient"] = "true";
    }
  } else {
    c.set_status(t.paused ? v1::HEALTH_OK : v1::HEALTH_FAILED);
    summary << (t.paused ? "not listed; paused" : "not listed");
  }
  if (t.failure != Failure::kNone && !t.paused) {
    summary << "; " << t.failure_text;
    if (t.gave_up()) summary << "; gave up after " << t.attempts << " attempts";
  }
  c.set_gave_up(t.gave_up() && t.failure != Failure::kNone);
  c.set_restore(true);  // restarting an app runs the code it already has
  c.set_summary(summary.str());
  if (!t.last_failure.empty()) {
    c.set_details("last failure: " + t.last_failure + " at " + FormatTime(t.last_failure_ms) +
                  (t.error_tail.empty() ? "" : "\nerror log (last lines):\n" + t.error_tail));
  }
  return c;
}

std::vector<v1::CheckResult> Pm2Agent::Check() {
  SteadyTime now = clock_->Now();
  ApplyBusEvents();
  RefreshEcosystems();
  std::vector<v1::CheckResult> out;
  for (const auto& eco : ecosystems_) {
    v1::CheckResult c;
    c.set_target("pm2:ecosystem:" + fs::path(eco.file).filename().string());
    std::string details;
    for (const auto& p : eco.problems) details += p.Format() + " [" + p.severity + "]\n";
    c.set_details(details);
    if (eco.problems.empty()) {
      c.set_status(v1::HEALTH_OK);
      c.set_summary(std::to_string(eco.apps.size()) + " app(s), no problems");
    } else {
      c.set_status(eco.HasErrors() ? v1::HEALTH_FAILED : v1::HEALTH_DEGRADED);
      c.set_gave_up(true);  // a file only a person can fix
      c.set_summary(eco.problems.front().Format() +
                    (eco.problems.size() > 1 ? " (+" + std::to_string(eco.problems.size() - 1) + " more)" : ""));
    }
    out.push_back(std::move(c));
  }
  auto list = ListApps();
  bool lost;
  {
    std::lock_guard lock(mu_);
    lost = bus_lost_;
    bus_lost_ = false;
    // The bus may still work when rpc.sock does not (CLI fallback).
    if (list.ok() && !bus_.connected()) {
      if (Status s = bus_.Connect(settings_.pub_socket); !s.ok()) spdlog::warn("pm2 bus: {}", s.message());
    }
  }
  if (!list.ok()) {
    v1::CheckResult d = MakeCheck("pm2:daemon", v1::HEALTH_FAILED, list.error());
    // Nothing to restore: say so, and do not ask for a recovery that would start an empty daemon.
    d.set_gave_up(daemon_down_ && !has_snapshot_ && expected_.empty());
    d.set_restore(true);  // a new daemon with the apps it had
    out.push_back(d);
    for (const auto& name : expected_) {
      AppTrack& t = tracks_[name];
      t.failure = daemon_down_ ? Failure::kDaemonDown : t.failure;
      out.push_back(
          MakeCheck("pm2:" + name, v1::HEALTH_FAILED, daemon_down_ ? "the PM2 daemon is down" : list.error()));
      out.back().set_restore(true);
    }
    // Once a second, or when the next try to start a daemon is due.
    Millis wait = std::max(Millis(1000), restore_backoff_.Remaining(clock_->Now()).value_or(Millis(0)));
    std::lock_guard lock(mu_);
    next_check_within_ = wait;
    return out;
  }
  if (lost) spdlog::info("pm2 bus reconnected");
  std::map<std::string, const AppInfo*> by_name;
  for (const auto& app : *list) {
    // redundancyd itself, when this PM2 hosts it, is not ours to watch.
    if (!app.module && !app.name.empty() && app.name != settings_.self_app) by_name[app.name] = &app;
  }
  if (!expected_from_config_ && expected_.empty()) {
    // No ecosystem file: the expected set is what runs the first time PM2 looks healthy.
    bool healthy = !by_name.empty();
    for (const auto& [name, app] : by_name) healthy &= app->status == "online";
    if (healthy) {
      for (const auto& [name, app] : by_name) {
        if (name.rfind(settings_.backup_prefix, 0) != 0) expected_.insert(name);
      }
    }
  }
  std::optional<Millis> soon;
  for (const auto& [name, app] : by_name) {
    AppTrack& t = tracks_[name];
    Evaluate(*app, t, now);
    bool is_backup =
        name.rfind(settings_.backup_prefix, 0) == 0 && by_name.count(name.substr(settings_.backup_prefix.size()));
    if (is_backup) {
      // A backup goes once its primary is healthy again.
      const std::string primary = name.substr(settings_.backup_prefix.size());
      const auto& pt = tracks_[primary];
      bool primary_ok = by_name[primary]->status == "online" && pt.failure == Failure::kNone && !pt.gave_up();
      t.deleting = primary_ok && t.pm_id >= 0;
      if (t.deleting && Act("deleteProcessId", t.pm_id).ok()) {
        tracks_[primary].backup_started = false;
        if (ctx_.emit) ctx_.emit("pm2:" + name, events::kBackupRemoved, primary + " is healthy again");
        continue;
      }
    }
    if (WaitsOnCause(name, t, now)) soon = soon ? std::min(*soon, Millis(1000)) : Millis(1000);
    out.push_back(Describe(name, app, t));
    if (t.failure != Failure::kNone && !t.gave_up() && !t.paused) {
      Millis wait = t.next_attempt > now ? std::chrono::duration_cast<Millis>(t.next_attempt - now) : Millis(200);
      soon = soon ? std::min(*soon, wait) : wait;
      // Backing off (a storm already contained): the orchestrator does not
      // ask before the attempt is due; this agent checks again then.
      bool contained = t.failure != Failure::kStorm || t.storm_stopped();
      if (t.next_attempt > now && contained) out.back().set_retry_in_ms(std::max<int64_t>(1, wait.count()));
    }
  }
  // PM2 7 says nothing of `pm2 delete` on its bus but the stop before it: an
  // app someone stopped (not us, not a crash) and that is then no longer
  // listed was deleted by an operator.
  std::vector<std::string> deleted;
  for (const auto& name : expected_) {
    const auto t = tracks_.find(name);
    if (!by_name.count(name) && settings_.respect_operator && t != tracks_.end() && t->second.intentional_stop &&
        !t->second.deleting) {
      deleted.push_back(name);
    }
  }
  for (const auto& name : deleted) RecordOperatorDelete(name);
  for (const auto& name : expected_) {
    if (by_name.count(name)) continue;
    AppTrack& t = tracks_[name];
    t.failure = Failure::kMissing;
    t.failure_text = "expected but not listed by PM2";
    t.last_failure = t.failure_text;
    t.last_failure_ms = clock_->WallMs();
    out.push_back(Describe(name, nullptr, t));
  }
  for (const auto& [name, at] : operator_deleted_) {
    if (by_name.count(name)) continue;
    out.push_back(MakeCheck("pm2:" + name, v1::HEALTH_OK,
                            "deleted by an operator at " + FormatTime(at) +
                                "; left deleted (`redundancyctl recover pm2:" + name + "` restores it)"));
  }
  std::string mode = via_cli_ ? "via the pm2 CLI (" + cli_reason_ + ")" : "via " + settings_.rpc_socket;
  out.push_back(MakeCheck("pm2:daemon", via_cli_ ? v1::HEALTH_DEGRADED : v1::HEALTH_OK,
                          "PM2 " + (pm2_version_.empty() ? std::string("?") : pm2_version_) + " " + mode + ", " +
                              std::to_string(by_name.size()) + " app(s)"));
  if (settings_.logs.enabled) out.push_back(CheckLogs(by_name));
  SaveSnapshot(*list);
  std::string().swap(last_list_raw_);  // ~9 KB per app: not kept between checks
  std::lock_guard lock(mu_);
  next_check_within_ = soon;
  return out;
}

}  // namespace redundancy::pm2
