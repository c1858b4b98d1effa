#include "common/duration.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>

namespace redundancy {
namespace {

const char kDurationHint[] = "expected a duration like 500ms, 30s, 10m, 1h or 1h30m";

// Returns the unit's length in ms, or 0 if unknown.
int64_t UnitMillis(const std::string& unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  if (unit == "d") return 24LL * 3600 * 1000;
  return 0;
}

}  // namespace

Result<Millis> ParseDuration(const std::string& text) {
  if (text.empty()) return Result<Millis>::Error(std::string("empty value; ") + kDurationHint);
  if (text.size() > 64)
    return Result<Millis>::Error("a duration of " + std::to_string(text.size()) + " characters; " + kDurationHint);
  size_t i = 0;
  int64_t total = 0;
  while (i < text.size()) {
    // digits[.digits]: whole and fractional parts, each at most 12 digits
    // (a duration is at most kMaxDuration; no float parsing of arbitrary text).
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    size_t whole_end = i;
    size_t frac_start = i, frac_end = i;
    if (i < text.size() && text[i] == '.') {
      frac_start = ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      frac_end = i;
    }
    if (whole_end == start && frac_end == frac_start) {
      return Result<Millis>::Error("'" + text + "' is not a duration; " + kDurationHint);
    }
    if (whole_end - start > 12 || frac_end - frac_start > 9) return Result<Millis>::Error("'" + text + "' is too long");
    int64_t whole = 0, frac = 0, frac_scale = 1;
    std::from_chars(text.data() + start, text.data() + whole_end, whole);
    if (frac_end > frac_start) std::from_chars(text.data() + frac_start, text.data() + frac_end, frac);
    for (size_t k = frac_start; k < frac_end; ++k) frac_scale *= 10;
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    if (unit.empty()) {
      return Result<Millis>::Error("'" + text + "' has no unit; " + kDurationHint);
    }
    int64_t ms = UnitMillis(unit);
    if (ms == 0) return Result<Millis>::Error("'" + text + "' has unknown unit '" + unit + "'; " + kDurationHint);
    if (whole > kMaxDuration.count() / ms) {
      return Result<Millis>::Error("'" + text + "' is too long (at most " + FormatDuration(kMaxDuration) + ")");
    }
    int64_t part = whole * ms;  // at most kMaxDuration: checked above
    // frac < 10^9 and ms <= 8.64e7 overflow int64 together: scale in double, which is exact enough here.
    part += static_cast<int64_t>(static_cast<double>(frac) * static_cast<double>(ms) / static_cast<double>(frac_scale) +
                                 0.5);
    total += part;
    if (total > kMaxDuration.count()) {
      return Result<Millis>::Error("'" + text + "' is too long (at most " + FormatDuration(kMaxDuration) + ")");
    }
  }
  return Millis(total);
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  const int64_t kUnits[] = {24LL * 3600 * 1000, 3600 * 1000, 60 * 1000};
  const char* kNames[] = {"d", "h", "m"};
  for (int u = 0; u < 3; ++u) {
    if (ms >= kUnits[u]) {
      out += std::to_string(ms / kUnits[u]) + kNames[u];
      ms %= kUnits[u];
    }
  }
  if (ms > 0) {
    if (ms % 1000 == 0) {
      out += std::to_string(ms / 1000) + "s";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ms) / 1000.0);
      out += std::string(buf) + "s";
    }
  }
  return out;
}

Result<uint64_t> ParseByteSize(const std::string& text) {
  const std::string hint = "expected a size like 10MB (at most 1PB)";
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return Result<uint64_t>::Error("'" + text.substr(0, 64) + "' is not a size; " + hint);
  std::string unit = text.substr(i);
  if (unit.size() > 3) return Result<uint64_t>::Error("'" + text.substr(0, 64) + "' has unknown unit; " + hint);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    mult = 1ULL << 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    mult = 1ULL << 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    mult = 1ULL << 30;
  else if (unit == "T" || unit == "TB" || unit == "TIB")
    mult = 1ULL << 40;
  else if (unit == "P" || unit == "PB" || unit == "PIB")
    mult = 1ULL << 50;
  if (mult == 0) return Result<uint64_t>::Error("'" + text.substr(0, 64) + "' has unknown unit; " + hint);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc() || n > kMaxByteSize / mult) {
    return Result<uint64_t>::Error("'" + text.substr(0, 64) + "' is too large; " + hint);
  }
  return n * mult;
}

}  // namespace redundancy
