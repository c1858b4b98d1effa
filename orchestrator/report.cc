#include "orchestrator/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>

#include "common/duration.h"
#include "common/status_render.h"

namespace redundancy {
namespace {

// One target's walk through the rows.
struct Track {
  std::string state = "unknown";
  bool known = false;
  int64_t state_since = 0;  // within the window
  int64_t failed_at = -1;   // start of the open incident (may be before the window)
  bool detected = false;    // something was done about the open incident
  // The last incident that ended: a failure back soon after reopens it.
  int64_t ended_at = -1, ended_failed_at = -1;
  bool ended_counted = false;  // its time to recover is in ttr
  std::vector<double> ttd, ttr;
  KpiFigures k;
  std::map<std::string, std::pair<int, std::string>> causes;  // numbers folded -> count, the last one as said
};

// "ok -> failed: why" -> {"failed", "why"}.
std::pair<std::string, std::string> Transition(const std::string& detail) {
  size_t arrow = detail.find(" -> ");
  if (arrow == std::string::npos) return {"", ""};
  size_t colon = detail.find(": ", arrow);
  std::string to = detail.substr(arrow + 4, colon == std::string::npos ? std::string::npos : colon - arrow - 4);
  return {to, colon == std::string::npos ? "" : detail.substr(colon + 2)};
}

// A cause without its numbers (pids, sizes, times), so that repeats count as one.
std::string CauseOf(const std::string& why) {
  std::string out;
  for (char c : why.substr(0, 160)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (out.empty() || out.back() != '#') out += '#';
    } else {
      out += c;
    }
  }
  return out;
}

double Mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// The nearest-rank 90th percentile.
double P90(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

void Account(Track& t, int64_t from, int64_t to) {
  if (!t.known || to <= from) return;
  t.k.observed_ms += to - from;
  if (t.state == "failed") t.k.down_ms += to - from;
}

void Finish(Track& t, int64_t until) {
  Account(t, t.state_since, until);
  if (t.failed_at >= 0) {
    ++t.k.open;
    t.k.longest_outage_s = std::max(t.k.longest_outage_s, static_cast<double>(until - t.failed_at) / 1000.0);
  }
  t.k.availability = t.k.observed_ms > 0 ? 100.0 * static_cast<double>(t.k.observed_ms - t.k.down_ms) /
                                               static_cast<double>(t.k.observed_ms)
                                         : 100.0;
  t.k.mean_time_to_detect_s = Mean(t.ttd);
  t.k.p90_time_to_detect_s = P90(t.ttd);
  t.k.mean_time_to_recover_s = Mean(t.ttr);
  t.k.p90_time_to_recover_s = P90(t.ttr);
  std::vector<std::pair<std::string, int>> causes;
  for (const auto& [key, c] : t.causes) causes.emplace_back(c.second, c.first);  // shown as said, counted as alike
  std::stable_sort(causes.begin(), causes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (causes.size() > 3) causes.resize(3);
  t.k.causes = std::move(causes);
}

nlohmann::json KpiJson(const KpiFigures& k) {
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& [cause, n] : k.causes) causes.push_back({{"cause", cause}, {"count", n}});
  auto round = [](double x) { return std::round(x * 1000) / 1000; };
  return {{"availability", round(k.availability)},
          {"incidents", k.incidents},
          {"open_incidents", k.open},
          {"mean_time_to_detect_s", round(k.mean_time_to_detect_s)},
          {"p90_time_to_detect_s", round(k.p90_time_to_detect_s)},
          {"mean_time_to_recover_s", round(k.mean_time_to_recover_s)},
          {"p90_time_to_recover_s", round(k.p90_time_to_recover_s)},
          {"longest_outage_s", round(k.longest_outage_s)},
          {"observed_s", round(static_cast<double>(k.observed_ms) / 1000)},
          {"down_s", round(static_cast<double>(k.down_ms) / 1000)},
          {"top_causes", causes}};
}

}  // namespace

Report ComputeReport(const std::vector<HistoryRow>& rows, const std::vector<std::string>& systems, int64_t since_ms,
                     int64_t until_ms) {
  std::map<std::string, Track> tracks;               // by target
  std::map<std::string, std::vector<Segment>> days;  // system -> its health over the last 24 h
  const int64_t day_from = std::max<int64_t>(since_ms, until_ms - 24LL * 3600 * 1000);
  auto note_day = [&](const std::string& system, int64_t at, const std::string& state) {
    auto& segs = days[system];
    at = std::max(at, day_from);
    if (!segs.empty()) segs.back().to_ms = at;
    if (!segs.empty() && segs.back().from_ms == at) segs.pop_back();  // replaced at the same moment
    segs.push_back({at, until_ms, state});
  };
  std::map<std::string, std::vector<std::string>> seen;  // system -> its check targets, first seen first
  for (const auto& row : rows) {
    if (row.ts_ms > until_ms) break;
    int64_t at = std::max(row.ts_ms, since_ms);
    bool in_window = row.ts_ms >= since_ms;
    if (row.kind == "health") {
      auto [to, why] = Transition(row.detail);
      if (to.empty()) continue;
      Track& t = tracks[row.target];
      if (row.target != row.system) {
        auto& list = seen[row.system];
        if (std::find(list.begin(), list.end(), row.target) == list.end()) list.push_back(row.target);
      }
      Account(t, t.state_since, at);
      if (to == "failed" && t.failed_at < 0 && t.ended_at >= 0 && row.ts_ms - t.ended_at <= kFlapMs) {
        // Failed again within a minute of recovering (a crash loop that each
        // restart interrupts for a moment): the same incident, its recovery undone.
        t.failed_at = t.ended_failed_at;
        t.detected = true;
        if (t.ended_counted) t.ttr.pop_back();
        t.ended_at = -1;
      } else if (to == "failed" && t.failed_at < 0) {
        t.failed_at = row.ts_ms;
        t.detected = false;
        if (in_window) {
          ++t.k.incidents;
          auto& c = t.causes[CauseOf(why)];
          ++c.first;
          c.second = why.substr(0, 160);
        }
      } else if (to != "failed" && to != "unknown" && t.failed_at >= 0) {
        double took = static_cast<double>(row.ts_ms - t.failed_at) / 1000.0;
        t.ended_counted = in_window && t.failed_at >= since_ms;  // an incident of the window
        if (t.ended_counted) t.ttr.push_back(took);
        if (in_window) {
          t.k.longest_outage_s =
              std::max(t.k.longest_outage_s, static_cast<double>(row.ts_ms - std::max(t.failed_at, since_ms)) / 1000.0);
        }
        t.ended_at = row.ts_ms;
        t.ended_failed_at = t.failed_at;
        t.failed_at = -1;
      }
      t.state = to;
      t.known = true;
      t.state_since = at;
      if (row.target == row.system) note_day(row.system, row.ts_ms, to);
    } else if (row.kind.rfind("event:", 0) == 0 || row.kind == "alert_firing" || row.kind == "alert_event") {
      // The first thing done about an open incident of this target (or of
      // its system, for a system's own health).
      for (const std::string& key : {row.target, row.system}) {
        auto it = tracks.find(key);
        if (it == tracks.end() || it->second.failed_at < 0 || it->second.detected) continue;
        it->second.detected = true;
        if (in_window && it->second.failed_at >= since_ms)
          it->second.ttd.push_back(static_cast<double>(row.ts_ms - it->second.failed_at) / 1000.0);
      }
    }
  }
  Report r;
  r.since_ms = since_ms;
  r.until_ms = until_ms;
  for (const auto& name : systems) {
    SystemReport sr;
    sr.name = name;
    Track& own = tracks[name];
    Finish(own, until_ms);
    sr.kpi = own.k;
    sr.last_day = days[name];
    for (const auto& target : seen[name]) {
      Track& t = tracks[target];
      Finish(t, until_ms);
      sr.targets.push_back({target, t.k});
    }
    r.systems.push_back(std::move(sr));
  }
  return r;
}

nlohmann::json ReportToJson(const Report& r) {
  nlohmann::json j = {
      {"since", FormatTime(r.since_ms)}, {"until", FormatTime(r.until_ms)}, {"systems", nlohmann::json::array()}};
  for (const auto& s : r.systems) {
    nlohmann::json js = KpiJson(s.kpi);
    js["name"] = s.name;
    js["targets"] = nlohmann::json::array();
    for (const auto& t : s.targets) {
      nlohmann::json jt = KpiJson(t.kpi);
      jt["target"] = t.target;
      js["targets"].push_back(std::move(jt));
    }
    j["systems"].push_back(std::move(js));
  }
  return j;
}

}  // namespace redundancy
