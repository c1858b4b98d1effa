#include "orchestrator/fleet.h"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "common/event_kinds.h"
#include "common/json_text.h"

namespace redundancy {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using Target = EtcdCompare::Target;

constexpr size_t kHistoryKept = 500;  // in etcd and here

bool Expired(const std::string& error) { return error.find("has expired") != std::string::npos; }

}  // namespace

FleetCoordinator::FleetCoordinator() : wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

FleetCoordinator::~FleetCoordinator() {
  Stop(false);
  if (wake_fd_ >= 0) close(wake_fd_);
}

int64_t FleetCoordinator::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void FleetCoordinator::Start(const FleetConfig& config, const std::string& version) {
  Stop(false);
  config_ = config;
  version_ = version;
  keys_ = fleet::Keys(config.group);
  settings_ = {.me = config.name, .canary = config.canary, .max_parallel = config.max_parallel, .bake = config.bake};
  EtcdOptions o;
  o.endpoints = config.etcd;
  o.username = config.username;
  o.password = config.password;
  o.tls = {config.ca_file, config.cert_file, config.key_file};
  o.timeout = std::clamp(config.lease / 3, Millis(500), Millis(2'000));
  etcd_ = std::make_unique<EtcdClient>(o);
  {
    std::lock_guard lock(mu_);
    stop_ = false;
    dirty_ = true;
    snapshot_ = v1::FleetStatus();
    snapshot_.set_enabled(true);
    snapshot_.set_name(config.name);
    snapshot_.set_group(config.group);
    snapshot_.set_etcd("connecting");
    snapshot_.set_rollout_state("held");
    snapshot_.set_lease_ms(config.lease.count());
  }
  lease_ = 0;
  keepalive_error_.clear();
  etcd_ok_ = false;
  watch_stop_ = false;
  watch_cancel_.Reset();
  thread_ = std::thread([this] { Run(); });
  watcher_ = std::thread([this, o] {
    EtcdClient w(o);
    Watch(&w);
  });
  keeper_ = std::thread([this, o] {
    EtcdClient k(o);
    Keep(&k);
  });
}

bool FleetCoordinator::Reconfigure(const FleetConfig& config) {
  FleetConfig same = config;
  same.canary = config_.canary;
  same.max_parallel = config_.max_parallel;
  same.bake = config_.bake;
  if (!running() || !(same == config_)) return false;
  std::lock_guard lock(mu_);
  config_.canary = config.canary;  // only these: the threads read the rest without the lock
  config_.max_parallel = config.max_parallel;
  config_.bake = config.bake;
  settings_.canary = config.canary;
  settings_.max_parallel = config.max_parallel;
  settings_.bake = config.bake;
  dirty_ = true;
  cv_.notify_all();
  return true;
}

void FleetCoordinator::Stop(bool clean) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    clean_stop_ = clean;
  }
  cv_.notify_all();
  watch_stop_ = true;
  watch_cancel_.Cancel();
  if (watcher_.joinable()) watcher_.join();
  if (keeper_.joinable()) keeper_.join();
  thread_.join();
}

void FleetCoordinator::SetLocal(const fleet::LocalState& local) {
  std::lock_guard lock(mu_);
  if (local.state == local_.state && local.detail == local_.detail && local.commit == local_.commit &&
      local.upstream == local_.upstream && local.deployed == local_.deployed &&
      local.pipeline_running == local_.pipeline_running && local.pipeline_revision == local_.pipeline_revision &&
      local.pipeline_result == local_.pipeline_result && local.pipeline_finished_ms == local_.pipeline_finished_ms &&
      (local.healthy_since_ms > 0) == (local_.healthy_since_ms > 0))
    return;
  local_ = local;
  local_changed_ = true;
  cv_.notify_all();
}

void FleetCoordinator::OnDeployResult(const std::string& commit, bool ok, const std::string& message) {
  std::lock_guard lock(mu_);
  deploy_results_.push_back({commit, ok, message});
  local_changed_ = true;
  cv_.notify_all();
}

std::vector<FleetEvent> FleetCoordinator::TakeEvents() {
  uint64_t n;
  while (read(wake_fd_, &n, sizeof n) > 0) {
  }
  std::lock_guard lock(mu_);
  std::vector<FleetEvent> out;
  out.swap(events_);
  return out;
}

v1::FleetStatus FleetCoordinator::Snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::vector<FleetHistoryItem> FleetCoordinator::History(size_t limit) const {
  std::lock_guard lock(mu_);
  size_t from = history_.size() > limit ? history_.size() - limit : 0;
  return {history_.begin() + static_cast<std::ptrdiff_t>(from), history_.end()};
}

void FleetCoordinator::Emit(FleetEvent e) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  Wake();
}

