// pm2:logs — the app logs under systems.pm2.logs rotated without losing a
// line (rename, then PM2's reloadLogs), compressed, pruned, and the disk
// under them watched.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>
#include <thread>

#include "agents/pm2/pm2_agent.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/process/process.h"

namespace redundancy::pm2 {
namespace fs = std::filesystem;

v1::CheckResult Pm2Agent::CheckLogs(const std::map<std::string, const AppInfo*>& apps) {
  const LogSettings& ls = settings_.logs;
  std::vector<std::string> errors;
  if (!logs_resumed_) {
    // A pause of ours cut short by a crash of this agent must not outlive it.
    for (const auto& [name, app] : apps) {
      if (app->pid > 0) kill(app->pid, SIGCONT);
    }
    logs_resumed_ = true;
  }
  std::vector<std::string> oversized = OversizedLogs(ls);
  std::vector<std::string> rotated;
  if (!oversized.empty()) {
    // PM2 drops what its write stream still holds when it reopens (reloadLogs
    // destroys the stream), and what the app writes until the new file is
    // open. So the apps writing these files hold still for the moment it
    // takes: stopped, their output drained into the old file, renamed,
    // reopened, resumed.
    std::set<pid_t> writers;
    for (const auto& path : oversized) {
      std::string file = fs::path(path).filename().string();
      for (const auto& [name, app] : apps) {
        if (app->pid > 0 && app->status == "online" && file.rfind(name + "-", 0) == 0) writers.insert(app->pid);
      }
    }
    struct Resume {
      const std::set<pid_t>& pids;
      ~Resume() {
        for (pid_t p : pids) kill(p, SIGCONT);
      }
    } resume{writers};
    for (pid_t p : writers) kill(p, SIGSTOP);
    auto t0 = std::chrono::steady_clock::now();
    if (!writers.empty()) WaitQuiet(*clock_, oversized, Millis(30), Millis(1000));
    rotated = RenameLogs(oversized, &errors);
    // PM2 still writes to the renamed files until it reopens them.
    Status reopened = Status::Error("no rpc");
    if (!via_cli_)
      reopened =
          rpc_->Call("reloadLogs", nlohmann::json::array({nlohmann::json::object()}), settings_.call_timeout).status();
    if (!reopened.ok()) {
      process::SpawnSpec spec{settings_.pm2_bin, {"reloadLogs"}, Pm2Env(), ctx_.workspace, false};
      auto cli = process::RunCapture(spec, std::chrono::seconds(30));
      reopened = !cli.ok()             ? cli.status()
                 : cli->exit.code == 0 ? Status::Ok()
                                       : Status::Error("pm2 reloadLogs: " + FoldLines(cli->output));
    }
    if (!reopened.ok()) errors.push_back("PM2 did not reopen its logs: " + reopened.message());
    // Reopened: PM2 has created the files again (bounded wait).
    for (int i = 0; i < 200 && reopened.ok() && !writers.empty(); ++i) {
      bool all = true;
      for (const auto& p : oversized) all &= fs::exists(p);
      if (all) break;
      clock_->Sleep(Millis(5));
    }
    double paused_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    logs_rotated_ += rotated.size();
    std::string size = ls.max_size >= (1u << 20) ? std::to_string(ls.max_size >> 20) + " MiB"
                                                 : std::to_string(ls.max_size >> 10) + " KiB";
    char detail[256];
    std::snprintf(detail, sizeof detail, "%zu log(s) over %s rotated (%zu writer(s) held for %.0f ms)", rotated.size(),
                  size.c_str(), writers.size(), paused_ms);
    spdlog::info("pm2 logs: {} ({})", detail, oversized.front());
    if (ctx_.emit) ctx_.emit("pm2:logs", events::kLogsRotated, detail);
  }
  CompressAndPrune(ls, Millis(2000));
  auto usage = Usage(ls.dir);
  if (!usage.ok()) return MakeCheck("pm2:logs", v1::HEALTH_DEGRADED, usage.error());
  double free_pct = usage->FreePercent();
  char summary[256];
  std::snprintf(summary, sizeof summary, "%d file(s), %.1f MiB in %s; %.1f%% of the disk free; %llu rotated",
                usage->files, static_cast<double>(usage->logs) / (1 << 20), ls.dir.c_str(), free_pct,
                static_cast<unsigned long long>(logs_rotated_));
  auto status = v1::HEALTH_OK;
  std::string text = summary;
  if (free_pct < ls.min_free_percent / 2.0) {
    status = v1::HEALTH_FAILED;
    text = "the disk under the logs is nearly full: " + text;
  } else if (free_pct < ls.min_free_percent) {
    status = v1::HEALTH_DEGRADED;
    text = "the disk under the logs is filling: " + text;
  }
  if (!errors.empty()) {
    if (status == v1::HEALTH_OK) status = v1::HEALTH_DEGRADED;
    text = errors.front() + "; " + text;
  }
  v1::CheckResult c = MakeCheck("pm2:logs", status, text);
  c.set_gave_up(status != v1::HEALTH_OK);  // space only a person can free; nothing to retry
  (*c.mutable_metrics())["log_bytes"] = static_cast<double>(usage->logs);
  (*c.mutable_metrics())["disk_free_percent"] = free_pct;
  (*c.mutable_metrics())["logs_rotated"] = static_cast<double>(logs_rotated_);
  return c;
}

}  // namespace redundancy::pm2
