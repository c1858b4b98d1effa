#include "agents/netlify/js_source.h"

#include <cctype>
#include <set>

namespace redundancy::netlify {
namespace {

struct Token {
  enum class Kind { kIdent, kString, kNumber, kPunct, kTemplate, kRegex } kind;
  std::string text;
  int line, col;
};

bool IdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' || (c & 0x80); }
bool IdentChar(char c) { return IdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}

  std::vector<Token> Run(SourceFacts* f) {
    std::vector<Token> out;
    std::vector<std::pair<char, std::pair<int, int>>> stack;  // open brackets
    // Template literals: braces opened inside ${ } return to the template.
    std::vector<size_t> template_depth;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++i_;
        continue;
      }
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
        continue;
      }
      int line = line_, col = static_cast<int>(i_ - line_start_) + 1;
      if (c == '/' && Peek(1) == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '/' && Peek(1) == '*') {
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string::npos) return Fail(f, "unterminated comment", line, col, out);
        Advance(end + 2);
        continue;
      }
      if (c == '#' && Peek(1) == '!' && i_ == 0) {  // shebang
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '"' || c == '\'') {
        std::string text;
        if (!String(c, &text)) return Fail(f, "unterminated string", line, col, out);
        out.push_back({Token::Kind::kString, text, line, col});
        continue;
      }
      if (c == '`' || (c == '}' && !template_depth.empty() && template_depth.back() == stack.size())) {
        if (c == '}') template_depth.pop_back();
        ++i_;
        bool more = false;
        std::string text;
        if (!Template(&text, &more)) return Fail(f, "unterminated template literal", line, col, out);
        if (more) template_depth.push_back(stack.size());
        out.push_back({Token::Kind::kTemplate, text, line, col});
        continue;
      }
      if (c == '/' && RegexAllowed(out)) {
        if (!Regex()) return Fail(f, "unterminated regular expression", line, col, out);
        out.push_back({Token::Kind::kRegex, "", line, col});
        continue;
      }
      if (IdentStart(c)) {
        size_t b = i_;
        while (i_ < s_.size() && IdentChar(s_[i_])) ++i_;
        out.push_back({Token::Kind::kIdent, s_.substr(b, i_ - b), line, col});
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))))) {
        size_t b = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '_'))
          ++i_;
        out.push_back({Token::Kind::kNumber, s_.substr(b, i_ - b), line, col});
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        stack.push_back({c, {line, col}});
      } else if (c == ')' || c == ']' || c == '}') {
        char want = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (stack.empty() || stack.back().first != want) {
          return Fail(f, std::string("unexpected '") + c + "'", line, col, out);
        }
        stack.pop_back();
      }
      // Multi-character punctuators matter only for "=>" and "...": keep single chars, merge those.
      if (c == '=' && Peek(1) == '>') {
        out.push_back({Token::Kind::kPunct, "=>", line, col});
        i_ += 2;
        continue;
      }
      out.push_back({Token::Kind::kPunct, std::string(1, c), line, col});
      ++i_;
    }
    if (!stack.empty()) {
      return Fail(f, std::string("'") + stack.back().first + "' is never closed", stack.back().second.first,
                  stack.back().second.second, out);
    }
    return out;
  }

 private:
  char Peek(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void Advance(size_t to) {
    for (; i_ < to && i_ < s_.size(); ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        line_start_ = i_ + 1;
      }
    }
  }
  bool String(char q, std::string* text) {
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\\') {
        if (i_ + 1 < s_.size()) text->push_back(s_[i_ + 1]);
        i_ += 2;
        continue;
      }
      if (c == '\n') return false;
      ++i_;
      if (c == q) return true;
      text->push_back(c);
    }
    return false;
  }
  // After the opening ` or the } closing a ${: up to the closing ` or the next ${.
  bool Template(std::string* text, bool* more) {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '`') {
        ++i_;
        return true;
      }
      if (c == '$' && Peek(1) == '{') {
        i_ += 2;
        *more = true;
        return true;
      }
      if (c == '\n') {
        ++line_;
        line_start_ = i_ + 1;
      }
      text->push_back(c);
      ++i_;
    }
    return false;
  }
  static bool RegexAllowed(const std::vector<Token>& out) {
    if (out.empty()) return true;
    const Token& t = out.back();
    if (t.kind == Token::Kind::kPunct) return t.text != ")" && t.text != "]" && t.text != "}";
    if (t.kind == Token::Kind::kIdent) {
      static const char* kw[] = {"return", "typeof", "instanceof", "in", "of",   "new",   "delete",
                                 "void",   "throw",  "case",       "do", "else", "yield", "await"};
      for (const char* k : kw) {
        if (t.text == k) return true;
      }
    }
    return false;
  }
  bool Regex() {
    ++i_;
    bool in_class = false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') return false;
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '[')
        in_class = true;
      else if (c == ']')
        in_class = false;
      else if (c == '/' && !in_class) {
        ++i_;
        while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
        return true;
      }
      ++i_;
    }
    return false;
  }
  std::vector<Token> Fail(SourceFacts* f, const std::string& why, int line, int col, std::vector<Token>& out) {
    f->syntax_error = why;
    f->syntax_line = line;
    f->syntax_col = col;
    return std::move(out);
  }

  const std::string& s_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

