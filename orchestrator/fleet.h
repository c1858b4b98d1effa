// A host's membership of its fleet (fleet: in the config), on threads of
// its own so that etcd never blocks the daemon's event loop:
// - the coordinator joins (a lease, and bound to it the key alive/<name>;
//   hosts/<name> holds what it last said of itself),
//   reads the group's state whenever it changes and carries out what
//   fleet::Plan decides (etcd transactions make each step safe);
// - the watcher follows every key of the group (etcd's watch), so a change
//   anywhere, a lost host included, is acted on at once;
// - the keeper sends the lease's keepalives, whatever the others are busy with.
// What the daemon has to do (deploy a commit, roll one back, raise or clear
// a lost-host alert, record something) comes out of TakeEvents(); wake_fd()
// becomes readable when there is some, or when the fleet's view changed. Losing etcd stops nothing locally:
// deploys are held (nobody grants a lock) and status says so; the host
// rejoins, with a new lease, when etcd is back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/etcd_client.h"
#include "orchestrator/fleet_plan.h"
#include "redundancy.pb.h"

namespace redundancy {

struct FleetEvent {
  enum class Kind {
    kDeploy,    // commit: send it to git (DEPLOY), then OnDeployResult
    kRollBack,  // commit: the bad one in place; detail: why
    kHostLost,  // host, detail: raise the fleet's alert (this host leads)
    kHostBack,  // host, detail: clear it
    kNote,      // kind, detail: for the history
  };
  Kind kind;
  std::string commit, host, detail;
  std::string note_kind;  // kNote: fleet_* (common/event_kinds.h)
  bool warning = false;   // kNote: logged as a warning
};

struct FleetHistoryItem {
  int64_t ts_ms = 0;
  std::string host, kind, detail;
};

class FleetCoordinator {
 public:
  FleetCoordinator();
  ~FleetCoordinator();
  FleetCoordinator(const FleetCoordinator&) = delete;
  FleetCoordinator& operator=(const FleetCoordinator&) = delete;

  // Joins the group (returns at once; etcd is reached in the background).
  void Start(const FleetConfig& config, const std::string& version);
  // Leaves it: `clean` says so in etcd (state stopped, lease revoked), so
  // that the others do not take this host for lost.
  void Stop(bool clean);
  bool running() const { return thread_.joinable(); }
  // The same etcd, name, group and lease with other rollout settings: taken
  // as they are, without leaving the group. False when more than that changed.
  bool Reconfigure(const FleetConfig& config);
  const FleetConfig& config() const { return config_; }

  // What this host is now (the coordinator acts when it changed).
  void SetLocal(const fleet::LocalState& local);
  // The answer of git to a kDeploy.
  void OnDeployResult(const std::string& commit, bool ok, const std::string& message);

  int wake_fd() const { return wake_fd_; }
  std::vector<FleetEvent> TakeEvents();
  v1::FleetStatus Snapshot() const;
  std::vector<FleetHistoryItem> History(size_t limit) const;

 private:
  struct DeployResult {
    std::string commit;
    bool ok = false;
    std::string message;
  };

  void Run();
  void Watch(EtcdClient* client);
  void Keep(EtcdClient* client);      // the lease's keepalives
  void AddHistory(const EtcdKv& kv);  // under mu_
  bool Connect();                     // a new lease, alive/<me> and hosts/<me>
  void Refresh();                     // reads the group, publishes this host, plans, acts
  void Act(const fleet::Action& a, const fleet::GroupView& v, int max_parallel);
  // Emits a note and writes it to the group's history in etcd (unless
  // `written`: already put by the transaction that did what it tells).
  void Record(const std::string& kind, const std::string& detail, bool warning = false, bool written = false);
  EtcdOp HistoryEntry(const std::string& kind, const std::string& detail);
  void Emit(FleetEvent e);
  void Wake();  // wake_fd() readable: events, or a new snapshot
  void EtcdDown(const std::string& error);
  void EtcdUp();
  fleet::HostRecord MyRecord(const fleet::LocalState& local) const;
  void Publish(const fleet::GroupView& v);
  int64_t NowMs() const;

  FleetConfig config_;
  std::string version_;
  fleet::Keys keys_{"default"};
  fleet::Settings settings_;
  int wake_fd_ = -1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, clean_stop_ = false, dirty_ = true, local_changed_ = false;
  std::optional<std::chrono::steady_clock::time_point> replan_at_;
  fleet::LocalState local_;
  std::vector<FleetEvent> events_;
  v1::FleetStatus snapshot_;
  std::deque<FleetHistoryItem> history_;
  std::deque<std::string> history_keys_;  // theirs in etcd, oldest first
  std::vector<DeployResult> deploy_results_;

  // The coordinator thread's own.
  std::unique_ptr<EtcdClient> etcd_;
  std::atomic<int64_t> lease_{0};  // 0: not joined (the keeper sets it to 0 when it expired)
  std::string keepalive_error_;    // under mu_: the keeper's last failure, "" when it works
  fleet::Memory memory_;
  fleet::HostRecord published_;
  bool etcd_ok_ = false;
  int64_t etcd_down_since_ms_ = 0;
  std::string etcd_error_;
  uint64_t history_seq_ = 0;
  std::string join_problem_;  // why the last join was refused (said once)
  int64_t published_ms_ = 0;  // when hosts/<me> was last written
  std::set<std::string> junk_seen_, lost_seen_;
  std::thread thread_, watcher_, keeper_;
  StreamCancel watch_cancel_;
  std::atomic<bool> watch_stop_{false};
};

}  // namespace redundancy
