// GitHub Actions expressions (the text inside `${{ }}`): a lexer and parser
// into a small tree, and an evaluator with GitHub's semantics (loose equality,
// case-insensitive string comparison, && / || returning an operand, the
// built-in functions). Shared by the linter (which walks the tree to check
// contexts, properties and function arity) and the local workflow runner.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redundancy::workflows {

struct Expr {
  enum class Kind { kNull, kBool, kNumber, kString, kVar, kProp, kIndex, kCall, kNot, kBinary } kind = Kind::kNull;
  std::string text;  // literal text, variable / property / function name, operator
  double number = 0;
  bool star = false;                        // `.*` or `[*]` (object filter)
  std::vector<std::unique_ptr<Expr>> args;  // operands, receiver first
  size_t pos = 0;                           // offset in the expression text
};

struct ParsedExpr {
  std::unique_ptr<Expr> root;
  std::string error;  // "" when it parsed
  size_t error_pos = 0;
};

ParsedExpr ParseExpr(const std::string& text);

// A `${{ ... }}` placeholder found in a string: offsets of the inner text.
struct Placeholder {
  size_t start = 0;  // offset of "${{"
  size_t end = 0;    // offset just past "}}" (npos when unterminated)
  std::string inner;
};
std::vector<Placeholder> FindPlaceholders(const std::string& s);

// Evaluation. Contexts are JSON objects (github, env, matrix, steps, needs,
// inputs, secrets, vars, runner, job, strategy); `status` answers success(),
// failure(), cancelled() ("success" | "failure" | "cancelled"); hashFiles is
// given the workspace.
struct EvalContext {
  nlohmann::json contexts = nlohmann::json::object();
  std::string status = "success";
  std::string workspace = ".";
};

// Evaluates an expression; throws std::runtime_error on an evaluation error.
nlohmann::json Evaluate(const Expr& e, const EvalContext& ctx);
// `${{ }}` substitution in a string (each placeholder replaced by its value as a string).
std::string Interpolate(const std::string& s, const EvalContext& ctx);
bool Truthy(const nlohmann::json& v);
std::string ToText(const nlohmann::json& v);  // GitHub's string conversion

}  // namespace redundancy::workflows
