// The pipeline's PM2 step: a graceful reload of the project's apps onto the
// new code, judged by every reloaded app running a new process that is still
// the same process after reload_wait.
#include <thread>

#include "agents/pm2/pm2_agent.h"
#include "common/event_kinds.h"
#include "common/file_util.h"

namespace redundancy::pm2 {

Status Pm2Agent::Deploy(const std::string& revision) {
  if (daemon_down_ || !DaemonAlive()) {
    if (Status s = RestoreDaemon(); !s.ok()) return s;
  }
  RefreshEcosystems();  // the new commit's ecosystem file: its new apps are started below
  auto list = ListApps();
  if (!list.ok()) return list.status();
  struct Before {
    int pm_id;
    pid_t pid;
  };
  std::map<std::string, Before> apps;
  for (const auto& a : *list) {
    if (a.module || (!expected_.empty() && !expected_.count(a.name))) continue;
    if (a.name.rfind(settings_.backup_prefix, 0) == 0 && !expected_.count(a.name)) continue;
    const AppTrack& t = tracks_[a.name];
    // Left as the operator wants. Not an app we stopped or gave up on: new
    // code is what may end its crash loop.
    if (t.paused || (a.status == "stopped" && t.intentional_stop && !t.storm_stopped())) continue;
    apps[a.name] = {a.pm_id, a.pid};
  }
  // Apps the commit added to an ecosystem file: started, and judged as the
  // reloaded ones are.
  std::set<std::string> listed, added;
  for (const auto& a : *list) listed.insert(a.name);
  for (const auto& eco : ecosystems_) {
    if (eco.HasErrors()) continue;
    for (const auto& app : eco.apps) {
      if (!listed.count(app.name) && !operator_deleted_.count(app.name) && app.name != settings_.self_app)
        added.insert(app.name);
    }
  }
  SteadyTime started = clock_->Now();
  std::string errors;
  if (!added.empty()) {
    expected_.insert(added.begin(), added.end());
    int n = 0;
    if (Status s = StartMissingFromEcosystems(listed, &n); !s.ok()) errors = s.message();
    for (const auto& name : added) apps[name] = {-1, 0};
  }
  if (apps.empty()) return Status::Ok();
  for (const auto& [name, b] : apps) {
    if (added.count(name)) continue;
    if (Status s = Act("reloadProcessId", b.pm_id); !s.ok())
      errors += (errors.empty() ? "" : "; ") + name + ": " + s.message();
  }
  if (!errors.empty()) return Status::Error("reload failed: " + errors);

  // Each app on a new pid, online; then still that pid after reload_wait.
  auto snapshot = [&]() {
    std::map<std::string, AppInfo> now;
    auto l = ListApps();
    if (l.ok()) {
      for (const auto& a : *l) now[a.name] = a;
    }
    return now;
  };
  std::map<std::string, pid_t> fresh;
  SteadyTime deadline = clock_->Now() + settings_.reload_timeout;
  while (fresh.size() < apps.size() && clock_->Now() < deadline) {
    auto now = snapshot();
    for (const auto& [name, b] : apps) {
      auto it = now.find(name);
      if (it != now.end() && it->second.status == "online" && it->second.pid > 0 && it->second.pid != b.pid) {
        fresh[name] = it->second.pid;
      }
    }
    if (fresh.size() < apps.size()) clock_->Sleep(std::chrono::milliseconds(50));
  }
  for (const auto& [name, b] : apps) {
    if (!fresh.count(name))
      errors += (errors.empty() ? "" : "; ") + name + " is not online on a new process after " +
                FormatDuration(settings_.reload_timeout);
  }
  std::map<std::string, AppInfo> after;
  if (errors.empty()) {
    clock_->Sleep(settings_.reload_wait);
    after = snapshot();
    for (const auto& [name, pid] : fresh) {
      auto it = after.find(name);
      if (it == after.end() || it->second.status != "online" || it->second.pid != pid) {
        errors += (errors.empty() ? "" : "; ") + name + " did not stay up after the reload (" +
                  (it == after.end() ? std::string("gone") : it->second.status) + ")";
      }
    }
  }
  auto ms = std::chrono::duration_cast<Millis>(clock_->Now() - started);
  std::string names;
  for (const auto& [name, b] : apps) names += (names.empty() ? "" : ", ") + name + (added.count(name) ? " (new)" : "");
  if (!errors.empty()) {
    if (ctx_.emit) ctx_.emit("pm2:reload", events::kReloadFailed, ShortCommit(revision) + ": " + errors);
    return Status::Error(errors);
  }
  for (const auto& [name, pid] : fresh) {
    // A reload is not a crash: it must not count toward a restart storm.
    AppTrack& t = tracks_[name];
    t.crashed = false;
    t.intentional_stop = false;
    t.last_restart_time = after[name].restart_time;
    // New code, verified up: whatever its recovery on the old code had come
    // to (a stopped storm, a spent budget), it starts afresh.
    t.recovery = RecoveryState::kWatching;
    t.attempts = 0;
    t.next_attempt = SteadyTime{};
    t.exits.clear();
    t.restarted_at = clock_->Now();
  }
  if (ctx_.emit) {
    ctx_.emit("pm2:reload", events::kReloaded,
              std::to_string(apps.size()) + " app(s) (" + names + ") on " + ShortCommit(revision) + " in " +
                  FormatDuration(ms) + " (including " + FormatDuration(settings_.reload_wait) + " to stay up)");
  }
  return Status::Ok();
}

}  // namespace redundancy::pm2
