// Types of expressions, as actionlint types them: contexts are objects whose
// properties are known (strict) or free (maps, loose objects); a property
// that a strict object does not have, a dereference of a string, an object
// compared with a string, or an object printed into a string is a mistake.
// Anything not known statically is `any` and never reported.
#include <nlohmann/json.hpp>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"

namespace redundancy::workflows::internal {

struct Linter::Ty {
  enum class K { kAny, kNull, kBool, kNumber, kString, kObject, kArray } k = K::kAny;
  bool strict = false;                               // kObject: only `props` exist
  std::map<std::string, std::shared_ptr<Ty>> props;  // kObject, by lower-case name
  std::shared_ptr<Ty> elem;                          // kArray element; kObject: the value of any other property
};

namespace {

using Ty = Linter::Ty;
using K = Ty::K;
using TyP = std::shared_ptr<Ty>;

TyP Make(K k) {
  auto t = std::make_shared<Ty>();
  t->k = k;
  return t;
}
TyP Any() { return Make(K::kAny); }
TyP Str() { return Make(K::kString); }
TyP Map(TyP value) {  // {string => value}
  auto t = Make(K::kObject);
  t->elem = std::move(value);
  return t;
}
TyP Strict(std::initializer_list<std::pair<const char*, TyP>> props) {
  auto t = Make(K::kObject);
  t->strict = true;
  for (const auto& [n, p] : props) t->props[n] = p;
  return t;
}
TyP Array(TyP elem) {
  auto t = Make(K::kArray);
  t->elem = std::move(elem);
  return t;
}

std::string Name(const TyP& t) {
  switch (t->k) {
    case K::kAny:
      return "any";
    case K::kNull:
      return "null";
    case K::kBool:
      return "bool";
    case K::kNumber:
      return "number";
    case K::kString:
      return "string";
    case K::kArray:
      return "array<" + Name(t->elem ? t->elem : Any()) + ">";
    case K::kObject: {
      if (!t->strict && t->props.empty()) return t->elem ? "{string => " + Name(t->elem) + "}" : "object";
      std::string s = "{";
      for (const auto& [n, p] : t->props) s += (s.size() > 1 ? "; " : "") + n + ": " + Name(p);
      return s + "}";
    }
  }
  return "any";
}

// Two types as one (matrix values of a key, rows of include).
TyP Merge(const TyP& a, const TyP& b) {
  if (!a) return b;
  if (a->k != b->k) return Any();
  if (a->k == K::kObject) {
    auto t = Make(K::kObject);
    t->strict = a->strict && b->strict;
    t->props = a->props;
    for (const auto& [n, p] : b->props) t->props[n] = t->props.count(n) ? Merge(t->props[n], p) : p;
    return t;
  }
  if (a->k == K::kArray) return Array(Merge(a->elem ? a->elem : Any(), b->elem ? b->elem : Any()));
  return a;
}

// The type of a YAML value in the workflow (matrix values).
TyP OfYaml(const YAML::Node& n) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s.find("${{") != std::string::npos) return Any();
    if (n.Tag() != "!") {  // plain scalars: YAML's core schema
      if (s == "true" || s == "false") return Make(K::kBool);
      if (s == "null" || s == "~") return Make(K::kNull);
      static const std::regex kNumber(R"(^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$)");
      if (Match(s, kNumber)) return Make(K::kNumber);
    }
    return Str();
  }
  if (n.IsSequence()) {
    TyP e;
    for (const auto& x : n) e = Merge(e, OfYaml(x));
    return Array(e ? e : Any());
  }
  if (n.IsMap()) {
    auto t = Make(K::kObject);
    t->strict = true;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar()) t->props[Lower(it->first.Scalar())] = OfYaml(it->second);
    }
    return t;
  }
  return Make(K::kNull);
}

