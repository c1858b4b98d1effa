// redundancy-example-agent: a spool directory that a queue worker drains.
//   systems:
//     spool:
//       agent: /path/to/redundancy-example-agent
//       interval: 10s
//       dir: /var/spool/myqueue     # its own keys: the agent reads them
//       max_files: 100
// Checks "spool:dir": failed when the directory is missing (recovery creates
// it again), degraded when more than max_files wait, ok otherwise, with the
// number of files as a metric. Everything else (the protocol, heartbeats,
// scheduling, logging, exiting with redundancyd) is RunAgent()'s.
#include <redundancy/agents/runtime/agent.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;

class SpoolAgent : public redundancy::Agent {
 public:
  std::string Kind() const override { return "spool"; }

  redundancy::Status Configure(const redundancy::AgentContext& ctx) override {
    system_ = ctx.system;
    const YAML::Node& s = ctx.settings;
    if (!s["dir"] || !s["dir"].IsScalar()) return redundancy::Status::Error("systems." + system_ + ".dir: required");
    dir_ = s["dir"].Scalar();
    if (!dir_.empty() && dir_[0] != '/') dir_ = ctx.workspace + "/" + dir_;
    max_files_ = s["max_files"] ? s["max_files"].as<int>(100) : 100;
    emit_ = ctx.emit;
    return redundancy::Status::Ok();
  }

  std::vector<redundancy::v1::CheckResult> Check() override {
    std::string target = system_ + ":dir";
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      return {redundancy::MakeCheck(target, redundancy::v1::HEALTH_FAILED, dir_ + " is missing")};
    }
    int files = 0;
    for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++files;
    auto status = files > max_files_ ? redundancy::v1::HEALTH_DEGRADED : redundancy::v1::HEALTH_OK;
    auto check = redundancy::MakeCheck(
        target, status, std::to_string(files) + " files waiting (max " + std::to_string(max_files_) + ")");
    (*check.mutable_metrics())["files"] = files;
    return {check};
  }

  redundancy::Status Recover(const std::string& target, bool forced) override {
    std::error_code ec;
    if (fs::is_directory(dir_, ec)) return redundancy::Status::Ok();  // nothing to do
    fs::create_directories(dir_, ec);
    if (ec) return redundancy::Status::Error("cannot create " + dir_ + ": " + ec.message());
    if (emit_) emit_(system_ + ":dir", "recovered", "created " + dir_ + " again");
    return redundancy::Status::Ok();
  }

 private:
  std::string system_, dir_;
  int max_files_ = 100;
  std::function<void(const std::string&, const std::string&, const std::string&)> emit_;
};

}  // namespace

int main(int argc, char** argv) {
  SpoolAgent agent;
  return redundancy::RunAgent(&agent, argc, argv);
}
