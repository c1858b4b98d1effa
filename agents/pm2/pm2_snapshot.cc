// What the PM2 agent keeps on disk about the apps: the snapshot of their
// desired state (restored after a daemon loss) and the apps an operator
// deleted on purpose (left deleted).
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "agents/pm2/pm2_agent.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/paths.h"

namespace redundancy::pm2 {

std::string Pm2Agent::SnapshotPath() const { return ctx_.state_dir + "/pm2/apps.snapshot.json"; }

std::string Pm2Agent::OperatorDeletedPath() const { return ctx_.state_dir + "/pm2/operator_deleted.json"; }

void Pm2Agent::RecordOperatorDelete(const std::string& name) {
  // The operator's deliberate act: recorded, not undone.
  expected_.erase(name);
  tracks_[name].failure = Failure::kNone;
  operator_deleted_[name] = clock_->WallMs();
  SaveOperatorDeleted();
  if (ctx_.emit) {
    ctx_.emit("pm2:" + name, events::kOperatorDeleted,
              "deleted from PM2 by an operator: left deleted (`redundancyctl recover pm2:" + name + "` restores it)");
  }
}

void Pm2Agent::SaveOperatorDeleted() {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, at] : operator_deleted_) j[name] = at;
  if (Status s = WriteFileAtomic(OperatorDeletedPath(), JsonText(j), 0600); !s.ok())
    spdlog::warn("pm2: {}", s.message());
}

void Pm2Agent::SaveSnapshot(const std::vector<AppInfo>& list) {
  // The desired state, not the moment's: only an intentional stop is restored
  // stopped; a crashed, errored or restarting app is restored running.
  auto stopped_on_purpose = [&](const AppInfo& app) {
    auto t = tracks_.find(app.name);
    if (t != tracks_.end() && t->second.storm_stopped()) return false;  // ours, for a backoff
    return (app.status == "stopped" || app.status == "stopping") &&
           (t == tracks_.end() || !t->second.crashed || t->second.intentional_stop);
  };
  std::string key;
  for (const auto& app : list) {
    if (!app.module && app.name != settings_.self_app)
      key += app.name + "=" + (stopped_on_purpose(app) ? "stopped" : "run") + ";";
  }
  if (key == snapshot_key_ || key.empty()) return;  // parse the environments only when the set changed
  nlohmann::json full = nlohmann::json::parse(last_list_raw_, nullptr, false);
  if (last_list_is_reply_ && full.is_object() && full.contains("args") && full["args"].is_array() &&
      !full["args"].empty()) {
    full = std::move(full["args"][0]);
  }
  if (!full.is_array() || full.size() != list.size()) return;
  nlohmann::json apps = nlohmann::json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const AppInfo& app = list[i];
    if (app.module || app.name == settings_.self_app || !full[i].is_object() || !full[i].contains("pm2_env")) continue;
    nlohmann::json env = std::move(full[i]["pm2_env"]);
    if (!env.is_object()) continue;
    // As `pm2 dump` does: `prepare` gives each app a new id.
    env.erase("instances");
    env.erase("pm_id");
    env.erase("prev_restart_delay");
    if (stopped_on_purpose(app)) {
      env["status"] = "stopped";
    } else {
      env.erase("status");
    }
    apps.push_back(std::move(env));
  }
  // It holds the apps' environments (secrets): readable by us only.
  if (Status s = WriteFileAtomic(SnapshotPath(), JsonText(apps), 0600); !s.ok()) {
    spdlog::warn("pm2 snapshot: {}", s.message());
    return;
  }
  snapshot_key_ = key;
  has_snapshot_ = !apps.empty();
}

nlohmann::json Pm2Agent::ReadSnapshot() const {
  std::ifstream in(SnapshotPath());
  if (!in) return nlohmann::json::array();
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

}  // namespace redundancy::pm2
