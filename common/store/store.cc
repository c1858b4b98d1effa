#include "common/store/store.h"

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

Result<Store> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Result<Store>::Error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 2000);
  Store store(db);
  // WAL + synchronous=NORMAL: a committed row survives a crash of this process.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
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
    if (Status s = Exec(db, sql); !s.ok()) return Result<Store>::Error(path + ": " + s.message());
  }
  if (sqlite3_prepare_v2(db, "INSERT INTO history(ts_ms, kind, system, target, detail) VALUES (?,?,?,?,?)", -1,
                         &store.insert_, nullptr) != SQLITE_OK) {
    return Result<Store>::Error(path + ": " + sqlite3_errmsg(db));
  }
  return store;
}

Store::Store(Store&& o) noexcept : db_(o.db_), insert_(o.insert_) {
  o.db_ = nullptr;
  o.insert_ = nullptr;
}

Store& Store::operator=(Store&& o) noexcept {
  if (this != &o) {
    this->~Store();
    db_ = o.db_;
    insert_ = o.insert_;
    o.db_ = nullptr;
    o.insert_ = nullptr;
  }
  return *this;
}

Store::~Store() {
  if (insert_) sqlite3_finalize(insert_);
  if (db_) sqlite3_close(db_);
}

Status Store::Append(const HistoryRow& row) {
  sqlite3_reset(insert_);
  sqlite3_bind_int64(insert_, 1, row.ts_ms);
  sqlite3_bind_text(insert_, 2, row.kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 3, row.system.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 4, row.target.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert_, 5, row.detail.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(insert_) != SQLITE_DONE) return Status::Error(std::string("history: ") + sqlite3_errmsg(db_));
  return Status::Ok();
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
  if (sqlite3_prepare_v2(db_, "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         -1, &st, nullptr) != SQLITE_OK) {
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
