#include "common/store/store.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

namespace redundancy {
namespace {

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Error(msg);
  }
  return Status::Ok();
}

std::string Text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

Result<Store> Store::OpenReader(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Result<Store>::Error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 2000);
  return Store(db);
}

Result<Store> Store::OpenOnce(const std::string& path, int* sqlite_code) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    *sqlite_code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
    sqlite3_close(db);
    return Result<Store>::Error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 2000);
  Store store(db);
  // A damaged database fails here, not at some later write: quick_check
  // reads every page once (milliseconds for a history of weeks).
  {
    sqlite3_stmt* check = nullptr;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &check, nullptr);
    std::string verdict;
    if (rc == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW) verdict = Text(check, 0);
    int code = sqlite3_errcode(db);
    sqlite3_finalize(check);
    if (verdict != "ok") {
      *sqlite_code = code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE ? SQLITE_CORRUPT : code;
      return Result<Store>::Error(path + ": " +
                                  (verdict.empty() ? std::string(sqlite3_errmsg(db)) : "quick_check: " + verdict));
    }
  }
  // WAL + synchronous=NORMAL: a committed row survives a crash of this process.
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
        "CREATE TABLE IF NOT EXISTS history ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
        " system TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX IF NOT EXISTS history_ts ON history(ts_ms)",
        "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, state TEXT NOT NULL,"
        " ends_ms INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " created_ms INTEGER NOT NULL, channel TEXT NOT NULL, alert_ids TEXT NOT NULL, status TEXT NOT NULL,"
        " payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
        " state TEXT NOT NULL, last_error TEXT NOT NULL DEFAULT '', done_ms INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(state, next_ms)"}) {
    if (Status s = Exec(db, sql); !s.ok()) {
      *sqlite_code = sqlite3_errcode(db);
      return Result<Store>::Error(path + ": " + s.message());
    }
  }
  if (sqlite3_prepare_v2(db, "INSERT INTO history(ts_ms, kind, system, target, detail) VALUES (?,?,?,?,?)", -1,
                         &store.insert_, nullptr) != SQLITE_OK) {
    return Result<Store>::Error(path + ": " + sqlite3_errmsg(db));
  }
  return store;
}

Result<Store> Store::Open(const std::string& path) {
  int code = SQLITE_OK;
  auto store = OpenOnce(path, &code);
  if (store.ok() || (code != SQLITE_CORRUPT && code != SQLITE_NOTADB)) return store;
  std::string aside = path + ".corrupt-" + std::to_string(std::time(nullptr));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string from = path + suffix;
    if (::access(from.c_str(), F_OK) == 0 && std::rename(from.c_str(), (aside + suffix).c_str()) != 0) {
      return Result<Store>::Error(store.error() + "; and it could not be moved aside: " + std::strerror(errno));
    }
  }
  code = SQLITE_OK;
  auto fresh = OpenOnce(path, &code);
  if (!fresh.ok()) return fresh;
  fresh->moved_aside_ = aside + " (" + store.error() + ")";
  return fresh;
}

Store::Store(Store&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      insert_(std::exchange(o.insert_, nullptr)),
      pending_(std::move(o.pending_)),
      dropped_(o.dropped_),
      moved_aside_(std::move(o.moved_aside_)) {}

Store& Store::operator=(Store&& o) noexcept {
  if (this != &o) {
    if (insert_) sqlite3_finalize(insert_);
    if (db_) sqlite3_close(db_);
    db_ = std::exchange(o.db_, nullptr);
    insert_ = std::exchange(o.insert_, nullptr);
    pending_ = std::move(o.pending_);
    dropped_ = o.dropped_;
    moved_aside_ = std::move(o.moved_aside_);
  }
  return *this;
}

Store::~Store() {
  if (insert_) sqlite3_finalize(insert_);
  if (db_) sqlite3_close(db_);
}

Status Store::Insert(const HistoryRow& row) {
  sqlite3_reset(insert_);
  sqlite3_bind_int64(insert_, 1, row.ts_ms);
  sqlite3_bind_text(insert_, 2, row.kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 3, row.system.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 4, row.target.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 5, row.detail.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(insert_);
  sqlite3_reset(insert_);
  if (rc != SQLITE_DONE) return Status::Error(std::string("history: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

Status Store::Retry() {
  while (!pending_.empty()) {
    if (Status s = Insert(pending_.front()); !s.ok()) return s;
    pending_.pop_front();
  }
  return Status::Ok();
}

Status Store::Append(const HistoryRow& row) {
  Status s = Retry();  // the queued rows first: the history stays in order
  if (s.ok()) s = Insert(row);
  if (!s.ok()) {
    if (pending_.size() >= kMaxPending) {
      pending_.pop_front();
      ++dropped_;
    }
    pending_.push_back(row);
  }
  return s;
}

Result<std::vector<HistoryRow>> Store::Query(int64_t since_ms, int limit) const {
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT id, ts_ms, kind, system, target, detail FROM "
      "(SELECT * FROM history WHERE ts_ms >= ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    return Result<std::vector<HistoryRow>>::Error(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, since_ms);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 1000);
  std::vector<HistoryRow> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    HistoryRow r;
    r.id = sqlite3_column_int64(st, 0);
    r.ts_ms = sqlite3_column_int64(st, 1);
    r.kind = Text(st, 2);
    r.system = Text(st, 3);
    r.target = Text(st, 4);
    r.detail = Text(st, 5);
    rows.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return rows;
}

Status Store::SetState(const std::string& key, const std::string& value) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(
          db_, "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", -1,
          &st, nullptr) != SQLITE_OK) {
    return Status::Error(std::string("state: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, value.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Error(std::string("state: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

std::string Store::GetState(const std::string& key) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM state WHERE key = ?", -1, &st, nullptr) != SQLITE_OK) return "";
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  std::string value = sqlite3_step(st) == SQLITE_ROW ? Text(st, 0) : "";
  sqlite3_finalize(st);
  return value;
}

Result<int> Store::Prune(int64_t before_ms) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM history WHERE ts_ms < ?", -1, &st, nullptr) != SQLITE_OK) {
    return Result<int>::Error(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, before_ms);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Result<int>::Error(std::string("history: ") + sqlite3_errmsg(db_));
  int changed = sqlite3_changes(db_);
  if (Status s = PruneAlerts(before_ms); !s.ok()) return s;
  return changed;
}

}  // namespace redundancy
