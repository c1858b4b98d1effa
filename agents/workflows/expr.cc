#include "agents/workflows/expr.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "common/file_util.h"
#include "common/json_text.h"

namespace redundancy::workflows {
namespace {

struct Tok {
  enum Type { kEnd, kIdent, kNumber, kString, kOp, kError } type = kEnd;
  std::string text;
  double number = 0;
  size_t pos = 0;
};

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}
  Tok Next() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    Tok t;
    t.pos = i_;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || s_[j] == '-')) ++j;
      t.type = Tok::kIdent, t.text = s_.substr(i_, j - i_), i_ = j;
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || ((c == '-' || c == '+' || c == '.') && i_ + 1 < s_.size() &&
                                                        std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
      size_t j = i_ + 1;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '.' ||
                               ((s_[j] == '-' || s_[j] == '+') && (s_[j - 1] == 'e' || s_[j - 1] == 'E')))) {
        ++j;
      }
      t.text = s_.substr(i_, j - i_), i_ = j;
      std::string body = t.text;
      bool neg = !body.empty() && body[0] == '-';
      if (neg || (!body.empty() && body[0] == '+')) body = body.substr(1);
      try {
        size_t used = 0;
        if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
          t.number = static_cast<double>(std::stoll(body.substr(2), &used, 16)), used += 2;
        } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
          t.number = static_cast<double>(std::stoll(body.substr(2), &used, 8)), used += 2;
        } else {
          t.number = std::stod(body, &used);
        }
        if (used != body.size()) throw std::invalid_argument(body);
      } catch (const std::exception&) {
        t.type = Tok::kError, t.text = "invalid number '" + t.text + "'";
        return t;
      }
      if (neg) t.number = -t.number;
      t.type = Tok::kNumber;
      return t;
    }
    if (c == '\'') {
      std::string v;
      size_t j = i_ + 1;
      while (true) {
        if (j >= s_.size()) {
          t.type = Tok::kError, t.text = "unterminated string literal";
          i_ = s_.size();
          return t;
        }
        if (s_[j] == '\'') {
          if (j + 1 < s_.size() && s_[j + 1] == '\'') {
            v += '\'', j += 2;
            continue;
          }
          break;
        }
        v += s_[j++];
      }
      t.type = Tok::kString, t.text = v, i_ = j + 1;
      return t;
    }
    if (c == '"') {
      t.type = Tok::kError, t.text = "strings are quoted with ' in expressions, not \"";
      return t;
    }
    for (const char* op : {"==", "!=", "<=", ">=", "&&", "||"}) {
      if (s_.compare(i_, 2, op) == 0) {
        t.type = Tok::kOp, t.text = op, i_ += 2;
        return t;
      }
    }
    if (std::string("<>!.()[],*").find(c) != std::string::npos) {
      t.type = Tok::kOp, t.text = std::string(1, c), ++i_;
      return t;
    }
    t.type = Tok::kError, t.text = std::string("unexpected character '") + c + "'";
    return t;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;
};

class Parser {
 public:
  explicit Parser(const std::string& s) : lex_(s) { Advance(); }

  ParsedExpr Run() {
    ParsedExpr r;
    if (cur_.type == Tok::kEnd && error_.empty()) {
      r.error = "empty expression";
      return r;
    }
    if (error_.empty()) r.root = Or();
    if (error_.empty() && cur_.type != Tok::kEnd) Fail("unexpected '" + cur_.text + "'");
    if (!error_.empty()) {
      r.root.reset();
      r.error = error_, r.error_pos = error_pos_;
    }
    return r;
  }

