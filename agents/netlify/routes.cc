// URLPattern pathname -> regular expression, following the URLPattern
// specification's tokenizer, parser and "generate a regular expression"
// steps (the same path-to-regexp rules the packager runs through its
// URLPattern polyfill), restricted to the pathname component.
#include "agents/netlify/routes.h"

#include <cctype>
#include <vector>

namespace redundancy::netlify {
namespace {

enum class Tok { kChar, kEscaped, kName, kRegex, kAsterisk, kModifier, kOpen, kClose, kEnd };

struct Token {
  Tok type;
  std::string value;
};

bool NameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool NameChar(char c) { return NameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool Tokenize(const std::string& s, std::vector<Token>* out, std::string* error) {
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '*') {
      out->push_back({Tok::kAsterisk, "*"}), ++i;
    } else if (c == '+' || c == '?') {
      out->push_back({Tok::kModifier, std::string(1, c)}), ++i;
    } else if (c == '\\') {
      if (i + 1 >= s.size()) return *error = "trailing \\ escapes nothing", false;
      out->push_back({Tok::kEscaped, std::string(1, s[i + 1])}), i += 2;
    } else if (c == '{') {
      out->push_back({Tok::kOpen, "{"}), ++i;
    } else if (c == '}') {
      out->push_back({Tok::kClose, "}"}), ++i;
    } else if (c == ':') {
      size_t j = i + 1;
      if (j >= s.size() || !NameStart(s[j]))
        return *error = "':' at column " + std::to_string(i + 1) + " starts no name", false;
      while (j < s.size() && NameChar(s[j])) ++j;
      out->push_back({Tok::kName, s.substr(i + 1, j - i - 1)}), i = j;
    } else if (c == '(') {
      int depth = 1;
      size_t j = i + 1;
      std::string re;
      if (j < s.size() && s[j] == '?') return *error = "a regexp group cannot start with '?'", false;
      while (j < s.size() && depth > 0) {
        char d = s[j];
        if (d & 0x80) return *error = "a regexp group must be ASCII", false;
        if (d == '\\') {
          if (j + 1 >= s.size()) return *error = "unterminated regexp group", false;
          re += s.substr(j, 2), j += 2;
          continue;
        }
        if (d == ')' && --depth == 0) break;
        if (d == '(') {
          if (j + 1 >= s.size() || s[j + 1] != '?') return *error = "a capturing group inside a regexp group", false;
          ++depth;
        }
        re += d, ++j;
      }
      if (depth != 0) return *error = "unbalanced '(' at column " + std::to_string(i + 1), false;
      if (re.empty()) return *error = "empty regexp group", false;
      out->push_back({Tok::kRegex, re}), i = j + 1;
    } else {
      out->push_back({Tok::kChar, std::string(1, c)}), ++i;
    }
  }
  out->push_back({Tok::kEnd, ""});
  return true;
}

std::string Escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (std::string(".+*?^${}()[]|/\\").find(c) != std::string::npos) r += '\\';
    r += c;
  }
  return r;
}

class Generator {
 public:
  explicit Generator(std::vector<Token> t) : t_(std::move(t)) {}

  bool Run(std::string* regex, std::string* error) {
    while (true) {
      const Token* ch = Try(Tok::kChar);
      const Token* name = Try(Tok::kName);
      const Token* rw = TryRegexOrWildcard(name);
      if (name || rw) {
        std::string prefix = ch ? ch->value : "";
        if (prefix != "/") pending_ += prefix, prefix.clear();
        Flush();
        AddPart(prefix, name, rw, "", Modifier());
        continue;
      }
      const Token* fixed = ch ? ch : Try(Tok::kEscaped);
      if (fixed) {
        pending_ += fixed->value;
        continue;
      }
      if (Try(Tok::kOpen)) {
        std::string prefix = Text();
        const Token* n = Try(Tok::kName);
        const Token* r = TryRegexOrWildcard(n);
        std::string suffix = Text();
        if (!Try(Tok::kClose)) return *error = "unbalanced '{'", false;
        AddPart(prefix, n, r, suffix, Modifier());
        continue;
      }
      Flush();
      if (!Try(Tok::kEnd)) return *error = "unexpected '" + t_[i_].value + "'", false;
      break;
    }
    *regex = "^" + out_ + "\\/?$";
    return true;
  }

 private:
  const Token* Try(Tok type) { return t_[i_].type == type ? &t_[i_++] : nullptr; }
  const Token* TryRegexOrWildcard(const Token* name) {
    if (const Token* r = Try(Tok::kRegex)) return r;
    return name ? nullptr : Try(Tok::kAsterisk);
  }
  std::string Modifier() {
    if (const Token* m = Try(Tok::kModifier)) return m->value;
    return Try(Tok::kAsterisk) ? "*" : "";
  }
  std::string Text() {
    std::string s;
    while (t_[i_].type == Tok::kChar || t_[i_].type == Tok::kEscaped) s += t_[i_++].value;
    return s;
  }
  void Flush() {
    if (!pending_.empty()) out_ += Escape(pending_), pending_.clear();
  }
  void AddPart(const std::string& prefix, const Token* name, const Token* rw, const std::string& suffix,
               const std::string& mod) {
    if (!name && !rw && mod.empty()) {
      pending_ += prefix;
      return;
    }
    Flush();
    if (!name && !rw) {
      out_ += "(?:" + Escape(prefix) + ")" + mod;
      return;
    }
    std::string re = !rw ? "[^\\/]+?" : rw->type == Tok::kAsterisk ? ".*" : rw->value;
    bool repeat = mod == "*" || mod == "+";
    if (prefix.empty() && suffix.empty()) {
      out_ += repeat ? "((?:" + re + ")" + mod + ")" : "(" + re + ")" + mod;
    } else if (!repeat) {
      out_ += "(?:" + Escape(prefix) + "(" + re + ")" + Escape(suffix) + ")" + mod;
    } else {
      out_ += "(?:" + Escape(prefix) + "((?:" + re + ")(?:" + Escape(suffix) + Escape(prefix) + "(?:" + re + "))*)" +
              Escape(suffix) + ")" + (mod == "*" ? "?" : "");
    }
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  std::string pending_, out_;
};

// The packager's own test: a path is literal unless a segment contains "*",
// "{", "[" or "(", or starts with ":".
bool IsLiteral(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.find_first_of("*{[(") != std::string::npos || (!part.empty() && part[0] == ':')) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

bool ParseRoute(const std::string& path, Route* out, std::string* error) {
  *out = Route{path, "", ""};
  if (path.empty() || path[0] != '/') return *error = "must start with /", false;
  if (IsLiteral(path)) {
    out->literal = path;
    return true;
  }
  std::vector<Token> tokens;
  if (!Tokenize(path, &tokens, error)) return false;
  if (!Generator(std::move(tokens)).Run(&out->expression, error)) return false;
  return true;
}

}  // namespace redundancy::netlify
