// The seeds' KPIs from the history: per system and per target, over a
// window, availability (the share of observed time not failed), incidents
// (entries into failed), time to detect and to recover (mean and p90),
// the longest outage and the top failure causes. Pure: rows in, numbers out
// (redundancyctl report, the status page, /metrics).
#pragma once

#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/store/store.h"

namespace redundancy {

// A failure back within this long after its target recovered reopens that
// incident (a crash loop that each restart interrupts for a moment is one
// incident) in `report` and the page's report. /metrics counts every entry
// into failed (a counter cannot take back a recovery it counted).
inline constexpr int64_t kFlapMs = 60'000;

struct KpiFigures {
  double availability = 100;  // percent of observed time not failed
  int incidents = 0;          // entries into failed within the window
  int open = 0;               // of them, still failed at its end
  double mean_time_to_detect_s = 0, p90_time_to_detect_s = 0;
  double mean_time_to_recover_s = 0, p90_time_to_recover_s = 0;
  double longest_outage_s = 0;
  int64_t observed_ms = 0, down_ms = 0;
  std::vector<std::pair<std::string, int>> causes;  // most frequent first, at most 3
};

struct TargetReport {
  std::string target;
  KpiFigures kpi;
};

// A stretch of one health state.
struct Segment {
  int64_t from_ms = 0, to_ms = 0;
  std::string state;  // ok | degraded | failed | blocked | unknown
};

struct SystemReport {
  std::string name;
  KpiFigures kpi;                 // of the system's own health
  std::vector<Segment> last_day;  // its health over the last 24 h of the window (the page's chart)
  std::vector<TargetReport> targets;
};

// Durations of recoveries (failed -> healthy) as a Prometheus histogram.
struct RecoveryHistogram {
  static constexpr double kBuckets[] = {1, 5, 10, 30, 60, 300, 900, 3600};
  uint64_t counts[std::size(kBuckets)] = {};  // observations <= each bound
  uint64_t count = 0;
  double sum = 0;
  void Observe(double seconds) {
    for (size_t i = 0; i < std::size(kBuckets); ++i) counts[i] += seconds <= kBuckets[i];
    ++count;
    sum += seconds;
  }
};

struct Report {
  int64_t since_ms = 0, until_ms = 0;
  std::vector<SystemReport> systems;
};

// `rows`: history rows in time order, from before `since_ms` when there are
// some (the state at the window's start comes from them). `systems`: in the
// order to report. Time to detect: from a target's entry into failed to the
// first thing redundancy did about it (an event of its agent, an alert),
// which is when an operator could know; time to recover: to its return to a
// healthy state.
Report ComputeReport(const std::vector<HistoryRow>& rows, const std::vector<std::string>& systems, int64_t since_ms,
                     int64_t until_ms);

// `redundancyctl report --json` (the table is drawn from it by redundancyctl).
nlohmann::json ReportToJson(const Report& r);

}  // namespace redundancy
