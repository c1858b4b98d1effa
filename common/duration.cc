#include "common/duration.h"

#include <cctype>
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
  size_t i = 0;
  double total = 0;
  while (i < text.size()) {
    size_t start = i;
    bool dot = false;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
      if (text[i] == '.') dot = true;
      ++i;
    }
    if (i == start) return Result<Millis>::Error("'" + text + "' is not a duration; " + kDurationHint);
    double number = std::stod(text.substr(start, i - start));
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    if (unit.empty()) {
      return Result<Millis>::Error("'" + text + "' has no unit; " + kDurationHint);
    }
    int64_t ms = UnitMillis(unit);
    if (ms == 0) return Result<Millis>::Error("'" + text + "' has unknown unit '" + unit + "'; " + kDurationHint);
    total += number * static_cast<double>(ms);
    if (total > static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) {
      return Result<Millis>::Error("'" + text + "' is too long");
    }
  }
  return Millis(static_cast<int64_t>(total + 0.5));
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
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return Result<uint64_t>::Error("'" + text + "' is not a size; expected a size like 10MB");
  uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") mult = 1ULL << 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") mult = 1ULL << 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") mult = 1ULL << 30;
  if (mult == 0) return Result<uint64_t>::Error("'" + text + "' has unknown unit; expected a size like 10MB");
  return n * mult;
}

}  // namespace redundancy
