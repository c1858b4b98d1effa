#include "orchestrator/alert_dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/logging.h"
#include "common/store/store.h"
#include "orchestrator/alert_channels.h"

namespace redundancy {

AlertDispatcher::AlertDispatcher(std::string db_path, std::function<int64_t()> now_ms, Millis first_retry,
                                 Millis max_retry)
    : db_path_(std::move(db_path)), now_ms_(std::move(now_ms)), first_retry_(first_retry), max_retry_(max_retry) {}

Status AlertDispatcher::Start() {
  Stop();
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void AlertDispatcher::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AlertDispatcher::SetChannels(std::vector<AlertChannel> channels) {
  {
    std::lock_guard lock(mu_);
    channels_ = std::move(channels);
    woken_ = true;
  }
  cv_.notify_all();
}

void AlertDispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void AlertDispatcher::QueueInMemory(DeliveryRow row) {
  {
    std::lock_guard lock(mu_);
    if (memory_.size() >= kMaxInMemory) memory_.pop_front();
    memory_.push_back(std::move(row));
    woken_ = true;
  }
  cv_.notify_all();
}

void AlertDispatcher::Attempt(const std::vector<AlertChannel>& channels, DeliveryRow& r) {
  auto ch = std::find_if(channels.begin(), channels.end(), [&r](const AlertChannel& c) { return c.name == r.channel; });
  Status s = ch == channels.end() ? Status::Error("channel '" + r.channel + "' is not configured (kept until it is)")
                                  : Deliver(*ch, r.payload);
  ++r.attempts;
  int64_t now = now_ms_();
  if (s.ok()) {
    r.state = "delivered";
    r.done_ms = now;
    r.last_error.clear();
    ++delivered_;
    spdlog::info("alerts: delivered notification {} ({} of alert(s) {}) to {} on attempt {}", r.id, r.status,
                 r.alert_ids, r.channel, r.attempts);
    return;
  }
  ++failed_;
  r.last_error = Redact(s.message());
  int64_t delay = first_retry_.count() << std::min(r.attempts - 1, 20);
  r.next_ms = now + std::min<int64_t>(delay, max_retry_.count());
  if (r.attempts <= 3 || r.attempts % 10 == 0) {
    spdlog::warn("alerts: notification {} to {} failed (attempt {}): {}; retrying in {}", r.id, r.channel, r.attempts,
                 r.last_error, FormatDuration(Millis(r.next_ms - now)));
  }
}

void AlertDispatcher::Run() {
  auto store = Store::Open(db_path_);
  if (!store.ok()) {
    spdlog::error("alerts: the dispatcher cannot open the database: {}", store.error());
    return;
  }
  std::unique_lock lock(mu_);
  while (!stop_) {
    woken_ = false;
    std::vector<AlertChannel> channels = channels_;
    lock.unlock();
    int64_t now = now_ms_();
    int64_t next = now + 60'000;  // look again at least this often (new rows wake it)
    auto rows = store->Deliveries("pending", 64);
    if (!rows.ok()) spdlog::warn("alerts: {}", rows.error());
    for (auto& r : rows.ok() ? *rows : std::vector<DeliveryRow>{}) {
      if (r.next_ms > now) {
        next = std::min(next, r.next_ms);
        break;
      }
      {
        std::lock_guard stop_lock(mu_);
        if (stop_) break;
      }
      Attempt(channels, r);
      now = now_ms_();
      if (r.state != "delivered") next = std::min(next, r.next_ms);
      if (Status u = store->UpdateDelivery(r); !u.ok()) spdlog::error("alerts: {}", u.message());
    }
    lock.lock();
    // Those the database could not take: from memory, the same way. The due
    // ones are taken out, tried without the lock, and those still undelivered
    // go back (QueueInMemory may have added rows meanwhile).
    std::deque<DeliveryRow> due;
    for (auto it = memory_.begin(); it != memory_.end();) {
      if (it->next_ms <= now_ms_()) {
        due.push_back(std::move(*it));
        it = memory_.erase(it);
      } else {
        next = std::min(next, it->next_ms);
        ++it;
      }
    }
    if (!due.empty()) {
      lock.unlock();
      for (auto& r : due) Attempt(channels, r);
      lock.lock();
      for (auto& r : due) {
        if (r.state == "delivered") continue;
        next = std::min(next, r.next_ms);
        if (memory_.size() >= kMaxInMemory) memory_.pop_front();
        memory_.push_back(std::move(r));
      }
    }
    if (stop_ || woken_) continue;
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, next - now_ms_())),
                 [this] { return stop_ || woken_; });
  }
}

}  // namespace redundancy
