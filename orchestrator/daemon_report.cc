// The KPIs: `redundancyctl report`, the page's 7-day table, and the incident
// counters and recovery-time histogram of /metrics.
#include <spdlog/spdlog.h>

#include "orchestrator/daemon.h"

namespace redundancy {
namespace {

constexpr int kMaxReportRows = 200'000;  // a busy month of history
constexpr Millis kPageReportEvery{60'000};
constexpr Millis kPageReportAfterChange{2'000};  // a health change shows on the page's chart this soon
constexpr Millis kPageReportWindow{7LL * 24 * 3600 * 1000};
constexpr Millis kLookBefore{24LL * 3600 * 1000};  // rows before the window: the state at its start

}  // namespace

Result<Report> Daemon::ComputeHistoryReport(int64_t since_ms) const {
  if (!store_) return Result<Report>::Error("history is not available");
  int64_t now = clock_->WallMs();
  if (since_ms <= 0 || since_ms > now) since_ms = now - kPageReportWindow.count();
  auto rows = store_->Query(std::max<int64_t>(0, since_ms - kLookBefore.count()), kMaxReportRows);
  if (!rows.ok()) return Result<Report>::Error(rows.error());
  std::vector<std::string> names;
  for (const auto& sc : config_.systems) names.push_back(sc.name);
  return ComputeReport(*rows, names, since_ms, now);
}

void Daemon::RefreshPageReport(SteadyTime now) {
  if (config_.http_listen.empty()) return;
  bool due = now >= next_report_ || (report_dirty_ && now - last_report_ >= kPageReportAfterChange);
  if (!due) return;
  next_report_ = now + kPageReportEvery;
  last_report_ = now;
  report_dirty_ = false;
  auto r = ComputeHistoryReport(clock_->WallMs() - kPageReportWindow.count());
  if (!r.ok()) {
    spdlog::debug("report: {}", r.error());
    return;
  }
  page_report_ = std::make_shared<const Report>(std::move(*r));
  http_.MarkChanged();
}

void Daemon::CountIncidents(const Transition& t) {
  report_dirty_ = true;
  if (t.target == t.system) return;  // a system's own health follows its checks: counted there
  int64_t now = clock_->WallMs();
  if (t.to == v1::HEALTH_FAILED && !failed_since_ms_.count(t.target)) {
    failed_since_ms_[t.target] = now;
    ++incidents_[{t.system, t.target}];
  } else if (t.to != v1::HEALTH_FAILED && t.to != v1::HEALTH_UNKNOWN) {
    auto it = failed_since_ms_.find(t.target);
    if (it == failed_since_ms_.end()) return;
    recovery_durations_[t.system].Observe(static_cast<double>(now - it->second) / 1000.0);
    failed_since_ms_.erase(it);
  }
}

}  // namespace redundancy
