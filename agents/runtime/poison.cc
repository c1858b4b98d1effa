#include "agents/runtime/poison.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "agents/runtime/agent.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/paths.h"
#include "common/status_render.h"

namespace redundancy {

void PoisonRegistry::Open(const std::string& dir, int64_t now_ms) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  dir_ = dir;
  poisoned_.clear();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  auto saved = nlohmann::json::parse(ReadWholeFile(dir_ + "/poison.json"), nullptr, false);
  if (saved.is_object()) {
    for (const auto& [target, e] : saved.items()) {
      if (e.is_object()) poisoned_[target] = {e.value("fingerprint", ""), e.value("since_ms", int64_t{0})};
    }
  }
  // A breadcrumb left behind: the previous process died in that step.
  std::string crumb = ReadWholeFile(dir_ + "/breadcrumb");
  size_t nl = crumb.find('\n');
  if (nl != std::string::npos && nl > 0) {
    std::string target = crumb.substr(0, nl);
    std::string fingerprint = crumb.substr(nl + 1);
    if (!fingerprint.empty() && fingerprint.back() == '\n') fingerprint.pop_back();
    poisoned_[target] = {fingerprint, now_ms};
    Save();
  }
  fd_ = open((dir_ + "/breadcrumb").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

PoisonRegistry::~PoisonRegistry() {
  Leave();  // a clean exit leaves no breadcrumb
  if (fd_ >= 0) close(fd_);
}

bool PoisonRegistry::Enter(const std::string& target, const std::string& fingerprint) {
  auto it = poisoned_.find(target);
  if (it != poisoned_.end()) {
    if (it->second.fingerprint == fingerprint) return false;
    poisoned_.erase(it);  // the input changed: try it again
    Save();
  }
  // A breadcrumb that cannot be written costs this step its isolation, not its check.
  std::string crumb = target + "\n" + fingerprint + "\n";
  if (fd_ >= 0 && ftruncate(fd_, 0) == 0) (void)!pwrite(fd_, crumb.data(), crumb.size(), 0);
  return true;
}

void PoisonRegistry::Leave() {
  if (fd_ >= 0) (void)!ftruncate(fd_, 0);
}

v1::CheckResult PoisonRegistry::Failed(const std::string& target) const {
  auto it = poisoned_.find(target);
  int64_t since = it == poisoned_.end() ? 0 : it->second.since_ms;
  auto c = MakeCheck(target, v1::HEALTH_FAILED,
                     "crashes the checker: the agent died while checking it; skipped until it changes "
                     "(`redundancyctl recover " +
                         target + "` tries again)",
                     "the agent process died while it handled this input (at " + FormatTime(since) +
                         "); the rest of the system is still checked");
  c.set_gave_up(true);  // only a change or an operator
  return c;
}

void PoisonRegistry::Clear(const std::string& target) {
  if (target.empty()) {
    if (poisoned_.empty()) return;
    poisoned_.clear();
  } else if (poisoned_.erase(target) == 0) {
    return;
  }
  Save();
}

void PoisonRegistry::Save() const {
  if (dir_.empty()) return;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [target, e] : poisoned_) j[target] = {{"fingerprint", e.fingerprint}, {"since_ms", e.since_ms}};
  WriteFileAtomic(dir_ + "/poison.json", JsonText(j, 2) + "\n");
}

}  // namespace redundancy
