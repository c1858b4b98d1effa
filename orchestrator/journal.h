// The one way the daemon records that something happened: Note() redacts the
// detail, logs it, writes it to the history, counts it for /metrics, feeds it
// to the alert engine and marks the status view as changed. Each of those is
// a field of the entry's defaults, so that a new record cannot forget one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/store/store.h"

namespace redundancy {

class AlertEngine;

struct JournalEntry {
  enum class Level { kDebug, kInfo, kWarn, kError };
  std::string system;  // "" for the daemon itself
  std::string target;
  std::string kind;    // one of common/event_kinds.h
  std::string detail;  // redacted by Note()
  Level level = Level::kInfo;
  bool from_agent = false;  // an agent's Event: the history says "event:<kind>"
  bool count = true;        // in redundancy_events_total
  bool alert = true;        // offered to the alert engine (alerts.events)
};

class Journal {
 public:
  using Counts = std::map<std::pair<std::string, std::string>, uint64_t>;

  explicit Journal(Clock* clock) : clock_(clock) {}
  // Either may stay null (before Setup, or in a test without one).
  void Attach(Store* store, AlertEngine* alerts) {
    store_ = store;
    alerts_ = alerts;
  }
  // Called whenever something the status view shows changed.
  void OnChange(std::function<void()> f) { on_change_ = std::move(f); }

  void Note(JournalEntry e);

  // Writes a row as is. A failing write raises history_write_failed once per
  // streak (log, status problem, metric, alert); the row waits in the
  // store's queue, retried by Tick every second.
  void Persist(const HistoryRow& row);
  void Tick(SteadyTime now);
  // The next retry of queued rows; nullopt when none wait.
  std::optional<SteadyTime> NextDeadline() const;

  const Counts& counts() const { return counts_; }
  // The failing write, "" while writes work.
  const std::string& history_error() const { return history_error_; }

 private:
  void Written();
  void Changed() {
    if (on_change_) on_change_();
  }

  Clock* clock_;
  Store* store_ = nullptr;
  AlertEngine* alerts_ = nullptr;
  std::function<void()> on_change_;
  Counts counts_;
  std::string history_error_;
  SteadyTime next_retry_{};
};

}  // namespace redundancy
