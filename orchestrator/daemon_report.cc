// The KPIs: `redundancyctl report`, the page's 7-day table, and the incident
// counters and recovery-time histogram of /metrics.
#include <spdlog/spdlog.h>

#include "orchestrator/daemon.h"

namespace redundancy {
namespace {

constexpr int kMaxReportRows = 200'000;  // a busy month of history
constexpr Millis kPageReportWindow{7LL * 24 * 3600 * 1000};
constexpr Millis kLookBefore{24LL * 3600 * 1000};  // rows before the window: the state at its start

Result<Report> HistoryReport(const Store& store, const std::vector<std::string>& names, int64_t since_ms, int64_t now) {
  if (since_ms <= 0 || since_ms > now) since_ms = now - kPageReportWindow.count();
  auto rows = store.Query(std::max<int64_t>(0, since_ms - kLookBefore.count()), kMaxReportRows);
  if (!rows.ok()) return Result<Report>::Error(rows.error());
  return ComputeReport(*rows, names, since_ms, now);
}

}  // namespace

Result<Report> Daemon::ComputeHistoryReport(int64_t since_ms) const {
  if (!store_) return Result<Report>::Error("history is not available");
  std::vector<std::string> names;
  for (const auto& sc : config_.systems) names.push_back(sc.name);
  return HistoryReport(*store_, names, since_ms, clock_->WallMs());
}

HttpEndpoint::ReportSource Daemon::PageReportSource() const {
  auto reader = std::make_shared<std::optional<Store>>();  // the HTTP thread's own connection
  std::string path = paths_.Database();
  return [reader, path](const HttpView& view) -> std::shared_ptr<const Report> {
    if (!*reader) {
      auto opened = Store::OpenReader(path);
      if (!opened.ok()) {
        spdlog::debug("report: {}", opened.error());
        return nullptr;
      }
      reader->emplace(std::move(*opened));
    }
    std::vector<std::string> names;
    for (const auto& a : view.status.agents()) names.push_back(a.name());
    int64_t now = view.published_ms;  // the daemon's clock
    auto r = HistoryReport(**reader, names, now - kPageReportWindow.count(), now);
    if (!r.ok()) {
      spdlog::debug("report: {}", r.error());
      return nullptr;
    }
    return std::make_shared<const Report>(std::move(*r));
  };
}

void Daemon::CountIncidents(const Transition& t) {
  ++health_changes_;
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
