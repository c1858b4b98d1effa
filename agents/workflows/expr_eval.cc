// Workflow expressions, evaluated as GitHub Actions does: loose equality and
// comparison, the built-in functions (contains, format, hashFiles, ...) and
// ${{ }} interpolation.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "agents/workflows/expr.h"
#include "common/file_util.h"
#include "common/json_text.h"

namespace redundancy::workflows {
namespace {

using J = nlohmann::json;

double ToNumber(const J& v) {
  if (v.is_null()) return 0;
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t a = s.find_first_not_of(" \t\n\r"), b = s.find_last_not_of(" \t\n\r");
    if (a == std::string::npos) return 0;
    s = s.substr(a, b - a + 1);
    try {
      size_t used = 0;
      if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        double d = static_cast<double>(std::stoll(s.substr(2), &used, 16));
        return used + 2 == s.size() ? d : NAN;
      }
      double d = std::stod(s, &used);
      return used == s.size() ? d : NAN;
    } catch (const std::exception&) {
      return NAN;
    }
  }
  return NAN;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool LooseEqual(const J& a, const J& b) {
  if (a.type() == b.type() || (a.is_number() && b.is_number())) {
    if (a.is_string()) return Lower(a.get<std::string>()) == Lower(b.get<std::string>());
    if (a.is_number()) return a.get<double>() == b.get<double>();
    if (a.is_object() || a.is_array()) return &a == &b || a == b;
    return a == b;
  }
  if (a.is_object() || a.is_array() || b.is_object() || b.is_array()) return false;
  return ToNumber(a) == ToNumber(b);
}

int Compare(const J& a, const J& b, bool* ok) {
  *ok = true;
  if (a.is_string() && b.is_string()) {
    std::string x = Lower(a.get<std::string>()), y = Lower(b.get<std::string>());
    return x < y ? -1 : x > y ? 1 : 0;
  }
  double x = ToNumber(a), y = ToNumber(b);
  if (std::isnan(x) || std::isnan(y)) {
    *ok = false;
    return 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

J Filter(const J& v) {
  J out = J::array();
  if (v.is_array()) {
    for (const auto& x : v) out.push_back(x);
  } else if (v.is_object()) {
    for (const auto& [k, x] : v.items()) out.push_back(x);
  }
  return out;
}

J Member(const J& v, const std::string& key) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      if (Lower(k) == Lower(key)) return x;
    }
    return nullptr;
  }
  if (v.is_array() && !v.empty() && v.front().is_object()) {  // result of a filter: map over it
    J out = J::array();
    for (const auto& x : v) out.push_back(Member(x, key));
    return out;
  }
  return nullptr;
}

std::string FormatString(const std::string& fmt, const std::vector<J>& args) {
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{', ++i;
    } else if (fmt[i] == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      out += '}', ++i;
    } else if (fmt[i] == '{') {
      size_t close = fmt.find('}', i);
      if (close == std::string::npos) throw std::runtime_error("format: unclosed '{'");
      std::string index = fmt.substr(i + 1, close - i - 1);
      size_t n = 0;
      auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
      if (index.empty() || ec != std::errc() || end != index.data() + index.size()) {
        throw std::runtime_error("format: '{" + index.substr(0, 20) + "}' is not an argument index");
      }
      if (n >= args.size()) throw std::runtime_error("format: argument {" + std::to_string(n) + "} missing");
      out += ToText(args[n]);
      i = close;
    } else {
      out += fmt[i];
    }
  }
  return out;
}

}  // namespace

bool Truthy(const J& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0 && !std::isnan(v.get<double>());
  if (v.is_string()) return !v.get<std::string>().empty();
  return true;
}

std::string ToText(const J& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) {
    double d = v.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    std::string s = std::to_string(d);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return s;
  }
  return JsonText(v, 2);
}

