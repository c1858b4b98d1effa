// Workflow expressions, read: the lexer, the parser (recursive descent, with
// a depth limit) and finding ${{ }} placeholders in text.
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "agents/workflows/expr.h"

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

}  // namespace redundancy::workflows
