// A fleet on one machine: a real etcd (Debian's etcd-server) on 127.0.0.1
// ports, one bare remote, and three hosts, each with its own deployed
// checkout, PM2 home, app port and redundancyd. Everything is stopped by pid.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/etcd_client.h"
#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {

bool EtcdAvailable();

// etcd with its data under `dir`; Stop() and Start() again keep its data and ports.
class EtcdServer {
 public:
  explicit EtcdServer(std::string dir);
  ~EtcdServer();
  bool Start();
  void Stop();
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }
  pid_t pid() const { return pid_; }
  EtcdClient Client() const;
  // The keys under `prefix` at every revision from 1 to now where they
  // changed (etcd keeps every revision: nothing is compacted here).
  std::vector<std::vector<EtcdKv>> Revisions(const std::string& prefix) const;

 private:
  std::string dir_;
  int client_port_ = 0, peer_port_ = 0;
  pid_t pid_ = 0;
};

struct FleetHostSpec {
  std::string name, group;
  std::string etcd;  // "": no fleet (the host alone)
  std::string rollout = "{canary: 1, max_parallel: 1, bake: 1s}";
  std::string lease = "2s";
  // The intervals a site runs with (checks every minute, the default
  // heartbeat, lease 10s) instead of the tests' fast ones: for idle costs.
  bool quiet = false;
};

// One host: its checkout (a clone of the remote), its PM2 with the app, its redundancyd.
class FleetHost {
 public:
  FleetHost(const std::string& root, const std::string& remote, FleetHostSpec spec);
  ~FleetHost();
  bool Start();
  const std::string& name() const { return spec_.name; }
  Daemon& daemon() { return *daemon_; }
  Pm2Home& pm2() { return *pm2_; }
  std::string Serving() const { return HttpGetBody(port_); }
  std::string Head() const;
  std::string Alerts() const { return ReadFile(alerts_); }  // the file channel's notifications
  // This host's build fails for the commit whose message is `message` (only here).
  void BreakBuildOf(const std::string& message) const { WriteFile(dir_ + "/BREAK_ON", message + "\n"); }
  std::string History() const { return daemon_->Ctl("history --limit 300").output; }
  v1::FleetStatus Fleet() const;

 private:
  FleetHostSpec spec_;
  std::string dir_, deploy_, alerts_;
  int port_ = 0;
  std::unique_ptr<Pm2Home> pm2_;
  std::unique_ptr<Daemon> daemon_;
};

// The site: a developer clone pushing to the bare remote, etcd and three hosts.
class FleetSite {
 public:
  FleetSite();
  // `fleet`: false runs each host alone (no fleet: section), for comparison;
  // `quiet`: production intervals (FleetHostSpec::quiet).
  bool Start(int hosts = 3, const std::string& rollout = "", bool fleet = true, bool quiet = false);
  // New code: src/index.js says `message`; `broken` makes the build fail.
  std::string Push(const std::string& message, bool broken = false);
  FleetHost& host(size_t i) { return *hosts_[i]; }
  size_t size() const { return hosts_.size(); }
  EtcdServer& etcd() { return *etcd_; }
  const std::string& first() const { return first_; }
  // Every host's history and fleet status, for a failure message.
  std::string Dump();

 private:
  TempDir dir_;
  std::string root_, remote_, dev_, first_;
  std::unique_ptr<EtcdServer> etcd_;
  std::vector<std::unique_ptr<FleetHost>> hosts_;
};

}  // namespace redundancy::testing
