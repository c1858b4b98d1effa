// History in SQLite (WAL mode): agent lifecycle, health transitions, events,
// control commands. Every Append() is its own transaction, so a row that was
// appended survives kill -9 of the process. Single-threaded use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "common/status.h"

namespace redundancy {

struct HistoryRow {
  int64_t id = 0;
  int64_t ts_ms = 0;
  std::string kind;  // agent_start, agent_exit, agent_hung, agent_gave_up, health, event, control...
  std::string system;
  std::string target;
  std::string detail;
};

// A notification for one channel, kept until delivered (alert_store.cc).
struct DeliveryRow {
  int64_t id = 0;
  int64_t created_ms = 0;
  std::string channel;
  std::string alert_ids;  // "3,4"
  std::string status;     // firing | resolved
  std::string payload;    // exactly what is sent (no secrets: URLs come from the config)
  int attempts = 0;
  int64_t next_ms = 0;  // when to try next
  std::string state;    // pending | delivered
  std::string last_error;
  int64_t done_ms = 0;
};

class Store {
 public:
  // Opens (creating if needed) the database at `path`. A database that is
  // corrupt (a damaged page or header: SQLite's quick_check fails, or the
  // file is not a database) is moved aside as `<path>.corrupt-<epoch s>`
  // (with its -wal/-shm), kept for forensics, and a new one started:
  // moved_aside() says where, and the daemon raises a critical event.
  static Result<Store> Open(const std::string& path);
  const std::string& moved_aside() const { return moved_aside_; }
  // A read-only connection to a database another Store keeps (reports on
  // another thread): no checks, no schema, nothing moved.
  static Result<Store> OpenReader(const std::string& path);
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  ~Store();

  // Appends one row. When the database cannot take it (a full disk, an I/O
  // error) the error is returned and the row kept in a bounded queue
  // (kMaxPending rows; past that the oldest are dropped and counted), written
  // before the next row, or by Retry(), once the database takes rows again.
  Status Append(const HistoryRow& row);
  // Writes the queued rows; Ok when none are left.
  Status Retry();
  size_t pending() const { return pending_.size(); }
  uint64_t dropped() const { return dropped_; }
  static constexpr size_t kMaxPending = 10'000;
  // Rows with ts_ms >= since_ms, newest last, at most `limit` (the newest ones).
  Result<std::vector<HistoryRow>> Query(int64_t since_ms, int limit) const;
  // A small key/value table for state that must outlive the daemon (e.g. the
  // last revision that built). GetState returns "" when the key is unset.
  Status SetState(const std::string& key, const std::string& value);
  std::string GetState(const std::string& key) const;
  // Alerts (JSON documents by id): the firing ones and those resolved since.
  Status PutAlert(int64_t id, const std::string& state, int64_t ends_ms, const std::string& json);
  Result<std::vector<std::string>> AlertsJson(int64_t resolved_since_ms) const;
  int64_t MaxAlertId() const;
  // Deliveries: added pending, updated by the dispatcher, listed for status.
  Result<int64_t> AddDelivery(const DeliveryRow& row);
  Status UpdateDelivery(const DeliveryRow& row);
  // state "pending": due ones first (by next_ms); "" : the newest `limit` of any state.
  Result<std::vector<DeliveryRow>> Deliveries(const std::string& state, int limit) const;
  // Resolved alerts and delivered notifications older than before_ms go (Prune calls it).
  Status PruneAlerts(int64_t before_ms);
  // Deletes rows older than before_ms; returns how many.
  Result<int> Prune(int64_t before_ms);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  static Result<Store> OpenOnce(const std::string& path, int* sqlite_code);
  Status Insert(const HistoryRow& row);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::deque<HistoryRow> pending_;
  uint64_t dropped_ = 0;
  std::string moved_aside_;
};

}  // namespace redundancy
