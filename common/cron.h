// Cron expressions as schedulers read them: five fields (minute hour
// day-of-month month day-of-week), each "*", numbers, ranges, lists and
// steps, month and weekday names (JAN, MON) allowed. Used by the PM2
// ecosystem validator (cron_restart, which also takes a leading seconds
// field), Netlify schedules and GitHub workflow schedules (which take @daily
// and friends).
#pragma once

#include <string>

namespace redundancy {

struct CronRules {
  bool seconds_field = false;  // a sixth, leading field of seconds (PM2)
  bool aliases = false;        // @yearly @annually @monthly @weekly @daily @midnight @hourly
};

// True when `value` is valid; otherwise false with `why` naming the field.
bool ValidCron(const std::string& value, std::string* why, CronRules rules = {});

}  // namespace redundancy
