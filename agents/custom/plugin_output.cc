#include "agents/custom/plugin_output.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "common/file_util.h"

namespace redundancy::custom {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Shown(std::string_view s) { return std::string(s.substr(0, 60)) + (s.size() > 60 ? "..." : ""); }

// "12.5ms" -> 12.5 and "ms"; false when it is no number (or "U": undetermined).
bool ParseValue(std::string_view text, double* value, std::string* uom) {
  std::string number;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) number += text[i++];
  bool digits = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == ',')) {
    digits = digits || std::isdigit(static_cast<unsigned char>(text[i]));
    number += text[i] == ',' ? '.' : text[i];  // a decimal comma (some locales)
    ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E') && i + 1 < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+')) {
    number += text[i++];
    number += text[i++];
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) number += text[i++];
  }
  if (!digits) return false;
  if (number[0] == '+') number.erase(0, 1);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), *value);
  if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(*value)) return false;
  *uom = std::string(text.substr(i));
  if (uom->size() > 16) return false;
  for (unsigned char c : *uom) {
    if (!std::isalpha(c) && c != '%' && c != '/') return false;
  }
  return true;
}

void ParsePerfData(std::string_view text, PluginOutput* out, std::set<std::string>* labels) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    size_t item_start = i;
    std::string label;
    bool quoted = text[i] == '\'';
    if (quoted) {
      ++i;
      while (i < text.size()) {
        if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          label += '\'';
          i += 2;
        } else if (text[i] == '\'') {
          ++i;
          break;
        } else {
          label += text[i++];
        }
      }
    } else {
      while (i < text.size() && text[i] != '=' && !std::isspace(static_cast<unsigned char>(text[i])))
        label += text[i++];
    }
    size_t after_label = i;
    size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view item = text.substr(item_start, end - item_start);
    i = end;
    label = ValidUtf8(label);  // a byte that is not UTF-8 becomes 3 (U+FFFD): measured after
    if (label.empty() || label.size() > 200) {
      out->problems.push_back("perfdata '" + Shown(item) + "': no usable label");
      continue;
    }
    if (after_label >= end || text[after_label] != '=') {
      out->problems.push_back("perfdata '" + Shown(item) + "': expected label=value");
      continue;
    }
    std::string_view rest = text.substr(after_label + 1, end - after_label - 1);
    std::vector<std::string_view> fields;
    for (size_t at = 0;;) {
      size_t semi = rest.find(';', at);
      fields.push_back(rest.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at));
      if (semi == std::string_view::npos || fields.size() == 5) break;
      at = semi + 1;
    }
    if (fields[0] == "U") continue;  // undetermined: no number to keep
    v1::PerfData p;
    double value = 0;
    std::string uom;
    if (!ParseValue(fields[0], &value, &uom)) {
      out->problems.push_back("perfdata '" + Shown(item) + "': '" + Shown(fields[0]) + "' is not a number[UOM]");
      continue;
    }
    if (!labels->insert(label).second) continue;  // a series once
    if (out->perfdata.size() >= kMaxPerfData) {
      out->problems.push_back("perfdata: more than " + std::to_string(kMaxPerfData) + " items; the rest ignored");
      return;
    }
    p.set_label(label);
    p.set_value(value);
    p.set_uom(uom);
    // Thresholds are numbers and ranges: anything longer is cut (whole characters only).
    auto field = [&](size_t i) { return ValidUtf8(fields[i].substr(0, 64)); };
    if (fields.size() > 1) p.set_warn(field(1));
    if (fields.size() > 2) p.set_crit(field(2));
    if (fields.size() > 3) p.set_min(field(3));
    if (fields.size() > 4) p.set_max(field(4));
    out->perfdata.push_back(std::move(p));
  }
}

}  // namespace

PluginOutput ParsePluginOutput(std::string_view output) {
  PluginOutput out;
  std::set<std::string> labels;
  size_t nl = output.find('\n');
  std::string_view first = output.substr(0, nl);
  std::string_view after = nl == std::string_view::npos ? std::string_view() : output.substr(nl + 1);
  size_t bar = first.find('|');
  out.summary = std::string(Trim(first.substr(0, bar)));
  if (bar != std::string_view::npos) ParsePerfData(first.substr(bar + 1), &out, &labels);
  // Long text until a '|'; everything after it is perfdata.
  size_t bar2 = after.find('|');
  out.long_text = std::string(Trim(after.substr(0, bar2)));
  if (bar2 != std::string_view::npos) ParsePerfData(after.substr(bar2 + 1), &out, &labels);
  return out;
}

v1::HealthStatus StatusOfExitCode(int code) {
  switch (code) {
    case 0:
      return v1::HEALTH_OK;
    case 1:
      return v1::HEALTH_DEGRADED;
    case 2:
      return v1::HEALTH_FAILED;
    default:
      return v1::HEALTH_UNKNOWN;
  }
}

const char* ServiceStateName(int code) {
  static const char* kNames[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  return code >= 0 && code <= 3 ? kNames[code] : "UNKNOWN";
}

}  // namespace redundancy::custom