TyP OfJson(const nlohmann::json& j) {
  if (j.is_null()) return Make(K::kNull);
  if (j.is_boolean()) return Make(K::kBool);
  if (j.is_number()) return Make(K::kNumber);
  if (j.is_string()) return Str();
  if (j.is_array()) {
    TyP e;
    for (const auto& x : j) e = Merge(e, OfJson(x));
    return Array(e ? e : Any());
  }
  auto t = Make(K::kObject);
  t->strict = true;
  for (const auto& [k, v] : j.items()) t->props[Lower(k)] = OfJson(v);
  return t;
}

bool Primitive(K k) { return k == K::kNull || k == K::kBool || k == K::kNumber || k == K::kString; }

const Expr* ChainRoot(const Expr* e) {
  while (!e->args.empty() && (e->kind == Expr::Kind::kProp || e->kind == Expr::Kind::kIndex)) e = e->args[0].get();
  return e;
}

}  // namespace

TyP Linter::MatrixType() const {
  if (!matrix_static_) return Any();
  auto t = Make(K::kObject);
  t->strict = true;
  for (const auto& [key, values] : matrix_values_) {
    TyP v;
    for (const auto& x : values) v = Merge(v, OfYaml(x));
    t->props[key] = v ? v : Any();
  }
  for (const auto& row : matrix_include_) {
    if (!row.IsMap()) return Any();
    for (auto it = row.begin(); it != row.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      std::string key = Lower(it->first.Scalar());
      auto v = OfYaml(it->second);
      t->props[key] = t->props.count(key) ? Merge(t->props[key], v) : v;
    }
  }
  return t;
}

