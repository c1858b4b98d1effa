// Durations, sizes and cron expressions as users write them.
#include "common/cron.h"
#include "common/duration.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = redundancy::fuzz::Text(data, size);
  if (auto d = redundancy::ParseDuration(text); d.ok()) {
    if (d->count() < 0 || *d > redundancy::kMaxDuration) __builtin_trap();
    (void)redundancy::FormatDuration(*d);
  }
  if (auto b = redundancy::ParseByteSize(text); b.ok() && *b > redundancy::kMaxByteSize) __builtin_trap();
  std::string why;
  if (redundancy::ValidCron(text, &why)) (void)redundancy::CronLongestGapMinutes(text, 1'700'000'000);
  return 0;
}
