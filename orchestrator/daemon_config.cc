// Configuration of a running daemon: agents added, changed and removed as
// the config says, and `redundancyctl reload` (a broken file keeps the old one).
#include <spdlog/spdlog.h>

#include "common/dependency_graph.h"
#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/daemon.h"

namespace redundancy {

void Daemon::AddAgent(const SystemConfig& sc) {
  AgentSlot slot;
  slot.config = sc;
  auto rnd = [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); };
  slot.sup =
      std::make_unique<AgentSupervisor>(sc.name, this, Times(), RestartPolicy(config_.orchestrator.agent_restart, rnd));
  agents_[sc.name] = std::move(slot);
  agents_[sc.name].sup->Start(clock_->Now());
}

LogOptions DaemonLogOptions(const Config& config, bool debug, bool to_stderr) {
  LogOptions log;
  log.log_dir = config.log_dir;
  log.file_name = "redundancyd.log";
  log.max_size = config.logging.max_size;
  log.max_files = config.logging.max_files;
  log.rotate_every_ms = config.logging.rotate_every.count();
  log.max_age_ms = config.logging.max_age.count();
  log.compress = config.logging.compress;
  log.level = config.logging.level;
  log.debug = debug;
  log.to_stderr = to_stderr;
  return log;
}

Status Daemon::ApplyConfig(const Config& next) {
  if (next.state_dir != config_.state_dir || next.log_dir != config_.log_dir) {
    return Status::Error("state_dir and log_dir cannot change while the daemon runs; restart it instead");
  }
  std::vector<SystemConfig> old_systems = config_.systems;
  bool logging_changed = !(next.logging == config_.logging);
  config_ = next;
  AddSecrets(config_.secrets);
  if (options_.own_logging && logging_changed) {
    // Rotation and retention too, not only the level (the agents get theirs in a new Welcome).
    if (Status s = InitLogging(DaemonLogOptions(config_, options_.debug, options_.log_to_stderr)); !s.ok()) {
      spdlog::error("logging: {}", s.message());
    }
  }
  spdlog::set_level(options_.debug || DebugFromEnv() ? spdlog::level::debug
                                                     : spdlog::level::from_str(config_.logging.level));
  std::vector<std::pair<std::string, std::vector<std::string>>> graph;
  for (const auto& sc : config_.systems) graph.emplace_back(sc.name, sc.depends_on);
  health_.SetSystems(graph);
  pipeline_.Configure(config_);
  ConfigureFleet();
  SteadyTime now = clock_->Now();
  // Systems gone from the config stop; new ones start; changed ones reload.
  for (auto& [name, slot] : agents_) {
    if (!config_.FindSystem(name)) {
      slot.remove_when_stopped = true;
      slot.sup->Stop(now);
    }
  }
  for (const auto& sc : config_.systems) {
    auto it = agents_.find(sc.name);
    if (it == agents_.end() || it->second.remove_when_stopped) {
      if (it != agents_.end()) agents_.erase(it);
      AddAgent(sc);
      continue;
    }
    AgentSlot& slot = it->second;
    slot.sup->SetTimes(Times());
    slot.sup->SetPolicy(config_.orchestrator.agent_restart);
    bool binary_changed = slot.config.agent != sc.agent || slot.config.kind != sc.kind;
    // Its own section, or anything else its Welcome carries (logging, secrets, heartbeats).
    bool changed = !(slot.config == sc) || MakeWelcome(sc).SerializeAsString() != slot.welcome;
    slot.config = sc;
    if (slot.sup->state() == AgentState::kGaveUp || binary_changed) {
      slot.sup->Restart(now);  // a config change is the operator acting
    } else if (changed) {
      SendCommand(sc.name, v1::Command::RELOAD, "", nullptr);
    }
  }
  ConfigureHttp();
  alerting_.Configure(config_);
  return Status::Ok();
}

v1::ControlResponse Daemon::Reload() {
  v1::ControlResponse resp;
  auto next = LoadConfig(config_.file);
  if (!next.ok()) {
    resp.set_ok(false);
    resp.set_exit_code(2);
    resp.set_error("reload rejected, the running configuration is unchanged:\n" + next.error());
    Record("", events::kReloadRejected, next.error());
    return resp;
  }
  if (Status s = ApplyConfig(*next); !s.ok()) {
    resp.set_ok(false);
    resp.set_exit_code(2);
    resp.set_error("reload rejected, the running configuration is unchanged: " + s.message());
    Record("", events::kReloadRejected, s.message());
    return resp;
  }
  Record("", events::kReload, "applied " + config_.file);
  for (const auto& w : config_.warnings) spdlog::warn("config: {}", w);
  resp.set_ok(true);
  resp.set_message("configuration reloaded from " + config_.file);
  return resp;
}

}  // namespace redundancy
