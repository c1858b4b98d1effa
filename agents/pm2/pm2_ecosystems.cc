// The ecosystem files the PM2 agent watches, kept current: each is loaded
// again when it changes (a deploy brings a new app, an edit) and while its
// last load failed (node could not import it while package.json was broken),
// so a problem fixed is seen fixed, and the next deploy starts a new app.
#include <filesystem>

#include "agents/pm2/pm2_agent.h"
#include "common/file_util.h"

namespace redundancy::pm2 {

Ecosystem Pm2Agent::LoadEcosystemGuarded(const std::string& file) {
  ecosystem_prints_[file] = FileFingerprint(file);
  // Poison-input isolation: a file that killed this process while it was
  // loaded is reported, not loaded again, until it changes.
  std::string target = "pm2:ecosystem:" + std::filesystem::path(file).filename().string();
  if (!poison_.Enter(target, ecosystem_prints_[file])) {
    Ecosystem e;
    e.file = file;
    e.problems.push_back({file, 0, "error",
                          "crashes the checker: the agent died while loading it; it is loaded again once it changes "
                          "(`redundancyctl recover " +
                              target + "` tries it as it is)"});
    return e;
  }
  Ecosystem e = LoadEcosystem(file, settings_.node_bin);
  poison_.Leave();
  return e;
}

void Pm2Agent::RefreshEcosystems() {
  for (auto& eco : ecosystems_) {
    if (!eco.HasErrors() && FileFingerprint(eco.file) == ecosystem_prints_[eco.file]) continue;
    Ecosystem fresh = LoadEcosystemGuarded(eco.file);
    if (fresh.HasErrors()) {
      eco.problems = std::move(fresh.problems);  // its apps stay as last loaded
      continue;
    }
    // A new app in it is not expected (started) by a check: the checkout may
    // be ahead of its build. The pipeline's PM2 step starts it (Deploy).
    // Gone from the file: no longer expected (PM2 keeps running it; it is
    // watched as any listed app), unless the settings or a file (this one
    // as now read included) name it.
    eco.apps.swap(fresh.apps);  // fresh.apps: what it named before
    eco.problems = std::move(fresh.problems);
    for (const auto& app : fresh.apps) {
      bool named = false;
      for (const auto& a : settings_.apps) named |= a == app.name;
      for (const auto& other : ecosystems_) {
        for (const auto& o : other.apps) named |= o.name == app.name;
      }
      if (!named) expected_.erase(app.name);
    }
  }
}

}  // namespace redundancy::pm2
