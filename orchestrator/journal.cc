#include "orchestrator/journal.h"

#include <spdlog/spdlog.h>

#include "common/event_kinds.h"
#include "common/logging.h"
#include "orchestrator/alerts.h"

namespace redundancy {

void Journal::Note(JournalEntry e) {
  if (!events::IsKnown(e.kind)) {
    // A kind outside common/event_kinds.h cannot be named by alerts.events:
    // recorded all the same, and said, so that the list gets it.
    spdlog::debug("journal: '{}' is not in common/event_kinds.h", e.kind);
  }
  e.detail = Redact(e.detail);
  std::string who = e.system.empty() ? "" : (e.kind.rfind("agent_", 0) == 0 ? "agent " : "") + e.system;
  if (!e.target.empty() && e.target != e.system) who += (who.empty() ? "" : " ") + e.target;
  std::string line = e.kind == events::kHealth
                         ? e.target + " " + e.detail
                         : (who.empty() ? "" : who + ": ") + e.kind + (e.detail.empty() ? "" : " " + e.detail);
  switch (e.level) {
    case JournalEntry::Level::kDebug:
      spdlog::debug("{}", line);
      break;
    case JournalEntry::Level::kInfo:
      spdlog::info("{}", line);
      break;
    case JournalEntry::Level::kWarn:
      spdlog::warn("{}", line);
      break;
    case JournalEntry::Level::kError:
      spdlog::error("{}", line);
      break;
  }
  Persist({0, clock_->WallMs(), e.from_agent ? "event:" + e.kind : e.kind, e.system, e.target, e.detail});
  if (e.count) ++counts_[{e.system, e.kind}];
  if (e.alert && alerts_) alerts_->Event(e.system, e.target, e.kind, e.detail, clock_->WallMs());
  Changed();
}

void Journal::Persist(const HistoryRow& row) {
  if (!store_) return;
  Status s = store_->Append(row);
  if (s.ok()) return Written();
  if (!history_error_.empty()) {
    history_error_ = s.message();
    return;
  }
  // Once per failing streak: said loudly, the rows kept until it passes.
  history_error_ = s.message();
  Changed();
  spdlog::error("{}: rows are kept in memory (at most {}) and written once the database takes them again", s.message(),
                Store::kMaxPending);
  ++counts_[{"", events::kHistoryWriteFailed}];
  if (alerts_) alerts_->Event("", "history", events::kHistoryWriteFailed, Redact(s.message()), clock_->WallMs());
}

void Journal::Tick(SteadyTime now) {
  if (!store_ || store_->pending() == 0 || now < next_retry_) return;
  next_retry_ = now + std::chrono::seconds(1);
  if (store_->Retry().ok()) Written();
}

std::optional<SteadyTime> Journal::NextDeadline() const {
  if (!store_ || store_->pending() == 0) return std::nullopt;
  return next_retry_;
}

void Journal::Written() {
  if (history_error_.empty() || store_->pending() > 0) return;
  spdlog::info("history: writes work again; every queued row is written ({} dropped)", store_->dropped());
  history_error_.clear();
  Changed();
}

}  // namespace redundancy
