// Cron expressions as schedulers read them: five fields (minute hour
// day-of-month month day-of-week), each "*", numbers, ranges, lists and
// steps, month and weekday names (JAN, MON) allowed. Used by the PM2
// ecosystem validator (cron_restart, which also takes a leading seconds
// field), Netlify schedules and GitHub workflow schedules (which take @daily
// and friends).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace redundancy {

struct CronRules {
  bool seconds_field = false;  // a sixth, leading field of seconds (PM2)
  bool aliases = false;        // @yearly @annually @monthly @weekly @daily @midnight @hourly
};

// True when `value` is valid; otherwise false with `why` naming the field.
bool ValidCron(const std::string& value, std::string* why, CronRules rules = {});

// Whether a five-field cron expression fires at the minute of `t` (UTC, as GitHub runs schedules).
bool CronMatches(const std::string& value, const std::tm& t);

// The longest time between two firings in the 400 days after `from`, in
// minutes (-1 when it never fires): "twice its period" for a schedule that
// fires irregularly (weekdays only) means twice this.
int64_t CronLongestGapMinutes(const std::string& value, std::time_t from);

// The time between the first firing after `from` and the next, in minutes
// (61 when it is over an hour, -1 when it does not fire within two days).
int64_t CronShortestGapMinutes(const std::string& value, std::time_t from);

}  // namespace redundancy
