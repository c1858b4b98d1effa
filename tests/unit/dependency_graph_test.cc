#include "common/dependency_graph.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

TEST(DependencyGraphTest, TopologicalOrderPutsUpstreamFirst) {
  DependencyGraph g;
  g.AddNode("pm2", {"build"});
  g.AddNode("netlify", {"pm2"});
  g.AddNode("build", {"git"});
  g.AddNode("git", {});
  g.AddNode("workflows", {});
  EXPECT_TRUE(g.FindCycle().empty());
  EXPECT_EQ(g.TopologicalOrder(), (std::vector<std::string>{"git", "build", "pm2", "netlify", "workflows"}));
  EXPECT_EQ(g.Upstream("netlify"), (std::vector<std::string>{"pm2", "build", "git"}));
}

TEST(DependencyGraphTest, FindsCycle) {
  DependencyGraph g;
  g.AddNode("a", {"b"});
  g.AddNode("b", {"c"});
  g.AddNode("c", {"a"});
  EXPECT_EQ(g.FindCycle(), (std::vector<std::string>{"a", "b", "c", "a"}));
}

TEST(DependencyGraphTest, FindsSelfLoop) {
  DependencyGraph g;
  g.AddNode("a", {"a"});
  EXPECT_EQ(g.FindCycle(), (std::vector<std::string>{"a", "a"}));
}

}  // namespace
}  // namespace redundancy
