#include "agents/build/semver.h"

#include <cctype>
#include <sstream>
#include <vector>

namespace redundancy::build {
namespace {

std::string Strip(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// A partial version: "20", "20.1", "20.x", "*"; missing parts are wildcards.
struct Partial {
  int parts[3] = {0, 0, 0};
  int given = 0;  // how many leading parts are numbers
};

std::optional<Partial> ParsePartial(std::string s) {
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V' || s[0] == '=')) s = s.substr(1);
  if (auto dash = s.find_first_of("-+"); dash != std::string::npos) s = s.substr(0, dash);  // prerelease/build
  Partial p;
  if (s.empty() || s == "*" || s == "x" || s == "X") return p;
  std::stringstream in(s);
  std::string part;
  int i = 0;
  bool wildcard = false;
  while (std::getline(in, part, '.')) {
    if (i >= 3) return std::nullopt;
    if (part == "x" || part == "X" || part == "*") {
      wildcard = true;
    } else {
      if (wildcard || part.empty()) return std::nullopt;
      for (char c : part) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      }
      if (part.size() > 9) return std::nullopt;
      p.parts[i] = std::stoi(part);
      p.given = i + 1;
    }
    ++i;
  }
  return p;
}

Version Low(const Partial& p) { return {p.parts[0], p.given > 1 ? p.parts[1] : 0, p.given > 2 ? p.parts[2] : 0}; }

// The first version above every version the partial matches.
Version HighExclusive(const Partial& p) {
  if (p.given == 1) return {p.parts[0] + 1, 0, 0};
  if (p.given == 2) return {p.parts[0], p.parts[1] + 1, 0};
  return {p.parts[0], p.parts[1], p.parts[2] + 1};
}

constexpr Version kMax{1 << 30, 0, 0};

struct Bounds {
  Version lo{0, 0, 0};
  bool lo_incl = true;
  Version hi = kMax;
  bool hi_incl = false;
  bool Contains(const Version& v) const {
    if (lo_incl ? v < lo : v <= lo) return false;
    if (hi_incl ? v > hi : v >= hi) return false;
    return true;
  }
};

// One comparator ("^20.1", ">=18", "20.x") narrowed into `b`.
bool Apply(const std::string& comp, Bounds* b) {
  std::string op;
  size_t i = 0;
  while (i < comp.size() && std::string("<>=^~").find(comp[i]) != std::string::npos) op += comp[i++];
  std::string rest = Strip(comp.substr(i));
  auto p = ParsePartial(rest);
  if (!p) return false;
  auto raise = [&](Version v, bool incl) {
    if (v > b->lo || (v == b->lo && !incl)) {
      b->lo = v;
      b->lo_incl = incl;
    }
  };
  auto lower = [&](Version v, bool incl) {
    if (v < b->hi || (v == b->hi && !incl)) {
      b->hi = v;
      b->hi_incl = incl;
    }
  };
  if (p->given == 0) {
    return op.empty() || op == "=" || op == ">=" || op == "<=" || op == "^" || op == "~" || op == ">";
  }
  Version low = Low(*p);
  if (op.empty() || op == "=") {
    raise(low, true);
    lower(p->given == 3 ? low : HighExclusive(*p), p->given == 3);
  } else if (op == ">=") {
    raise(low, true);
  } else if (op == ">") {
    if (p->given == 3)
      raise(low, false);
    else
      raise(HighExclusive(*p), true);
  } else if (op == "<") {
    lower(low, false);
  } else if (op == "<=") {
    if (p->given == 3)
      lower(low, true);
    else
      lower(HighExclusive(*p), false);
  } else if (op == "~" || op == "~>") {
    raise(low, true);
    lower(p->given == 1 ? Version{low.major + 1, 0, 0} : Version{low.major, low.minor + 1, 0}, false);
  } else if (op == "^") {
    raise(low, true);
    if (low.major > 0 || p->given == 1)
      lower({low.major + 1, 0, 0}, false);
    else if (low.minor > 0 || p->given == 2)
      lower({0, low.minor + 1, 0}, false);
    else
      lower({0, 0, low.patch + 1}, false);
  } else {
    return false;
  }
  return true;
}

std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

// A set of comparators joined by spaces, or a hyphen range "1.2 - 2.3".
std::optional<bool> SatisfiesSet(std::string set, const Version& v) {
  set = Strip(set);
  Bounds b;
  if (auto hy = set.find(" - "); hy != std::string::npos) {
    auto from = ParsePartial(Strip(set.substr(0, hy)));
    auto to = ParsePartial(Strip(set.substr(hy + 3)));
    if (!from || !to) return std::nullopt;
    b.lo = Low(*from);
    if (to->given == 3) {
      b.hi = Low(*to);
      b.hi_incl = true;
    } else if (to->given > 0) {
      b.hi = HighExclusive(*to);
    }
    return b.Contains(v);
  }
  // Operators may be followed by spaces (">= 18"): glue them to their version.
  std::vector<std::string> comps;
  std::string cur;
  std::istringstream in(set);
  for (std::string tok; in >> tok;) {
    cur += tok;
    bool only_op = tok.find_first_not_of("<>=^~") == std::string::npos;
    if (!only_op) {
      comps.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) return std::nullopt;
  for (const auto& c : comps) {
    if (!Apply(c, &b)) return std::nullopt;
  }
  return b.Contains(v);
}

}  // namespace

std::string Version::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<Version> ParseVersion(const std::string& text) {
  auto p = ParsePartial(Strip(text));
  if (!p || p->given != 3) return std::nullopt;
  return Low(*p);
}

std::optional<bool> Satisfies(const std::string& range, const Version& v) {
  bool any_valid = false;
  for (const auto& set : Split(range, "||")) {
    auto r = SatisfiesSet(set, v);
    if (!r) return std::nullopt;
    any_valid = true;
    if (*r) return true;
  }
  return any_valid ? std::optional<bool>(false) : std::nullopt;
}

std::optional<std::string> NvmrcRange(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line = line.substr(0, hash);
    line = Strip(line);
    if (line.empty()) continue;
    std::string v = line[0] == 'v' ? line.substr(1) : line;
    if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0]))) return std::nullopt;  // lts/*, node, aliases
    if (!ParsePartial(v)) return std::nullopt;
    return v;  // "20" matches 20.x, "20.11.1" exactly
  }
  return std::nullopt;
}

}  // namespace redundancy::build
