#include "agents/build/settings.h"

#include <gtest/gtest.h>

#include "agents/git/settings.h"
#include "agents/netlify/settings.h"
#include "agents/workflows/settings.h"
#include "common/config.h"
#include "common/settings_reader.h"

namespace redundancy {
namespace {

TEST(SettingsReaderTest, TypedReadsWithDefaultsAndWrongTypesFallBack) {
  SettingsReader r(
      YAML::Load("{s: x, b: true, i: 7, d: 1m, z: 2KB, l: [a, b], one: c, p: sub/dir, m: {k: v},"
                 " bad_i: seven, bad_d: soon, bad_b: [1]}"));
  EXPECT_EQ(r.Str("s", "def"), "x");
  EXPECT_EQ(r.Str("missing", "def"), "def");
  EXPECT_TRUE(r.Bool("b", false));
  EXPECT_EQ(r.Int("i", 0), 7);
  EXPECT_EQ(r.Dur("d", Millis(1)), Millis(60'000));
  EXPECT_EQ(r.Size("z", 0), 2048u);
  EXPECT_EQ(r.List("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.List("one"), std::vector<std::string>{"c"});
  EXPECT_EQ(r.Path("p", ".", "/srv/app"), "/srv/app/sub/dir");
  EXPECT_EQ(r.Sub("m").Str("k", ""), "v");
  EXPECT_FALSE(r.Sub("s").Has("k"));
  EXPECT_EQ(r.Int("bad_i", 3), 3);
  EXPECT_EQ(r.Dur("bad_d", Millis(5)), Millis(5));
  EXPECT_FALSE(r.Bool("bad_b", false));
  EXPECT_EQ(FindKey(YAML::Load("{a: {b: {c: 1}}}"), "a.b.c")->Scalar(), "1");
  EXPECT_FALSE(FindKey(YAML::Load("{a: {b: 1}}"), "a.x").has_value());
  EXPECT_FALSE(FindKey(YAML::Load("{a: 1}"), "a.b").has_value());
  SettingsReader none{YAML::Node()};
  EXPECT_EQ(none.Str("x", "d"), "d");
  EXPECT_TRUE(none.List("x").empty());
}

TEST(AgentSettingsTest, EachAgentParsesItsOwnSection) {
  auto g = git::ParseSettings(YAML::Load("{branch: prod, sync_timeout: 5s, submodules: false}"), "/w", "/w/.r");
  EXPECT_EQ(g.dir, "/w");
  EXPECT_EQ(g.remote, "origin");
  EXPECT_EQ(g.branch, "prod");
  EXPECT_EQ(g.timeout, Millis(5000));
  EXPECT_FALSE(g.submodules);
  EXPECT_EQ(g.backup_dir, "/w/.r/git/backups");

  auto b = build::ParseSettings(YAML::Load("{dir: app, validate: npm test, artifacts: [dist/index.html]}"), "/w");
  EXPECT_EQ(b.dir, "/w/app");
  EXPECT_EQ(b.validate, "npm test");
  EXPECT_FALSE(b.validate_interval.has_value());
  EXPECT_EQ(b.artifacts.size(), 1u);

  auto n =
      netlify::ParseSettings(YAML::Load("{base_url: 'http://127.0.0.1:8888/', probes: [{function: hello}]}"), "/w");
  EXPECT_EQ(n.base_url, "http://127.0.0.1:8888");
  ASSERT_EQ(n.probes.size(), 1u);
  EXPECT_EQ(n.probes[0].path, "/.netlify/functions/hello");
  EXPECT_EQ(n.probes[0].expect_status, 200);

  auto w = workflows::ParseSettings(YAML::Load("{secrets: [A], github: {api_url: 'http://x/'}}"), "/w");
  EXPECT_EQ(w.dir, "/w/.github/workflows");
  ASSERT_TRUE(w.secrets.has_value());
  EXPECT_EQ(w.secrets->count("A"), 1u);
  EXPECT_FALSE(w.vars.has_value());
  EXPECT_EQ(w.api_url, "http://x");
}

TEST(AgentSettingsTest, TheConfigKnowsTheSystemsFromTheirAgents) {
  std::vector<std::string> names;
  for (const auto& spec : BuiltinSystems()) names.push_back(spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"git", "build", "pm2", "netlify", "workflows"}));
  EXPECT_EQ(DefaultInterval("pm2"), Millis(30'000));
  EXPECT_EQ(DefaultDependsOn("netlify"), std::vector<std::string>{"pm2"});
  // A key an agent declares is accepted; one it does not is refused, with the closest.
  EXPECT_TRUE(ParseConfig("systems: {build: {validate_interval: 1h}}\n", "r.yaml", "/w").ok());
  auto bad = ParseConfig("systems: {build: {validate_intervall: 1h}}\n", "r.yaml", "/w");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("did you mean 'validate_interval'"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace redundancy
