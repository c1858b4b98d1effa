#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "agents/pm2/ecosystem.h"
#include "tests/unit/scratch_dir.h"

namespace redundancy::pm2 {
namespace {

class EcosystemTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_ + "/app.js") << "setInterval(() => {}, 1000);\n"; }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  static bool Has(const Ecosystem& e, const std::string& text, int line = -1) {
    for (const auto& p : e.problems) {
      if (p.message.find(text) != std::string::npos && (line < 0 || p.line == line)) return true;
    }
    return false;
  }
  static std::string All(const Ecosystem& e) {
    std::string s;
    for (const auto& p : e.problems) s += p.Format() + "\n";
    return s;
  }
  ScratchDir scratch_;
  const std::string& dir_ = scratch_.path();
};

TEST_F(EcosystemTest, CleanJsonHasAppsAndNoProblems) {
  auto e = LoadEcosystem(
      Write("ecosystem.json", R"({"apps": [{"name": "api", "script": "app.js", "max_memory_restart": "200M"}]})"),
      "node");
  EXPECT_TRUE(e.problems.empty()) << All(e);
  ASSERT_EQ(e.apps.size(), 1u);
  EXPECT_EQ(e.apps[0].name, "api");
}

TEST_F(EcosystemTest, YamlProblemsCarryTheirLines) {
  auto e = LoadEcosystem(Write("ecosystem.yaml",
                               "apps:\n"
                               "  - name: api\n"
                               "    script: app.js\n"
                               "    max_memory_restar: 200M\n"
                               "  - name: worker\n"
                               "    script: missing.js\n"
                               "    cron_restart: '0 25 * * *'\n"
                               "  - name: api\n"
                               "    script: app.js\n"
                               "  - name: nameless\n"
                               "    max_memory_restart: lots\n"),
                         "node");
  EXPECT_TRUE(Has(e, "unknown key 'max_memory_restar'", 4)) << All(e);
  EXPECT_TRUE(Has(e, "script 'missing.js' not found", 6)) << All(e);
  EXPECT_TRUE(Has(e, "cron_restart '0 25 * * *' field 2 (hour)", 7)) << All(e);
  EXPECT_TRUE(Has(e, "duplicate name (first at line 2)", 8)) << All(e);
  EXPECT_TRUE(Has(e, "missing 'script'", 10)) << All(e);
  EXPECT_TRUE(Has(e, "max_memory_restart 'lots'", 11)) << All(e);
  EXPECT_TRUE(e.HasErrors());
}

TEST_F(EcosystemTest, JavaScriptConfigsGoThroughNode) {
  if (system("command -v node >/dev/null") != 0) GTEST_SKIP() << "no node";
  auto e = LoadEcosystem(Write("ecosystem.config.js",
                               "module.exports = {\n"
                               "  apps: [\n"
                               "    {name: 'api', script: 'app.js', env_production: {X: 1}},\n"
                               "    {name: 'bin', script: 'sleep', interpreter: 'none'},\n"
                               "    {name: 'gone', script: 'nowhere.js'},\n"
                               "  ],\n};\n"),
                         "node");
  ASSERT_EQ(e.apps.size(), 3u) << All(e);
  ASSERT_EQ(e.problems.size(), 1u) << All(e);
  EXPECT_TRUE(Has(e, "script 'nowhere.js' not found", 5)) << All(e);
  auto m = LoadEcosystem(Write("ecosystem.config.mjs", "export default {apps: [{name: 'esm', script: 'app.js'}]};\n"),
                         "node");
  EXPECT_TRUE(m.problems.empty()) << All(m);
  EXPECT_EQ(m.apps.size(), 1u);
}

TEST_F(EcosystemTest, BrokenFilesAreProblemsNotCrashes) {
  EXPECT_TRUE(Has(LoadEcosystem(Write("e.json", "{\"apps\": [ {\"name\": "), "node"), "does not parse"));
  EXPECT_TRUE(Has(LoadEcosystem(dir_ + "/absent.json", "node"), "cannot be read"));
  EXPECT_TRUE(Has(LoadEcosystem(Write("e2.json", "42"), "node"), "no 'apps' list"));
  if (system("command -v node >/dev/null") == 0) {
    EXPECT_TRUE(
        Has(LoadEcosystem(Write("bad.config.js", "module.exports = {apps: [;\n"), "node"), "node cannot load it"));
  }
}

TEST(EcosystemRulesTest, MemorySizes) {
  for (const char* ok : {"200M", "1G", "512K", "1.5G", "100000", "200MB", "64mb"})
    EXPECT_TRUE(ValidMemorySize(ok)) << ok;
  for (const char* bad : {"", "lots", "200X", "-1M", "1 T"}) EXPECT_FALSE(ValidMemorySize(bad)) << bad;
}

TEST(EcosystemRulesTest, CronExpressions) {
  std::string why;
  for (const char* ok : {"0 0 * * *", "*/15 * * * *", "0 3 * * 1-5", "30 0 0 1 1 *", "0,30 8-18/2 * * *"}) {
    EXPECT_TRUE(ValidCron(ok, &why)) << ok << ": " << why;
  }
  for (const char* bad :
       {"", "* * * *", "61 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *", "*/0 * * * *", "a b c d e"}) {
    EXPECT_FALSE(ValidCron(bad, &why)) << bad;
  }
}

}  // namespace
}  // namespace redundancy::pm2
