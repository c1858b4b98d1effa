// The alerts and deliveries tables of the Store (see store.h).
#include <sqlite3.h>

#include "common/store/store.h"

namespace redundancy {
namespace {

// A prepared statement that finalizes itself.
struct Stmt {
  sqlite3_stmt* st = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st, nullptr); }
  ~Stmt() { sqlite3_finalize(st); }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(st, i, v);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(st, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
};

Status Done(sqlite3* db, Stmt& s, const char* what) {
  if (!s.st) return Status::Error(std::string(what) + ": " + sqlite3_errmsg(db));
  if (sqlite3_step(s.st) != SQLITE_DONE) return Status::Error(std::string(what) + ": " + sqlite3_errmsg(db));
  return Status::Ok();
}

DeliveryRow ReadDelivery(const Stmt& s) {
  DeliveryRow r;
  r.id = sqlite3_column_int64(s.st, 0);
  r.created_ms = sqlite3_column_int64(s.st, 1);
  r.channel = s.Text(2);
  r.alert_ids = s.Text(3);
  r.status = s.Text(4);
  r.payload = s.Text(5);
  r.attempts = sqlite3_column_int(s.st, 6);
  r.next_ms = sqlite3_column_int64(s.st, 7);
  r.state = s.Text(8);
  r.last_error = s.Text(9);
  r.done_ms = sqlite3_column_int64(s.st, 10);
  return r;
}

constexpr const char* kDeliveryColumns =
    "id, created_ms, channel, alert_ids, status, payload, attempts, next_ms, state, last_error, done_ms";

}  // namespace

Status Store::PutAlert(int64_t id, const std::string& state, int64_t ends_ms, const std::string& json) {
  Stmt s(db_,
         "INSERT INTO alerts(id, state, ends_ms, json) VALUES (?,?,?,?) "
         "ON CONFLICT(id) DO UPDATE SET state = excluded.state, ends_ms = excluded.ends_ms, json = excluded.json");
  if (s.st) s.Bind(1, id).Bind(2, state).Bind(3, ends_ms).Bind(4, json);
  return Done(db_, s, "alerts");
}

Result<std::vector<std::string>> Store::AlertsJson(int64_t resolved_since_ms) const {
  Stmt s(db_, "SELECT json FROM alerts WHERE state = 'firing' OR ends_ms >= ? ORDER BY id");
  if (!s.st) return Result<std::vector<std::string>>::Error(std::string("alerts: ") + sqlite3_errmsg(db_));
  s.Bind(1, resolved_since_ms);
  std::vector<std::string> out;
  while (sqlite3_step(s.st) == SQLITE_ROW) out.push_back(s.Text(0));
  return out;
}

int64_t Store::MaxAlertId() const {
  Stmt s(db_, "SELECT COALESCE(MAX(id), 0) FROM alerts");
  return s.st && sqlite3_step(s.st) == SQLITE_ROW ? sqlite3_column_int64(s.st, 0) : 0;
}

Result<int64_t> Store::AddDelivery(const DeliveryRow& r) {
  Stmt s(db_,
         "INSERT INTO deliveries(created_ms, channel, alert_ids, status, payload, attempts, next_ms, state) "
         "VALUES (?,?,?,?,?,?,?,?)");
  if (s.st) {
    s.Bind(1, r.created_ms).Bind(2, r.channel).Bind(3, r.alert_ids).Bind(4, r.status).Bind(5, r.payload);
    s.Bind(6, int64_t{r.attempts}).Bind(7, r.next_ms).Bind(8, r.state.empty() ? std::string("pending") : r.state);
  }
  if (Status st = Done(db_, s, "deliveries"); !st.ok()) return st;
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status Store::UpdateDelivery(const DeliveryRow& r) {
  Stmt s(db_, "UPDATE deliveries SET attempts = ?, next_ms = ?, state = ?, last_error = ?, done_ms = ? WHERE id = ?");
  if (s.st)
    s.Bind(1, int64_t{r.attempts})
        .Bind(2, r.next_ms)
        .Bind(3, r.state)
        .Bind(4, r.last_error)
        .Bind(5, r.done_ms)
        .Bind(6, r.id);
  return Done(db_, s, "deliveries");
}

Result<std::vector<DeliveryRow>> Store::Deliveries(const std::string& state, int limit) const {
  std::string sql = std::string("SELECT ") + kDeliveryColumns + " FROM deliveries " +
                    (state.empty() ? "ORDER BY id DESC LIMIT ?" : "WHERE state = ? ORDER BY next_ms, id LIMIT ?");
  Stmt s(db_, sql.c_str());
  if (!s.st) return Result<std::vector<DeliveryRow>>::Error(std::string("deliveries: ") + sqlite3_errmsg(db_));
  if (state.empty()) {
    s.Bind(1, int64_t{limit});
  } else {
    s.Bind(1, state).Bind(2, int64_t{limit});
  }
  std::vector<DeliveryRow> out;
  while (sqlite3_step(s.st) == SQLITE_ROW) out.push_back(ReadDelivery(s));
  return out;
}

Status Store::PruneAlerts(int64_t before_ms) {
  Stmt a(db_, "DELETE FROM alerts WHERE state = 'resolved' AND ends_ms < ?");
  if (a.st) a.Bind(1, before_ms);
  if (Status s = Done(db_, a, "alerts"); !s.ok()) return s;
  Stmt d(db_, "DELETE FROM deliveries WHERE state = 'delivered' AND done_ms < ?");
  if (d.st) d.Bind(1, before_ms);
  return Done(db_, d, "deliveries");
}

}  // namespace redundancy