J Evaluate(const Expr& e, const EvalContext& ctx) {
  switch (e.kind) {
    case Expr::Kind::kNull:
      return nullptr;
    case Expr::Kind::kBool:
      return e.text == "true";
    case Expr::Kind::kNumber:
      return e.number;
    case Expr::Kind::kString:
      return e.text;
    case Expr::Kind::kVar:
      return Member(ctx.contexts, e.text);
    case Expr::Kind::kProp: {
      J base = Evaluate(*e.args[0], ctx);
      return e.star ? Filter(base) : Member(base, e.text);
    }
    case Expr::Kind::kIndex: {
      J base = Evaluate(*e.args[0], ctx);
      if (e.star) return Filter(base);
      J key = Evaluate(*e.args[1], ctx);
      if (base.is_array()) {
        double n = ToNumber(key);
        if (std::isnan(n) || n < 0 || n >= static_cast<double>(base.size())) return nullptr;
        return base[static_cast<size_t>(n)];
      }
      return Member(base, ToText(key));
    }
    case Expr::Kind::kNot:
      return !Truthy(Evaluate(*e.args[0], ctx));
    case Expr::Kind::kBinary: {
      J l = Evaluate(*e.args[0], ctx);
      if (e.text == "&&") return Truthy(l) ? Evaluate(*e.args[1], ctx) : l;
      if (e.text == "||") return Truthy(l) ? l : Evaluate(*e.args[1], ctx);
      J r = Evaluate(*e.args[1], ctx);
      if (e.text == "==") return LooseEqual(l, r);
      if (e.text == "!=") return !LooseEqual(l, r);
      bool ok = false;
      int c = Compare(l, r, &ok);
      if (!ok) return false;
      if (e.text == "<") return c < 0;
      if (e.text == "<=") return c <= 0;
      if (e.text == ">") return c > 0;
      return c >= 0;
    }
    case Expr::Kind::kCall: {
      std::string f = Lower(e.text);
      if (f == "success") return ctx.status == "success";
      if (f == "failure") return ctx.status == "failure";
      if (f == "cancelled") return ctx.status == "cancelled";
      if (f == "always") return true;
      std::vector<J> a;
      for (const auto& x : e.args) a.push_back(Evaluate(*x, ctx));
      auto need = [&](size_t n) {
        if (a.size() < n) throw std::runtime_error(e.text + "() needs " + std::to_string(n) + " argument(s)");
      };
      if (f == "contains") {
        need(2);
        if (a[0].is_array()) {
          return std::any_of(a[0].begin(), a[0].end(), [&](const J& x) { return LooseEqual(x, a[1]); });
        }
        return Lower(ToText(a[0])).find(Lower(ToText(a[1]))) != std::string::npos;
      }
      if (f == "startswith") {
        need(2);
        return Lower(ToText(a[0])).rfind(Lower(ToText(a[1])), 0) == 0;
      }
      if (f == "endswith") {
        need(2);
        std::string s = Lower(ToText(a[0])), t = Lower(ToText(a[1]));
        return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
      }
      if (f == "format") {
        need(1);
        return FormatString(ToText(a[0]), std::vector<J>(a.begin() + 1, a.end()));
      }
      if (f == "join") {
        need(1);
        std::string sep = a.size() > 1 ? ToText(a[1]) : ",";
        if (!a[0].is_array()) return ToText(a[0]);
        std::string out;
        for (size_t i = 0; i < a[0].size(); ++i) out += (i ? sep : "") + ToText(a[0][i]);
        return out;
      }
      if (f == "tojson") {
        need(1);
        return JsonText(a[0], 2);
      }
      if (f == "fromjson") {
        need(1);
        J v = J::parse(ToText(a[0]), nullptr, false);
        if (v.is_discarded()) throw std::runtime_error("fromJSON: not JSON: " + ToText(a[0]).substr(0, 80));
        return v;
      }
      if (f == "hashfiles") {
        need(1);
        // A stable digest of the matching files' contents (FNV-1a; GitHub uses SHA-256).
        uint64_t h = 1469598103934665603ULL;
        bool any = false;
        namespace fs = std::filesystem;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(ctx.workspace, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
          if (!it->is_regular_file()) continue;
          std::string rel = fs::relative(it->path(), ctx.workspace).string();
          for (const auto& pat : a) {
            std::string p = ToText(pat);
            if (p == rel || (p.size() > 1 && p[0] == '*' && rel.size() >= p.size() - 1 &&
                             rel.compare(rel.size() - p.size() + 1, p.size() - 1, p.substr(1)) == 0)) {
              for (unsigned char c : ReadWholeFile(it->path().string())) h = (h ^ c) * 1099511628211ULL;
              any = true;
            }
          }
        }
        if (!any) return "";
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
        return std::string(buf);
      }
      throw std::runtime_error("unknown function " + e.text + "()");
    }
  }
  return nullptr;
}

std::string Interpolate(const std::string& s, const EvalContext& ctx) {
  auto ps = FindPlaceholders(s);
  if (ps.empty()) return s;
  std::string out;
  size_t last = 0;
  for (const auto& p : ps) {
    out += s.substr(last, p.start - last);
    if (p.end == std::string::npos) throw std::runtime_error("unterminated ${{");
    auto parsed = ParseExpr(p.inner);
    if (!parsed.root) throw std::runtime_error("expression '" + p.inner + "': " + parsed.error);
    out += ToText(Evaluate(*parsed.root, ctx));
    last = p.end;
  }
  return out + s.substr(last);
}

}  // namespace redundancy::workflows
