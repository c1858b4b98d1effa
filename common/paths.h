// The runtime tree under state_dir, in one place.
#pragma once

#include <string>

#include "common/status.h"

namespace redundancy {

struct Paths {
  explicit Paths(std::string state_dir) : state_dir_(std::move(state_dir)) {}

  std::string RunDir() const { return state_dir_ + "/run"; }  // 0700
  std::string AgentsSocket() const { return RunDir() + "/agents.sock"; }
  std::string ControlSocket() const { return RunDir() + "/control.sock"; }
  std::string AgentsEndpoint() const { return "ipc://" + AgentsSocket(); }
  std::string ControlEndpoint() const { return "ipc://" + ControlSocket(); }
  std::string PidFile() const { return RunDir() + "/redundancyd.pid"; }
  std::string Database() const { return state_dir_ + "/redundancy.db"; }
  std::string SystemDir(const std::string& system) const { return state_dir_ + "/" + system; }

 private:
  std::string state_dir_;
};

// Expands ~ and makes `path` absolute against `base`.
std::string ResolvePath(const std::string& path, const std::string& base);

// Creates state_dir and a 0700 run directory owned by the caller; refuses a
// run directory owned by someone else.
Status PrepareRuntimeDirs(const Paths& paths);

// Writes `data` to `path` atomically: temp file, fsync, rename, fsync of the directory.
Status WriteFileAtomic(const std::string& path, const std::string& data, int mode = 0644);

}  // namespace redundancy
