#include "common/cron.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

namespace redundancy {
namespace {

// A number or (for months and weekdays) a three-letter name; -1 when neither.
int Value(std::string s, int field_kind) {
  if (s.empty()) return -1;
  if (std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return s.size() > 4 ? -1 : std::stoi(s);
  }
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  static const char* months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  static const char* days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  if (field_kind == 3) {
    for (int i = 0; i < 12; ++i)
      if (s == months[i]) return i + 1;
  }
  if (field_kind == 4) {
    for (int i = 0; i < 7; ++i)
      if (s == days[i]) return i;
  }
  return -1;
}

// field_kind: 0 minute, 1 hour, 2 day of month, 3 month, 4 day of week, 5 second.
bool Field(const std::string& f, int lo, int hi, int field_kind) {
  std::stringstream ss(f);
  std::string item;
  bool any = false;
  while (std::getline(ss, item, ',')) {
    any = true;
    std::string range = item, step;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      step = item.substr(slash + 1);
      int st = Value(step, -1);
      if (st <= 0) return false;
    }
    if (range == "*" || (range == "?" && (field_kind == 2 || field_kind == 4))) continue;
    size_t dash = range.find('-');
    int a = Value(range.substr(0, dash), field_kind);
    int b = dash == std::string::npos ? a : Value(range.substr(dash + 1), field_kind);
    if (a < lo || b > hi || a > b || a < 0) return false;
  }
  return any;
}

// The values a valid field matches (day of week 7 folded to 0).
std::vector<bool> Matches(const std::string& f, int lo, int hi, int field_kind) {
  std::vector<bool> on(hi + 1, false);
  std::stringstream ss(f);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::string range = item;
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      step = Value(item.substr(slash + 1), -1);
    }
    int a = lo, b = hi;
    if (range != "*" && range != "?") {
      size_t dash = range.find('-');
      a = Value(range.substr(0, dash), field_kind);
      b = dash == std::string::npos ? (step > 1 || item.find('/') != std::string::npos ? hi : a)
                                    : Value(range.substr(dash + 1), field_kind);
    }
    for (int v = a; v <= b && v >= 0; v += std::max(step, 1)) on[v] = true;
  }
  if (field_kind == 4 && on.size() > 7 && on[7]) on[0] = true;
  return on;
}

}  // namespace

namespace {

struct CronSet {
  std::vector<bool> minute, hour, dom, month, dow;
  bool dom_any = true, dow_any = true;
};

bool Parse(const std::string& value, CronSet* c) {
  std::string why;
  if (!ValidCron(value, &why)) return false;
  std::stringstream ss(value);
  std::vector<std::string> f;
  for (std::string x; ss >> x;) f.push_back(x);
  c->minute = Matches(f[0], 0, 59, 0), c->hour = Matches(f[1], 0, 23, 1), c->dom = Matches(f[2], 1, 31, 2);
  c->month = Matches(f[3], 1, 12, 3), c->dow = Matches(f[4], 0, 7, 4);
  c->dom_any = f[2] == "*" || f[2] == "?", c->dow_any = f[4] == "*" || f[4] == "?";
  return true;
}

bool Fires(const CronSet& c, const std::tm& t) {
  if (!c.minute[t.tm_min] || !c.hour[t.tm_hour] || !c.month[t.tm_mon + 1]) return false;
  // Vixie cron: when both day fields are restricted, either may match.
  if (c.dom_any || c.dow_any) return c.dom[t.tm_mday] && c.dow[t.tm_wday];
  return c.dom[t.tm_mday] || c.dow[t.tm_wday];
}

// Whether `c` fires `m` minutes after `from` (a whole minute), in UTC.
bool FiresAfter(const CronSet& c, std::time_t from, int64_t m) {
  std::time_t t = from + m * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return Fires(c, tm);
}

}  // namespace

bool CronMatches(const std::string& value, const std::tm& t) {
  CronSet c;
  return Parse(value, &c) && Fires(c, t);
}

int64_t CronLongestGapMinutes(const std::string& value, std::time_t from) {
  CronSet c;
  if (!Parse(value, &c)) return -1;
  // Minutes of the next 400 days (covers monthly and yearly schedules once).
  const int64_t kSpan = 400LL * 24 * 60;
  int64_t first = -1, last = -1, gap = 0;
  from -= from % 60;
  for (int64_t m = 0; m < kSpan; ++m) {
    if (!FiresAfter(c, from, m)) continue;
    if (last >= 0) gap = std::max(gap, m - last);
    if (first < 0) first = m;
    last = m;
  }
  if (first < 0) return -1;
  return gap == 0 ? kSpan : gap;
}

int64_t CronShortestGapMinutes(const std::string& value, std::time_t from) {
  CronSet c;
  if (!Parse(value, &c)) return -1;
  from -= from % 60;
  // The first firing within two days, then the next one within the hour after it.
  int64_t first = -1;
  for (int64_t m = 0; m < 2 * 24 * 60 && first < 0; ++m) {
    if (FiresAfter(c, from, m)) first = m;
  }
  if (first < 0) return -1;
  for (int64_t m = first + 1; m <= first + 60; ++m) {
    if (FiresAfter(c, from, m)) return m - first;
  }
  return 61;
}

bool ValidCron(const std::string& value, std::string* why, CronRules rules) {
  std::stringstream ss(value);
  std::vector<std::string> fields;
  for (std::string f; ss >> f;) fields.push_back(f);
  if (rules.aliases && fields.size() == 1 && !fields[0].empty() && fields[0][0] == '@') {
    static const char* ok[] = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    for (const char* a : ok) {
      if (fields[0] == a) return true;
    }
    *why = "unknown alias '" + fields[0] + "'";
    return false;
  }
  bool with_seconds = rules.seconds_field && fields.size() == 6;
  if (fields.size() != 5 && !with_seconds) {
    *why = "has " + std::to_string(fields.size()) + " fields, expected 5" +
           (rules.seconds_field ? " (or 6 with seconds)" : "");
    return false;
  }
  struct Spec {
    int lo, hi, kind;
    const char* name;
  };
  std::vector<Spec> specs = {{0, 59, 0, "minute"},
                             {0, 23, 1, "hour"},
                             {1, 31, 2, "day of month"},
                             {1, 12, 3, "month"},
                             {0, 7, 4, "day of week"}};
  if (with_seconds) specs.insert(specs.begin(), {0, 59, 5, "second"});
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!Field(fields[i], specs[i].lo, specs[i].hi, specs[i].kind)) {
      *why = "field " + std::to_string(i + 1) + " (" + specs[i].name + ") '" + fields[i] +
             "' is out of range or malformed";
      return false;
    }
  }
  return true;
}

}  // namespace redundancy