TyP Linter::TypeCheck(const Expr& e, const Scope& scope, const YAML::Node& n, size_t base) {
  auto report = [&](const Expr& at, const std::string& message) {
    auto [line, col] = PosIn(n, base + at.pos);
    AddAt(line, col, message, "expression", "warning");  // GitHub runs it; the value is not what is meant
  };
  switch (e.kind) {
    case Expr::Kind::kNull:
      return Make(K::kNull);
    case Expr::Kind::kBool:
      return Make(K::kBool);
    case Expr::Kind::kNumber:
      return Make(K::kNumber);
    case Expr::Kind::kString:
      return Str();
    case Expr::Kind::kNot:
      for (const auto& a : e.args) TypeCheck(*a, scope, n, base);
      return Make(K::kBool);
    case Expr::Kind::kVar: {
      std::string ctx = Lower(e.text);
      if (ctx == "github") {
        auto t = Map(Str());
        t->props["event"] = Make(K::kObject);  // loose: any property
        return t;
      }
      if (ctx == "env" || ctx == "vars") return Map(Str());
      if (ctx == "secrets") {
        if (!call_secrets_declared_) return Map(Str());
        auto t = Make(K::kObject);
        t->strict = true;
        for (const auto& s : call_secrets_) t->props[s] = Str();
        for (const char* s : {"github_token", "actions_runner_debug", "actions_step_debug"}) t->props[s] = Str();
        return t;
      }
      if (ctx == "runner") {
        return Strict({{"name", Str()},
                       {"os", Str()},
                       {"arch", Str()},
                       {"temp", Str()},
                       {"tool_cache", Str()},
                       {"debug", Str()},
                       {"environment", Str()}});
      }
      if (ctx == "strategy") {
        return Strict({{"fail-fast", Make(K::kBool)},
                       {"job-index", Make(K::kNumber)},
                       {"job-total", Make(K::kNumber)},
                       {"max-parallel", Make(K::kNumber)}});
      }
      if (ctx == "job") {
        auto container = Strict({{"id", Str()}, {"network", Str()}});
        auto service = Strict({{"id", Str()}, {"network", Str()}, {"ports", Map(Str())}});
        auto t = Map(Any());  // newer properties (workflow_ref...) stay free
        t->props["container"] = container;
        t->props["services"] = Map(service);
        t->props["status"] = Str();
        return t;
      }
      if (ctx == "matrix") return MatrixType();
      if (ctx == "inputs") {
        auto t = Map(Any());
        for (const auto& [name, type] : input_types_) {
          t->props[name] = type == "boolean" ? Make(K::kBool) : type == "number" ? Make(K::kNumber) : Str();
        }
        return t;
      }
      if (ctx == "steps") {
        auto t = Map(Any());
        if (scope.steps) {  // earlier steps: outputs are strings by name
          for (const auto& id : *scope.steps) {
            t->props[id] = Strict({{"outputs", Map(Str())}, {"outcome", Str()}, {"conclusion", Str()}});
          }
        }
        for (const auto& [id, uses] : step_uses_) {
          if (scope.steps && !scope.steps->count(id)) continue;
          TyP outputs = Map(Str());
          if (const auto* a = PopularActionOf(uses); a && a->outputs_known) {
            outputs = Make(K::kObject);
            outputs->strict = true;
            for (const auto& o : a->outputs) outputs->props[o] = Str();
          }
          t->props[id] = Strict({{"outputs", outputs}, {"outcome", Str()}, {"conclusion", Str()}});
        }
        return t;
      }
      if (ctx == "needs") {
        auto t = Map(Any());
        for (const auto& need : current_needs_) {
          auto outputs = Make(K::kObject);
          if (auto it = job_outputs_.find(need); it != job_outputs_.end()) {
            outputs->strict = true;
            for (const auto& o : it->second) outputs->props[o] = Str();
          } else {
            outputs->elem = Str();
          }
          t->props[need] = Strict({{"outputs", outputs}, {"result", Str()}});
        }
        return t;
      }
      return Any();
    }
    case Expr::Kind::kProp: {
      TyP r = TypeCheck(*e.args[0], scope, n, base);
      const Expr* root = ChainRoot(&e);
      bool context_level = e.args[0]->kind == Expr::Kind::kVar;  // steps.x, matrix.x...: CheckExpr's
      if (e.star) return Array(Any());                           // object filter
      std::string prop = Lower(e.text);
      if (r->k == K::kObject) {
        if (auto it = r->props.find(prop); it != r->props.end()) return it->second;
        if (r->elem) return r->elem;
        if (r->strict && !context_level) {
          report(*root, "property \"" + e.text + "\" is not defined in object type " + Name(r));
        } else if (r->strict && Lower(e.args[0]->text) == "secrets") {
          report(*root,
                 "secret \"" + e.text + "\" is not declared by this reusable workflow (its secrets: " + Name(r) + ")");
        }
        return Any();
      }
      if (Primitive(r->k)) {
        report(*root, "\"" + e.text + "\" dereferences a " + Name(r) + ", not an object");
      }
      return Any();
    }
    case Expr::Kind::kIndex: {
      TyP r = TypeCheck(*e.args[0], scope, n, base);
      if (e.args.size() < 2 || !e.args[1]) return Any();
      const Expr& idx = *e.args[1];
      TyP i = TypeCheck(idx, scope, n, base);
      if (r->k == K::kArray) return r->elem ? r->elem : Any();
      if (r->k == K::kObject) {
        if (i->k == K::kNumber || i->k == K::kBool || i->k == K::kNull) {
          report(idx, "properties of an object are named by strings, not by a " + Name(i));
          return Any();
        }
        if (idx.kind == Expr::Kind::kString) {
          std::string prop = Lower(idx.text);
          if (auto it = r->props.find(prop); it != r->props.end()) return it->second;
          if (r->elem) return r->elem;
        }
        return r->elem ? r->elem : Any();
      }
      return Any();
    }
    case Expr::Kind::kCall: {
      std::vector<TyP> args;
      for (const auto& a : e.args) args.push_back(a ? TypeCheck(*a, scope, n, base) : Any());
      std::string f = Lower(e.text);
      if (f == "fromjson") {
        if (!e.args.empty() && e.args[0] && e.args[0]->kind == Expr::Kind::kString) {
          // nlohmann recurses per level: a literal nested deeper than 64 is not typed.
          int depth = 0, deepest = 0;
          for (char c : e.args[0]->text) {
            depth += c == '[' || c == '{';
            depth -= c == ']' || c == '}';
            deepest = std::max(deepest, depth);
          }
          if (deepest > 64) return Any();
          auto j = nlohmann::json::parse(e.args[0]->text, nullptr, false);
          if (j.is_discarded()) {
            report(*e.args[0], "fromJSON() is given a string that is not JSON");
            return Any();
          }
          return OfJson(j);
        }
        return Any();
      }
      if (f == "format" && !e.args.empty() && e.args[0] && e.args[0]->kind == Expr::Kind::kString) {
        const std::string& fmt = e.args[0]->text;
        int given = static_cast<int>(e.args.size()) - 1;
        std::set<int> used;
        for (size_t i = 0; i < fmt.size(); ++i) {
          if (fmt[i] == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
            ++i;
          } else if (fmt[i] == '{') {
            size_t close = fmt.find('}', i);
            if (close == std::string::npos) break;
            std::string num = fmt.substr(i + 1, close - i - 1);
            if (!num.empty() && num.size() < 4 && std::all_of(num.begin(), num.end(), ::isdigit))
              used.insert(std::stoi(num));
            i = close;
          }
        }
        for (int u : used) {
          if (u >= given) {
            report(e, "format string \"" + fmt + "\" has placeholder {" + std::to_string(u) + "} but only " +
                          std::to_string(given) + " argument(s) follow it");
          }
        }
        for (int a = 0; a < given; ++a) {
          if (!used.count(a)) {
            report(e, "format string \"" + fmt + "\" has no placeholder {" + std::to_string(a) +
                          "}: its argument is never used");
          }
        }
        return Str();
      }
      if (f == "tojson" || f == "format" || f == "join" || f == "hashfiles") return Str();
      if (f == "contains" || f == "startswith" || f == "endswith" || f == "success" || f == "failure" ||
          f == "always" || f == "cancelled") {
        return Make(K::kBool);
      }
      return Any();
    }
    case Expr::Kind::kBinary: {
      TyP a = TypeCheck(*e.args[0], scope, n, base), b = TypeCheck(*e.args[1], scope, n, base);
      const std::string& op = e.text;
      if (op == "&&" || op == "||") return a->k == b->k ? a : Any();
      if (a->k != K::kAny && b->k != K::kAny) {
        bool bad;
        if (op == "==" || op == "!=") {
          bad = Primitive(a->k) != Primitive(b->k) || (!Primitive(a->k) && a->k != b->k);
        } else {  // < <= > >=: numbers and strings
          auto orderable = [](K k) { return k == K::kNumber || k == K::kString; };
          bad = !orderable(a->k) || !orderable(b->k);
        }
        if (bad) {
          report(*ChainRoot(e.args[0].get()), "a " + Name(a) + " cannot be compared with a " + Name(b) + " by " + op +
                                                  " (it is never what is meant)");
        }
      }
      return Make(K::kBool);
    }
  }
  return Any();
}

// A ${{ }} in a string: objects, arrays and null print as "Object", "Array"
// and "". A whole value where an object is expected must be one.
void Linter::TemplateType(const Expr& e, const Scope& scope, const YAML::Node& n, size_t start, bool whole) {
  TyP t = TypeCheck(e, scope, n, start + 3);
  if (whole && scope.object_ok) {
    if (scope.object_expected && Primitive(t->k)) {
      auto [line, col] = PosIn(n, start);
      AddAt(line, col, "this ${{ }} must give an object (a mapping), but it gives a " + Name(t),
            "expression");  // rejected
    }
    return;
  }
  if (t->k == K::kObject || t->k == K::kArray || t->k == K::kNull) {
    auto [line, col] = PosIn(n, start);
    AddAt(line, col,
          "a " + Name(t) + " printed into a string becomes \"" +
              (t->k == K::kObject  ? "Object"
               : t->k == K::kArray ? "Array"
                                   : "") +
              "\"; use toJSON() to print it",
          "expression", "warning");
  }
}

}  // namespace redundancy::workflows::internal
