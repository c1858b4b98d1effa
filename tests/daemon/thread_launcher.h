// An AgentLauncher for tests: each "agent process" is a thread running the
// real AgentRuntime over the daemon's inproc:// transport, with an Agent the
// test provides. Pids are made up (above the kernel's pid_max), so a signal
// can never reach a real process.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agents/runtime/agent_runtime.h"
#include "common/transport/transport.h"
#include "orchestrator/launcher.h"

namespace redundancy {

class ThreadLauncher : public AgentLauncher {
 public:
  // Makes the agent for a system; nullptr: the "process" starts but never
  // connects (a hung agent).
  using Factory = std::function<std::unique_ptr<Agent>(const std::string& system)>;

  ThreadLauncher(transport::Context* ctx, Factory factory) : ctx_(ctx), factory_(std::move(factory)) {
    exit_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~ThreadLauncher() override {
    std::map<pid_t, std::shared_ptr<Running>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(running_);
    }
    for (auto& [pid, r] : left) {
      if (r->runtime) r->runtime->Stop(0);
      if (r->thread.joinable()) r->thread.join();
    }
    close(exit_fd_);
  }

  Result<pid_t> Spawn(const process::SpawnSpec& spec) override {
    std::string system, endpoint;
    for (size_t i = 0; i + 1 < spec.args.size(); ++i) {
      if (spec.args[i] == "--system") system = spec.args[i + 1];
      if (spec.args[i] == "--endpoint") endpoint = spec.args[i + 1];
    }
    auto r = std::make_shared<Running>();
    std::lock_guard lock(mu_);
    pid_t pid = next_pid_++;
    r->system = system;
    r->agent = factory_(system);
    ++spawns_[system];
    if (r->agent) {
      r->channel = std::make_unique<transport::Dealer>(*ctx_, endpoint, system + "/" + std::to_string(pid));
      if (Status s = r->channel->Connect(); !s.ok()) return Result<pid_t>::Error(s.message());
      r->runtime =
          std::make_unique<AgentRuntime>(r->agent.get(), &clock_, r->channel.get(), AgentRuntimeOptions{system, pid});
      r->thread = std::thread([this, pid, r] {
        int code = r->runtime->Run();
        Exited(pid, r->killed ? process::Exit{pid, -1, SIGKILL} : process::Exit{pid, code, 0});
      });
    }
    running_[pid] = r;
    return pid;
  }

  void Signal(pid_t pid, int sig) override {
    std::shared_ptr<Running> r;
    {
      std::lock_guard lock(mu_);
      auto it = running_.find(pid);
      if (it == running_.end()) return;
      r = it->second;
    }
    if (sig == 0) return;
    r->killed = sig == SIGKILL;
    if (r->runtime) {
      r->runtime->Stop(sig == SIGTERM ? 0 : -1);
    } else {
      Exited(pid, {pid, -1, sig});  // a mute agent dies at once
    }
  }

  void KillLeftovers(pid_t) override {}

  std::vector<process::Exit> TakeExits() override {
    uint64_t n;
    (void)!read(exit_fd_, &n, sizeof n);
    std::vector<process::Exit> out;
    std::vector<std::shared_ptr<Running>> done;
    {
      std::lock_guard lock(mu_);
      out.swap(exits_);
      for (const auto& e : out) {
        auto it = running_.find(e.pid);
        if (it == running_.end()) continue;
        done.push_back(it->second);
        running_.erase(it);
      }
    }
    for (auto& r : done) {
      if (r->thread.joinable()) r->thread.join();
    }
    return out;
  }

  int ExitFd() const override { return exit_fd_; }

  // The pid of the live agent for `system`, 0 when none.
  pid_t PidOf(const std::string& system) {
    std::lock_guard lock(mu_);
    for (const auto& [pid, r] : running_) {
      if (r->system == system) return pid;
    }
    return 0;
  }
  int Spawns(const std::string& system) {
    std::lock_guard lock(mu_);
    return spawns_[system];
  }

 private:
  struct Running {
    std::string system;
    std::unique_ptr<Agent> agent;
    std::unique_ptr<transport::Dealer> channel;
    std::unique_ptr<AgentRuntime> runtime;
    std::thread thread;
    std::atomic<bool> killed{false};
  };

  void Exited(pid_t pid, process::Exit e) {
    {
      std::lock_guard lock(mu_);
      exits_.push_back(e);
    }
    uint64_t one = 1;
    (void)!write(exit_fd_, &one, sizeof one);
  }

  transport::Context* ctx_;
  Factory factory_;
  RealClock clock_;
  int exit_fd_ = -1;
  std::mutex mu_;
  pid_t next_pid_ = 5'000'000;  // above pid_max (4194304 at most)
  std::map<pid_t, std::shared_ptr<Running>> running_;
  std::map<std::string, int> spawns_;
  std::vector<process::Exit> exits_;
};

}  // namespace redundancy
