// redundancy-test-agent: an agent for supervision tests, told what to do by a
// mode file ($REDUNDANCY_TEST_AGENT_MODE_FILE) read at start-up, one
// directive per line: "<system> <directive> [value]". Directives:
//   crash_after DUR   exit (with exit_code, default 3) DUR after start
//   exit_code N
//   hang_after DUR    stop itself with SIGSTOP DUR after start
//   no_ready          never connect (so never Ready: the runtime says Ready at the Welcome)
//   status S          report check "<system>:test" as ok|degraded|failed (default ok)
//   status_file PATH  read S from PATH at every check instead (tests change it while running)
//   recover_fixes     a RECOVER turns a failed status into ok
//   leak_settings     log its settings and put them in its check summary (secrets tests)
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "agents/runtime/agent.h"

namespace {

struct Mode {
  long crash_after_ms = -1;
  int exit_code = 3;
  long hang_after_ms = -1;
  bool no_ready = false;
  std::string status = "ok";
  std::string status_file;
  bool recover_fixes = false;
  bool leak_settings = false;
};

Mode ReadMode(const std::string& system) {
  Mode m;
  const char* path = std::getenv("REDUNDANCY_TEST_AGENT_MODE_FILE");
  if (!path) return m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string sys, directive, value;
    ls >> sys >> directive >> value;
    if (sys != system && sys != "*") continue;
    if (directive == "crash_after")
      m.crash_after_ms = redundancy::ParseDuration(value).ok() ? redundancy::ParseDuration(value)->count() : 0;
    if (directive == "exit_code") m.exit_code = std::atoi(value.c_str());
    if (directive == "hang_after")
      m.hang_after_ms = redundancy::ParseDuration(value).ok() ? redundancy::ParseDuration(value)->count() : 0;
    if (directive == "no_ready") m.no_ready = true;
    if (directive == "status") m.status = value;
    if (directive == "status_file") m.status_file = value;
    if (directive == "recover_fixes") m.recover_fixes = true;
    if (directive == "leak_settings") m.leak_settings = true;
  }
  return m;
}

class TestAgent : public redundancy::Agent {
 public:
  explicit TestAgent(Mode mode) : mode_(std::move(mode)) {}
  std::string Kind() const override { return "test"; }
  redundancy::Status Configure(const redundancy::AgentContext& ctx) override {
    system_ = ctx.system;
    emit_ = ctx.emit;
    if (mode_.leak_settings) {
      settings_ = YAML::Dump(ctx.settings);
      spdlog::warn("settings: {}", settings_);
    }
    return redundancy::Status::Ok();
  }
  std::vector<redundancy::v1::CheckResult> Check() override {
    if (!mode_.status_file.empty()) {
      std::ifstream in(mode_.status_file);
      std::string word;
      if (in >> word) mode_.status = word;
    }
    auto st = mode_.status == "failed"     ? redundancy::v1::HEALTH_FAILED
              : mode_.status == "degraded" ? redundancy::v1::HEALTH_DEGRADED
                                           : redundancy::v1::HEALTH_OK;
    return {redundancy::MakeCheck(system_ + ":test", st, "test agent says " + mode_.status + settings_)};
  }
  redundancy::Status Recover(const std::string& target, bool forced) override {
    if (!mode_.recover_fixes) return redundancy::Status::Error("cannot recover");
    if (mode_.status == "ok") return redundancy::Status::Ok();  // nothing to do
    mode_.status = "ok";
    if (emit_) emit_(system_ + ":test", "recovered", "the test agent fixed it");
    return redundancy::Status::Ok();
  }

 private:
  Mode mode_;
  std::function<void(const std::string&, const std::string&, const std::string&)> emit_;
  std::string system_;
  std::string settings_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string system;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--system") system = argv[i + 1];
  }
  Mode mode = ReadMode(system);
  if (mode.crash_after_ms >= 0) {
    std::thread([mode] {
      std::this_thread::sleep_for(std::chrono::milliseconds(mode.crash_after_ms));
      _exit(mode.exit_code);
    }).detach();
  }
  if (mode.hang_after_ms >= 0) {
    std::thread([mode] {
      std::this_thread::sleep_for(std::chrono::milliseconds(mode.hang_after_ms));
      raise(SIGSTOP);
    }).detach();
  }
  if (mode.no_ready) {
    for (int i = 0; i < 6000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 0;
  }
  TestAgent agent(mode);
  return redundancy::RunAgent(&agent, argc, argv);
}