EtcdOp FleetCoordinator::HistoryEntry(const std::string& kind, const std::string& detail) {
  // The group's history: one key per entry, ordered by time.
  int64_t now = NowMs();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(now));
  return {.key = keys_.History() + stamp + "-" + config_.name + "-" + std::to_string(++history_seq_),
          .value = JsonText({{"ts_ms", now}, {"host", config_.name}, {"kind", kind}, {"detail", detail}})};
}

void FleetCoordinator::Record(const std::string& kind, const std::string& detail, bool warning, bool written) {
  Emit({.kind = FleetEvent::Kind::kNote, .detail = detail, .note_kind = kind, .warning = warning});
  if (!etcd_ok_) return;
  if (!written) {
    EtcdOp entry = HistoryEntry(kind, detail);
    etcd_->Put(entry.key, entry.value);
  }
  std::vector<std::string> old;
  {
    std::lock_guard lock(mu_);
    while (history_keys_.size() > kHistoryKept + 50) {
      old.push_back(history_keys_.front());
      history_keys_.pop_front();
    }
  }
  if (!old.empty()) {
    std::vector<EtcdOp> ops;
    for (const auto& k : old) ops.push_back({.kind = EtcdOp::Kind::kDelete, .key = k});
    etcd_->Txn({}, ops);
  }
}

void FleetCoordinator::EtcdDown(const std::string& error) {
  bool changed = error != etcd_error_;
  etcd_error_ = error;
  if (etcd_ok_ || etcd_down_since_ms_ == 0) {
    etcd_down_since_ms_ = NowMs();
    etcd_ok_ = false;
    changed = true;
    Emit({.kind = FleetEvent::Kind::kNote,
          .detail = error + ": deploys are held; local supervision goes on",
          .note_kind = events::kFleetEtcdDown,
          .warning = true});
  }
  if (!changed) return;  // once a second while it lasts: nothing new to show
  std::unique_lock lock(mu_);
  snapshot_.set_etcd("unreachable");
  snapshot_.set_etcd_error(error);
  snapshot_.set_etcd_down_since_ms(etcd_down_since_ms_);
  snapshot_.set_rollout_state("held");
  snapshot_.set_detail("etcd unreachable: deploys held until it answers; local recovery goes on");
  lock.unlock();
  Wake();
}

void FleetCoordinator::EtcdUp() {
  if (etcd_ok_) return;
  bool was_down = etcd_down_since_ms_ != 0;
  etcd_ok_ = true;
  if (was_down)
    Record(events::kFleetEtcdBack, "etcd answers again after " + FormatDuration(Millis(NowMs() - etcd_down_since_ms_)));
  etcd_down_since_ms_ = 0;
  etcd_error_.clear();
  std::lock_guard lock(mu_);
  snapshot_.set_etcd("connected");
  snapshot_.set_etcd_error("");
  snapshot_.set_etcd_down_since_ms(0);
}

bool FleetCoordinator::Connect() {
  auto lease = etcd_->Grant(std::max<int64_t>(1, config_.lease.count() / 1000));
  if (!lease.ok()) {
    EtcdDown(lease.error());
    return false;
  }
  // alive/<name> only if nobody holds it: two hosts with one name would
  // take each other's place (after our own kill -9, the old key goes with
  // its lease, within `lease`).
  auto alive = etcd_->Txn({{.key = keys_.Alive(config_.name), .target = Target::kCreate, .revision = 0}},
                          {{.key = keys_.Alive(config_.name), .value = std::to_string(NowMs()), .lease = *lease}});
  if (!alive.ok()) {
    EtcdDown(alive.error());
    return false;
  }
  if (!*alive) {
    etcd_->Revoke(*lease);
    std::string why = "another redundancyd is alive as " + config_.name + " in " + config_.group +
                      " (a second host with this fleet.name, or this one before a restart: its lease ends it)";
    if (why != join_problem_) spdlog::warn("fleet: {}; trying again", why);
    join_problem_ = why;
    std::lock_guard lock(mu_);
    snapshot_.set_etcd("connecting");
    snapshot_.set_etcd_error(why);
    return false;
  }
  join_problem_.clear();
  lease_ = *lease;
  EtcdUp();
  published_ = fleet::HostRecord();  // published again by the next Refresh
  // The group's history so far, for `fleet history`.
  if (auto h = etcd_->Get(keys_.History(), true); h.ok()) {
    std::lock_guard lock(mu_);
    history_.clear();
    history_keys_.clear();
    std::vector<EtcdKv> kvs = h->kvs;
    // In the order etcd took them (the keys' times come from each host's clock).
    std::stable_sort(kvs.begin(), kvs.end(),
                     [](const EtcdKv& a, const EtcdKv& b) { return a.create_revision < b.create_revision; });
    for (const auto& kv : kvs) AddHistory(kv);
  }
  Record(events::kFleetJoined, config_.name + " joined " + config_.group + " (lease " + FormatDuration(config_.lease) +
                                   ", etcd " + etcd_->endpoint() + ")");
  return true;
}