bool Is(const std::vector<Token>& t, size_t i, const char* text) { return i < t.size() && t[i].text == text; }

// Parses an object literal starting at t[i] == "{"; returns the index after it.
size_t ParseObject(const std::vector<Token>& t, size_t i, std::map<std::string, ConfigValue>* out) {
  if (!Is(t, i, "{")) return i;
  ++i;
  while (i < t.size() && !Is(t, i, "}")) {
    std::string key;
    if (t[i].kind == Token::Kind::kIdent || t[i].kind == Token::Kind::kString) key = t[i].text;
    ++i;
    if (!Is(t, i, ":")) {  // shorthand or something we do not model: skip to the next comma at this depth
      int depth = 0;
      while (i < t.size() && !(depth == 0 && (Is(t, i, ",") || Is(t, i, "}")))) {
        if (Is(t, i, "{") || Is(t, i, "[") || Is(t, i, "(")) ++depth;
        if (Is(t, i, "}") || Is(t, i, "]") || Is(t, i, ")")) --depth;
        ++i;
      }
      if (Is(t, i, ",")) ++i;
      continue;
    }
    ++i;
    ConfigValue v;
    size_t start = i;
    if (i < t.size() && (t[i].kind == Token::Kind::kString || (t[i].kind == Token::Kind::kTemplate))) {
      v.kind = ConfigValue::Kind::kString;
      v.text = t[i].text;
      ++i;
    } else if (i < t.size() && t[i].kind == Token::Kind::kNumber) {
      v.kind = ConfigValue::Kind::kNumber;
      v.text = t[i].text;
      ++i;
    } else if (Is(t, i, "true") || Is(t, i, "false")) {
      v.kind = ConfigValue::Kind::kBool;
      v.text = t[i].text;
      ++i;
    } else if (Is(t, i, "[")) {
      v.kind = ConfigValue::Kind::kArray;
      ++i;
      while (i < t.size() && !Is(t, i, "]")) {
        if (t[i].kind == Token::Kind::kString) v.items.push_back(t[i].text);
        ++i;
      }
      ++i;
    } else if (Is(t, i, "{")) {
      v.kind = ConfigValue::Kind::kObject;
      std::map<std::string, ConfigValue> inner;
      i = ParseObject(t, i, &inner);
    }
    // Anything else (expressions): skip to the next comma at this depth.
    int depth = 0;
    while (i < t.size() && !(depth == 0 && (Is(t, i, ",") || Is(t, i, "}")))) {
      if (Is(t, i, "{") || Is(t, i, "[") || Is(t, i, "(")) ++depth;
      if (Is(t, i, "}") || Is(t, i, "]") || Is(t, i, ")")) --depth;
      v.kind = i == start ? v.kind : (v.kind == ConfigValue::Kind::kString ? ConfigValue::Kind::kOther : v.kind);
      ++i;
    }
    if (!key.empty()) (*out)[key] = v;
    if (Is(t, i, ",")) ++i;
  }
  return i + 1;
}

bool IsBuiltin(const std::string& name) {
  static const std::set<std::string> kBuiltins = {"assert",
                                                  "async_hooks",
                                                  "buffer",
                                                  "child_process",
                                                  "cluster",
                                                  "console",
                                                  "constants",
                                                  "crypto",
                                                  "dgram",
                                                  "diagnostics_channel",
                                                  "dns",
                                                  "domain",
                                                  "events",
                                                  "fs",
                                                  "http",
                                                  "http2",
                                                  "https",
                                                  "inspector",
                                                  "module",
                                                  "net",
                                                  "os",
                                                  "path",
                                                  "perf_hooks",
                                                  "process",
                                                  "punycode",
                                                  "querystring",
                                                  "readline",
                                                  "repl",
                                                  "stream",
                                                  "string_decoder",
                                                  "sys",
                                                  "timers",
                                                  "tls",
                                                  "trace_events",
                                                  "tty",
                                                  "url",
                                                  "util",
                                                  "v8",
                                                  "vm",
                                                  "wasi",
                                                  "worker_threads",
                                                  "zlib",
                                                  "test"};
  return kBuiltins.count(name) > 0;
}

std::string PackageOf(const std::string& spec) {
  size_t slash = spec.find('/');
  if (spec[0] == '@' && slash != std::string::npos) slash = spec.find('/', slash + 1);
  return slash == std::string::npos ? spec : spec.substr(0, slash);
}

}  // namespace

