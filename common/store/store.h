// History in SQLite (WAL mode): agent lifecycle, health transitions, events,
// control commands. Every Append() is its own transaction, so a row that was
// appended survives kill -9 of the process. Single-threaded use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace redundancy {

struct HistoryRow {
  int64_t id = 0;
  int64_t ts_ms = 0;
  std::string kind;    // agent_start, agent_exit, agent_hung, agent_gave_up, health, event, control...
  std::string system;
  std::string target;
  std::string detail;
};

class Store {
 public:
  // Opens (creating if needed) the database at `path`.
  static Result<Store> Open(const std::string& path);
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  ~Store();

  // Appends one row; on error the row is lost and the error returned (callers log it).
  Status Append(const HistoryRow& row);
  // Rows with ts_ms >= since_ms, newest last, at most `limit` (the newest ones).
  Result<std::vector<HistoryRow>> Query(int64_t since_ms, int limit) const;
  // A small key/value table for state that must outlive the daemon (e.g. the
  // last revision that built). GetState returns "" when the key is unset.
  Status SetState(const std::string& key, const std::string& value);
  std::string GetState(const std::string& key) const;
  // Deletes rows older than before_ms; returns how many.
  Result<int> Prune(int64_t before_ms);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

}  // namespace redundancy