// Under mu_.
void FleetCoordinator::AddHistory(const EtcdKv& kv) {
  json j = json::parse(kv.value, nullptr, false);
  if (!j.is_object()) return;
  FleetHistoryItem item;
  item.ts_ms = JsonInt(j, "ts_ms");
  item.host = JsonStr(j, "host");
  item.kind = JsonStr(j, "kind");
  item.detail = JsonStr(j, "detail");
  history_.push_back(std::move(item));
  history_keys_.push_back(kv.key);
  while (history_.size() > kHistoryKept) history_.pop_front();
}

void FleetCoordinator::Watch(EtcdClient* client) {
  while (!watch_stop_) {
    Status s = client->Watch(
        keys_.base, 0,
        [&](const std::vector<EtcdEvent>& events, int64_t) {
          bool state = events.empty();  // the watch is (again) in place: anything may have changed
          std::lock_guard lock(mu_);
          for (const auto& e : events) {
            if (e.kv.key.rfind(keys_.History(), 0) == 0) {
              if (!e.deleted) AddHistory(e.kv);
            } else {
              state = true;
            }
          }
          if (state) {
            dirty_ = true;
            cv_.notify_all();
          }
        },
        &watch_cancel_);
    if (watch_stop_) break;
    spdlog::debug("fleet: watch ended ({}); again in 1 s", s.message());
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
}

void FleetCoordinator::Run() {
  Millis backoff(500);
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (!lease_) {
      if (Connect()) {
        backoff = Millis(500);
        std::lock_guard l(mu_);
        dirty_ = true;
        cv_.notify_all();  // the keeper: a lease to keep alive
      } else {
        lock.lock();
        cv_.wait_for(lock, backoff, [this] { return stop_; });
        backoff = std::min(backoff * 2, Millis(5'000));
        continue;
      }
    }
    bool refresh;
    std::string keepalive_error;
    {
      std::lock_guard l(mu_);
      refresh = dirty_ || local_changed_ || (replan_at_ && Clock::now() >= *replan_at_);
      dirty_ = local_changed_ = false;
      keepalive_error = keepalive_error_;
    }
    if (!keepalive_error.empty()) EtcdDown(keepalive_error);
    if (refresh && lease_) {
      try {
        Refresh();
      } catch (const std::exception& e) {  // nothing here should throw; never let it take the daemon down
        spdlog::error("fleet: {}", e.what());
      }
    }
    lock.lock();
    auto until = Clock::now() + std::chrono::minutes(1);
    if (replan_at_) until = std::min(until, *replan_at_);
    cv_.wait_until(lock, until, [this] { return stop_ || dirty_ || local_changed_; });
  }
  bool clean = clean_stop_;
  lock.unlock();
  if (clean && lease_ && etcd_ok_) {
    // Leaving on purpose: not lost. The lease's keys (alive, locks, leader) go with it.
    Record(events::kFleetHostBack, config_.name + " leaves " + config_.group + " (stopped on purpose)");
    fleet::HostRecord me = published_;
    me.name = config_.name;
    me.state = "stopped";
    me.deploying.clear();
    me.updated_ms = NowMs();
    etcd_->Put(keys_.Host(config_.name), fleet::ToJson(me));
    etcd_->Revoke(lease_);
  }
  lease_ = 0;
}

// Its own thread, so that no amount of work elsewhere (a burst of alerts, a
// slow etcd call) lets the lease expire under a live host.
void FleetCoordinator::Keep(EtcdClient* client) {
  const auto every = std::max(Millis(300), config_.lease / 3);
  std::unique_lock lock(mu_);
  while (!stop_) {
    int64_t lease = lease_;
    if (!lease) {
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_ || lease_ != 0; });
      continue;
    }
    lock.unlock();
    auto ttl = client->KeepAlive(lease);
    lock.lock();
    Millis next = every;
    if (ttl.ok()) {
      if (!keepalive_error_.empty()) dirty_ = true;  // back: read the group again
      keepalive_error_.clear();
    } else if (Expired(ttl.error())) {
      // Gone while we could not reach etcd: the others took us for lost. Join again.
      spdlog::warn("fleet: {}; joining again", ttl.error());
      if (lease_ == lease) lease_ = 0;
      keepalive_error_.clear();
      dirty_ = true;
    } else {
      keepalive_error_ = ttl.error();
      dirty_ = true;
      next = Millis(1'000);
    }
    cv_.notify_all();
    cv_.wait_for(lock, next, [&] { return stop_ || lease_ != lease; });
  }
}

void FleetCoordinator::Wake() {
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {
    // the counter is full: the daemon has plenty to read already
  }
}

}  // namespace redundancy
