// GitHub Actions expressions: parsing errors with positions and evaluation
// with GitHub's semantics.
#include <gtest/gtest.h>

#include "agents/workflows/expr.h"

namespace redundancy::workflows {
namespace {

nlohmann::json Eval(const std::string& text, const EvalContext& ctx = {}) {
  auto p = ParseExpr(text);
  EXPECT_TRUE(p.root) << text << ": " << p.error;
  return p.root ? Evaluate(*p.root, ctx) : nullptr;
}

TEST(WorkflowExprTest, ParseErrorsNameTheirPosition) {
  EXPECT_EQ(ParseExpr("a ==").error, "unexpected end of expression");
  auto p = ParseExpr("github.ref = 'x'");
  EXPECT_EQ(p.error_pos, 11u);
  EXPECT_FALSE(ParseExpr("'open").error.empty());
  EXPECT_FALSE(ParseExpr("f(1,").error.empty());
  EXPECT_FALSE(ParseExpr("a[1").error.empty());
  EXPECT_TRUE(ParseExpr("contains(github.event.issue.labels.*.name, 'bug') && !cancelled()").root);
}

TEST(WorkflowExprTest, EvaluatesLikeGitHub) {
  EvalContext ctx;
  ctx.contexts = {
      {"github", {{"ref", "refs/heads/Main"}, {"event", {{"labels", {{{"name", "bug"}}, {{"name", "ui"}}}}}}}},
      {"matrix", {{"node", 20}}},
      {"steps", {{"a", {{"outputs", {{"x", "1"}}}}}}}};
  EXPECT_EQ(Eval("github.ref == 'REFS/HEADS/main'", ctx), true) << "strings compare case-insensitively";
  EXPECT_EQ(Eval("matrix.node == '20'", ctx), true) << "loose equality coerces to numbers";
  EXPECT_EQ(Eval("steps.a.outputs.x == 1", ctx), true);
  EXPECT_EQ(Eval("matrix.missing || 'fallback'", ctx), "fallback") << "|| returns an operand";
  EXPECT_EQ(Eval("matrix.node && 'yes'", ctx), "yes");
  EXPECT_EQ(Eval("contains(github.event.labels.*.name, 'BUG')", ctx), true);
  EXPECT_EQ(Eval("format('{0}-{1}{{x}}', 'a', 2)"), "a-2{x}");
  EXPECT_EQ(Eval("join(fromJSON('[1, 2, 3]'), '+')"), "1+2+3");
  EXPECT_EQ(Eval("startsWith('Hello', 'he') && endsWith('Hello', 'LO')"), true);
  EXPECT_EQ(Eval("1 < 2 && !(2 <= 1)"), true);
  EXPECT_EQ(Eval("0x10 == 16"), true);
  EXPECT_EQ(Eval("null == 0"), true);
  EXPECT_EQ(Eval("'' == 0"), true);
  EXPECT_EQ(ToText(Eval("toJSON(fromJSON('{\"a\":1}'))")), "{\n  \"a\": 1\n}");
  ctx.status = "failure";
  EXPECT_EQ(Eval("failure() && !success()", ctx), true);
  EXPECT_EQ(Interpolate("node ${{ matrix.node }} on ${{ github.ref }}", ctx), "node 20 on refs/heads/Main");
}

}  // namespace
}  // namespace redundancy::workflows