 private:
  void Advance() {
    cur_ = lex_.Next();
    if (cur_.type == Tok::kError) Fail(cur_.text);
  }
  void Fail(const std::string& m) {
    if (error_.empty()) error_ = m, error_pos_ = cur_.pos;
    cur_.type = Tok::kEnd;
  }
  bool IsOp(const char* op) const { return cur_.type == Tok::kOp && cur_.text == op; }
  std::unique_ptr<Expr> Node(Expr::Kind k, std::string text, size_t pos) {
    auto e = std::make_unique<Expr>();
    e->kind = k, e->text = std::move(text), e->pos = pos;
    return e;
  }
  std::unique_ptr<Expr> Binary(std::unique_ptr<Expr> l, const std::string& op, std::unique_ptr<Expr> r, size_t pos) {
    auto e = Node(Expr::Kind::kBinary, op, pos);
    e->args.push_back(std::move(l)), e->args.push_back(std::move(r));
    return e;
  }
  std::unique_ptr<Expr> Or() {
    auto l = And();
    while (IsOp("||")) {
      size_t p = cur_.pos;
      Advance();
      l = Binary(std::move(l), "||", And(), p);
    }
    return l;
  }
  std::unique_ptr<Expr> And() {
    auto l = Eq();
    while (IsOp("&&")) {
      size_t p = cur_.pos;
      Advance();
      l = Binary(std::move(l), "&&", Eq(), p);
    }
    return l;
  }
  std::unique_ptr<Expr> Eq() {
    auto l = Cmp();
    while (IsOp("==") || IsOp("!=")) {
      std::string op = cur_.text;
      size_t p = cur_.pos;
      Advance();
      l = Binary(std::move(l), op, Cmp(), p);
    }
    return l;
  }
  std::unique_ptr<Expr> Cmp() {
    auto l = Unary();
    while (IsOp("<") || IsOp("<=") || IsOp(">") || IsOp(">=")) {
      std::string op = cur_.text;
      size_t p = cur_.pos;
      Advance();
      l = Binary(std::move(l), op, Unary(), p);
    }
    return l;
  }
  std::unique_ptr<Expr> Unary() {
    if (IsOp("!")) {
      auto e = Node(Expr::Kind::kNot, "!", cur_.pos);
      Advance();
      if (++depth_ > 200) {
        Fail("expression nested too deeply");
        return e;
      }
      e->args.push_back(Unary());
      --depth_;
      return e;
    }
    return Postfix();
  }
  std::unique_ptr<Expr> Postfix() {
    auto e = Primary();
    while (error_.empty()) {
      if (IsOp(".")) {
        size_t p = cur_.pos;
        Advance();
        auto prop = Node(Expr::Kind::kProp, "", p);
        if (IsOp("*")) {
          prop->star = true;
          Advance();
        } else if (cur_.type == Tok::kIdent) {
          prop->text = cur_.text;
          Advance();
        } else {
          Fail("a property name must follow '.'");
          break;
        }
        prop->args.push_back(std::move(e));
        e = std::move(prop);
      } else if (IsOp("[")) {
        size_t p = cur_.pos;
        Advance();
        auto idx = Node(Expr::Kind::kIndex, "", p);
        idx->args.push_back(std::move(e));
        if (IsOp("*")) {
          idx->star = true;
          Advance();
        } else {
          idx->args.push_back(Nested());
        }
        if (!IsOp("]")) {
          Fail("missing ']'");
          break;
        }
        Advance();
        e = std::move(idx);
      } else {
        break;
      }
    }
    return e;
  }
  std::unique_ptr<Expr> Nested() {
    if (++depth_ > 200) {
      Fail("expression nested too deeply");
      return Node(Expr::Kind::kNull, "", cur_.pos);
    }
    auto e = Or();
    --depth_;
    return e;
  }
  std::unique_ptr<Expr> Primary() {
    Tok t = cur_;
    switch (t.type) {
      case Tok::kNumber: {
        Advance();
        auto e = Node(Expr::Kind::kNumber, t.text, t.pos);
        e->number = t.number;
        return e;
      }
      case Tok::kString:
        Advance();
        return Node(Expr::Kind::kString, t.text, t.pos);
      case Tok::kIdent: {
        Advance();
        if (t.text == "null") return Node(Expr::Kind::kNull, t.text, t.pos);
        if (t.text == "true" || t.text == "false") return Node(Expr::Kind::kBool, t.text, t.pos);
        if (IsOp("(")) {
          Advance();
          auto call = Node(Expr::Kind::kCall, t.text, t.pos);
          if (!IsOp(")")) {
            while (error_.empty()) {
              call->args.push_back(Nested());
              if (IsOp(",")) {
                Advance();
                continue;
              }
              break;
            }
          }
          if (!IsOp(")"))
            Fail("missing ')' of " + t.text + "()");
          else
            Advance();
          return call;
        }
        return Node(Expr::Kind::kVar, t.text, t.pos);
      }
      case Tok::kOp:
        if (t.text == "(") {
          Advance();
          auto e = Nested();
          if (!IsOp(")"))
            Fail("missing ')'");
          else
            Advance();
          return e;
        }
        Fail("unexpected '" + t.text + "'");
        return Node(Expr::Kind::kNull, "", t.pos);
      default:
        Fail(t.type == Tok::kEnd ? "unexpected end of expression" : t.text);
        return Node(Expr::Kind::kNull, "", t.pos);
    }
  }

  Lexer lex_;
  Tok cur_;
  std::string error_;
  size_t error_pos_ = 0;
  int depth_ = 0;
};

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

namespace {

// Chains (a && b && ..., a.b.c...) are built by loops, not recursion, but every
// walk of the tree recurses: deeper than this is refused, as nesting is.
constexpr size_t kMaxExprDepth = 500;
constexpr size_t kMaxExprBytes = 16 << 10;

size_t Depth(const Expr& root) {
  size_t deepest = 0;
  std::vector<std::pair<const Expr*, size_t>> stack = {{&root, 1}};
  while (!stack.empty()) {
    auto [e, d] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, d);
    for (const auto& a : e->args) {
      if (a) stack.push_back({a.get(), d + 1});
    }
  }
  return deepest;
}

}  // namespace

ParsedExpr ParseExpr(const std::string& text) {
  if (text.size() > kMaxExprBytes) {
    ParsedExpr r;
    r.error = "expression longer than " + std::to_string(kMaxExprBytes >> 10) + " KB";
    return r;
  }
  ParsedExpr r = Parser(text).Run();
  if (r.root && Depth(*r.root) > kMaxExprDepth) {
    r.root.reset();
    r.error = "expression nested too deeply";
    r.error_pos = 0;
  }
  return r;
}

std::vector<Placeholder> FindPlaceholders(const std::string& s) {
  std::vector<Placeholder> out;
  size_t i = 0;
  while ((i = s.find("${{", i)) != std::string::npos) {
    Placeholder p;
    p.start = i;
    // "}}" outside a string literal ends it.
    size_t j = i + 3;
    bool in_str = false;
    for (; j + 1 < s.size(); ++j) {
      if (s[j] == '\'')
        in_str = !in_str;
      else if (!in_str && s[j] == '}' && s[j + 1] == '}')
        break;
    }
    if (j + 1 >= s.size()) {
      p.end = std::string::npos;
      p.inner = s.substr(i + 3);
      out.push_back(p);
      break;
    }
    p.end = j + 2;
    p.inner = s.substr(i + 3, j - i - 3);
    out.push_back(p);
    i = p.end;
  }
  return out;
}

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
