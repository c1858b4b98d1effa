// A private PM2 (its own PM2_HOME in a test's temporary directory), driven
// through the real pm2 CLI, and stopped in the destructor together with any
// app process it still knows of.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace redundancy::testing {

class Pm2Home {
 public:
  explicit Pm2Home(std::string home);
  ~Pm2Home();
  const std::string& home() const { return home_; }
  // Runs `pm2 <args>` with PM2_HOME set; returns its exit code.
  int Pm2(const std::string& args, std::string* out = nullptr) const;
  // `pm2 jlist`, or an empty array when no daemon runs (never starts one).
  nlohmann::json List() const;
  std::optional<nlohmann::json> App(const std::string& name) const;
  pid_t DaemonPid() const;
  bool DaemonRunning() const;

 private:
  std::string home_;
};

bool Pm2Available();
// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// GET http://127.0.0.1:<port><path>; the body, or "" on any failure.
std::string HttpGetBody(int port, const std::string& path = "/");
std::string Pm2Fixture(const std::string& name);

}  // namespace redundancy::testing