SourceFacts ScanSource(const std::string& text) {
  SourceFacts f;
  std::vector<Token> t = Lexer(text).Run(&f);
  int depth = 0;  // brace depth: module-level facts only at 0 (exports), imports anywhere
  for (size_t i = 0; i < t.size(); ++i) {
    const Token& k = t[i];
    if (k.text == "{" && k.kind == Token::Kind::kPunct) ++depth;
    if (k.text == "}" && k.kind == Token::Kind::kPunct) --depth;
    if (k.kind != Token::Kind::kIdent) continue;
    bool property = i > 0 && Is(t, i - 1, ".");
    if (property) {
      // exports.handler = / module.exports.handler =
      if (k.text == "handler" && i >= 2 && Is(t, i - 2, "exports") && Is(t, i + 1, "=")) f.has_handler_export = true;
      continue;
    }
    if (k.text == "export" && depth == 0) {
      f.esm = true;
      if (Is(t, i + 1, "default")) f.has_default_export = true;
      size_t j = i + 1;
      if (Is(t, j, "async")) ++j;
      if ((Is(t, j, "const") || Is(t, j, "let") || Is(t, j, "var") || Is(t, j, "function")) && j + 1 < t.size()) {
        const std::string& name = t[j + 1].text;
        if (name == "handler") f.has_handler_export = true;
        if (name == "config" && !Is(t, j, "function")) {
          f.has_config_export = true;
          f.config_line = t[j + 1].line;
          size_t eq = j + 2;
          if (Is(t, eq, ":")) {  // TypeScript annotation: export const config: Config = {...}
            while (eq < t.size() && !Is(t, eq, "=")) ++eq;
          }
          if (Is(t, eq, "=")) ParseObject(t, eq + 1, &f.config);
        }
      }
      if (Is(t, i + 1, "{")) {  // export { x as default, y as handler }
        for (size_t j2 = i + 2; j2 < t.size() && !Is(t, j2, "}"); ++j2) {
          if (Is(t, j2, "as") && Is(t, j2 + 1, "default")) f.has_default_export = true;
          if ((Is(t, j2, "as") && Is(t, j2 + 1, "handler")) ||
              (Is(t, j2, "handler") && (Is(t, j2 + 1, ",") || Is(t, j2 + 1, "}")) && !Is(t, j2 - 1, "as"))) {
            f.has_handler_export = true;
          }
        }
      }
      // export ... from "x"
      for (size_t j2 = i + 1; j2 < t.size() && j2 < i + 64 && !Is(t, j2, ";"); ++j2) {
        if (Is(t, j2, "from") && j2 + 1 < t.size() && t[j2 + 1].kind == Token::Kind::kString) {
          f.imports.push_back({t[j2 + 1].text, t[j2 + 1].line});
          break;
        }
      }
      continue;
    }
    if (k.text == "import") {
      if (Is(t, i + 1, "(") && i + 2 < t.size() && t[i + 2].kind == Token::Kind::kString) {
        f.imports.push_back({t[i + 2].text, t[i + 2].line});
        continue;
      }
      if (depth != 0 || Is(t, i + 1, ".")) continue;  // import.meta
      f.esm = true;
      if (Is(t, i + 1, "type") && !Is(t, i + 2, "from") && !Is(t, i + 2, ",")) continue;  // TypeScript: erased
      if (i + 1 < t.size() && t[i + 1].kind == Token::Kind::kString) {                    // import "x"
        f.imports.push_back({t[i + 1].text, t[i + 1].line});
        continue;
      }
      for (size_t j = i + 1; j < t.size() && j < i + 256; ++j) {
        if (Is(t, j, "from") && j + 1 < t.size() && t[j + 1].kind == Token::Kind::kString) {
          f.imports.push_back({t[j + 1].text, t[j + 1].line});
          break;
        }
      }
      continue;
    }
    if (k.text == "require" && Is(t, i + 1, "(") && i + 2 < t.size() && t[i + 2].kind == Token::Kind::kString &&
        Is(t, i + 3, ")")) {
      f.imports.push_back({t[i + 2].text, t[i + 2].line});
      continue;
    }
    // module.exports = { handler } / module.exports = { handler: ... }
    if (k.text == "module" && Is(t, i + 1, ".") && Is(t, i + 2, "exports") && Is(t, i + 3, "=") && Is(t, i + 4, "{")) {
      int d = 0;
      for (size_t j = i + 4; j < t.size(); ++j) {
        if (Is(t, j, "{")) ++d;
        if (Is(t, j, "}") && --d == 0) break;
        if (d == 1 && Is(t, j, "handler") && (Is(t, j + 1, ":") || Is(t, j + 1, ",") || Is(t, j + 1, "}")))
          f.has_handler_export = true;
      }
      continue;
    }
    // handler = schedule("cron", fn) (v1 scheduled functions)
    if (k.text == "schedule" && Is(t, i + 1, "(") && i + 2 < t.size() && t[i + 2].kind == Token::Kind::kString) {
      f.v1_schedule = t[i + 2].text;
      f.v1_schedule_line = t[i + 2].line;
    }
  }
  return f;
}

std::string PackageImported(const std::string& s) {
  if (s.empty() || s[0] == '.' || s[0] == '/' || s.find(':') != std::string::npos) return "";
  std::string pkg = PackageOf(s);
  return IsBuiltin(pkg) ? "" : pkg;
}

}  // namespace redundancy::netlify
