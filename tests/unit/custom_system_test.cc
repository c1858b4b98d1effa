// Custom systems without a daemon: the Monitoring Plugins output parser, the
// exit-code mapping, and config validation of `kind: custom` systems (every
// problem at its file:line and key path).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "agents/custom/checks.h"
#include "agents/custom/plugin_output.h"
#include "agents/custom/settings.h"
#include "common/clock.h"
#include "common/config.h"
#include "tests/unit/scratch_dir.h"

namespace redundancy::custom {
namespace {

TEST(PluginOutputTest, SummaryLongTextAndPerfdataOfEveryLine) {
  auto out = ParsePluginOutput(
      "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
      "/ 15272 MB (77%);\n"
      "/boot 68 MB (69%); | /boot=68MB;88;93;0;98\n"
      "/home=69357MB;253404;253409;0;253414 'with space'=1.5e2s;;;;\n");
  EXPECT_EQ(out.summary, "DISK OK - free space: / 3326 MB (56%);");
  EXPECT_EQ(out.long_text, "/ 15272 MB (77%);\n/boot 68 MB (69%);");
  ASSERT_EQ(out.perfdata.size(), 4u);
  EXPECT_EQ(out.perfdata[0].label(), "/");
  EXPECT_EQ(out.perfdata[0].value(), 2643);
  EXPECT_EQ(out.perfdata[0].uom(), "MB");
  EXPECT_EQ(out.perfdata[0].warn(), "5948");
  EXPECT_EQ(out.perfdata[0].crit(), "5958");
  EXPECT_EQ(out.perfdata[0].min(), "0");
  EXPECT_EQ(out.perfdata[0].max(), "5968");
  EXPECT_EQ(out.perfdata[1].label(), "/boot");
  EXPECT_EQ(out.perfdata[2].label(), "/home");
  EXPECT_EQ(out.perfdata[3].label(), "with space");
  EXPECT_EQ(out.perfdata[3].value(), 150);
  EXPECT_EQ(out.perfdata[3].uom(), "s");
  EXPECT_TRUE(out.problems.empty());
}

TEST(PluginOutputTest, OddButValidItems) {
  auto out = ParsePluginOutput("OK|time=0,5s;;;0 'it''s'=-3 count=12c pct=99.5%;@10:20;~:90 u=U;1;2\n");
  ASSERT_EQ(out.perfdata.size(), 4u) << out.problems.size();
  EXPECT_EQ(out.summary, "OK");
  EXPECT_EQ(out.perfdata[0].value(), 0.5);  // a decimal comma
  EXPECT_EQ(out.perfdata[1].label(), "it's");
  EXPECT_EQ(out.perfdata[1].value(), -3);
  EXPECT_EQ(out.perfdata[2].uom(), "c");
  EXPECT_EQ(out.perfdata[3].uom(), "%");
  EXPECT_EQ(out.perfdata[3].warn(), "@10:20");
  EXPECT_EQ(out.perfdata[3].crit(), "~:90");
}

TEST(PluginOutputTest, BrokenItemsAreProblemsNotFailures) {
  auto out = ParsePluginOutput("WARNING: x | =1 novalue a=b c=12Q9 'open=1 d=4 d=5 e=inf\n");
  EXPECT_EQ(out.summary, "WARNING: x");
  // d once (a series is one label), the rest reported.
  ASSERT_EQ(out.perfdata.size(), 0u);
  EXPECT_GE(out.problems.size(), 5u);
  auto again = ParsePluginOutput("X | d=4 d=5");
  ASSERT_EQ(again.perfdata.size(), 1u);
  EXPECT_EQ(again.perfdata[0].value(), 4);
}

TEST(PluginOutputTest, EmptyAndHugeOutput) {
  EXPECT_EQ(ParsePluginOutput("").summary, "");
  std::string many = "OK |";
  for (int i = 0; i < 500; ++i) many += " m" + std::to_string(i) + "=" + std::to_string(i);
  auto out = ParsePluginOutput(many);
  EXPECT_EQ(out.perfdata.size(), kMaxPerfData);
  EXPECT_FALSE(out.problems.empty());
  std::string label(300, 'x');
  EXPECT_TRUE(ParsePluginOutput("OK | " + label + "=1").perfdata.empty());
  // 100 bytes that are not UTF-8 become 300 once replaced: too long, not kept (fuzz_plugin_output found it).
  EXPECT_TRUE(ParsePluginOutput("OK | " + std::string(100, '\xff') + "=1").perfdata.empty());
  auto odd = ParsePluginOutput("OK | \xff\xfe=1");
  ASSERT_EQ(odd.perfdata.size(), 1u);
  EXPECT_EQ(odd.perfdata[0].label(), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(PluginOutputTest, ExitCodes) {
  EXPECT_EQ(StatusOfExitCode(0), v1::HEALTH_OK);
  EXPECT_EQ(StatusOfExitCode(1), v1::HEALTH_DEGRADED);
  EXPECT_EQ(StatusOfExitCode(2), v1::HEALTH_FAILED);
  EXPECT_EQ(StatusOfExitCode(3), v1::HEALTH_UNKNOWN);
  EXPECT_EQ(StatusOfExitCode(4), v1::HEALTH_UNKNOWN);
  EXPECT_EQ(StatusOfExitCode(-1), v1::HEALTH_UNKNOWN);
  EXPECT_STREQ(ServiceStateName(2), "CRITICAL");
}

class CustomConfigTest : public ::testing::Test {
 protected:
  Result<Config> Parse(const std::string& systems) {
    return ParseConfig("workspace: .\nsystems:\n" + systems, "r.yaml", dir_.path());
  }
  std::string Script(const std::string& name, const std::string& body, mode_t mode = 0755) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), mode);
    return path;
  }
  ScratchDir dir_;
};

TEST_F(CustomConfigTest, AFullCustomSystemParsesInFileOrderAfterTheBuiltInOnes) {
  std::string check = Script("check.sh", "exit 0");
  auto c = Parse(
      "  zeta:\n"
      "    kind: custom\n"
      "    depends_on: [database, pm2]\n"
      "    checks: [{name: up, tcp: 127.0.0.1:8080}]\n"
      "  database:\n"
      "    kind: custom\n"
      "    interval: 30s\n"
      "    env: {PGHOST: 127.0.0.1}\n"
      "    checks:\n"
      "      - name: port\n"
      "        tcp: 127.0.0.1:5432\n"
      "      - name: script\n"
      "        exec: [" +
      check +
      ", -w, '20%']\n"
      "        timeout: 10s\n"
      "      - name: health\n"
      "        http: {url: 'http://127.0.0.1:8080/health', expect_status: 200, expect_body: ok, verify_tls: false}\n"
      "      - name: backup\n"
      "        file: {path: backups/db.dump, max_age: 26h, min_size: 1MB}\n"
      "      - name: postgres\n"
      "        process: {name: postgres, max_rss: 2GB}\n"
      "        recover: [{exec: [true]}, {restart_check_after: 5s}]\n"
      "    recover:\n"
      "      - exec: [true]\n"
      "        timeout: 60s\n"
      "      - wait: 5s\n"
      "  pm2: {}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->systems.size(), 3u);
  EXPECT_EQ(c->systems[0].name, "pm2");
  EXPECT_EQ(c->systems[1].name, "zeta");
  EXPECT_EQ(c->systems[1].kind, "custom");
  EXPECT_EQ(c->systems[1].depends_on, (std::vector<std::string>{"database", "pm2"}));
  EXPECT_EQ(c->systems[2].name, "database");
  EXPECT_EQ(c->systems[2].interval, Millis(30'000));
  auto s = ParseSettings(YAML::Load(c->systems[2].settings_yaml), dir_.path());
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ(s->checks.size(), 5u);
  EXPECT_EQ(s->checks[1].exec.argv[0], check);
  EXPECT_EQ(s->checks[1].exec.env, (std::vector<std::pair<std::string, std::string>>{{"PGHOST", "127.0.0.1"}}));
  EXPECT_EQ(s->checks[3].file.path, dir_.path() + "/backups/db.dump");
  EXPECT_EQ(s->checks[3].file.min_size, 1u << 20);
  EXPECT_EQ(s->checks[4].recover.size(), 2u);
  EXPECT_EQ(s->checks[4].recover[1].kind, Step::Kind::kRecheck);
  EXPECT_EQ(s->recover.size(), 2u);
  EXPECT_EQ(s->recover[0].exec.timeout, Millis(60'000));
  EXPECT_EQ(s->recover[1].wait, Millis(5'000));
}

TEST_F(CustomConfigTest, EveryMistakeAtItsLine) {
  std::string not_exec = Script("plain.sh", "exit 0", 0644);
  struct Case {
    std::string yaml, expected;
  } cases[] = {
      {"  db:\n    checks: []\n",
       "r.yaml:4: systems.db: unknown system (built-in: git, build, pm2, netlify, workflows); a system of your own "
       "needs kind: custom, or agent: PATH"},
      {"  db:\n    kind: pm2\n    checks: []\n",
       "r.yaml:4: systems.db.kind: 'pm2' is not custom (one pm2 system only, under systems.pm2)"},
      {"  pm2: {kind: custom}\n",
       "r.yaml:3: systems.pm2.kind: 'custom': the system named pm2 is the built-in pm2 system; give yours another "
       "name"},
      {"  db:\n    kind: custom\n", "r.yaml:4: systems.db.checks: required key is missing"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        tpc: 1.2.3.4:5\n",
       "r.yaml:7: systems.db.checks[0].tpc: unknown key (did you mean 'tcp'?)"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        tcp: 127.0.0.1:5432\n        exec: [true]\n",
       "r.yaml:6: systems.db.checks[0]: check 'a' has more than one of exec, tcp, http, file, process"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a}\n",
       "r.yaml:6: systems.db.checks[0]: check 'a' needs one of exec, tcp, http, file or process"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        exec: [no-such-plugin-anywhere, -w]\n",
       "r.yaml:7: systems.db.checks[0].exec: cannot find no-such-plugin-anywhere in PATH"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        exec: [" + not_exec + "]\n",
       "r.yaml:7: systems.db.checks[0].exec: " + not_exec + " is not executable"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        exec: ./missing.sh\n",
       "r.yaml:7: systems.db.checks[0].exec: " + dir_.path() + "/missing.sh does not exist"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        exec: pg_isready -h localhost\n",
       "r.yaml:7: systems.db.checks[0].exec: 'pg_isready -h localhost' is one argument: give a list [command, arg, "
       "...], or shell: true"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, tcp: 'localhost'}\n",
       "r.yaml:6: systems.db.checks[0].tcp: 'localhost' is not host:port"},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        http: {url: 'http://x/', expect_body_regex: "
       "'(('}\n",
       "r.yaml:7: systems.db.checks[0].http.expect_body_regex: not a regular expression: "},
      {"  db:\n    kind: custom\n    checks:\n      - name: a\n        process: {pidfile: a.pid, name: x}\n",
       "r.yaml:7: systems.db.checks[0].process: needs one of pidfile or name"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, tcp: 'h:1'}\n      - {name: a, tcp: 'h:2'}\n",
       "r.yaml:7: systems.db.checks[1].name: a second check named 'a'"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, tcp: 'h:1'}\n    recover:\n      - {wait: 1s, exec: "
       "[true]}\n",
       "r.yaml:8: systems.db.recover[0]: a step is one of exec, wait or restart_check_after"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, tcp: 'h:1', user: no-such-user-here, exec: [true]}\n",
       "r.yaml:6: systems.db.checks[0]: check 'a' has more than one of exec, tcp, http, file, process"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, user: no-such-user-here, exec: [true]}\n",
       "r.yaml:6: systems.db.checks[0].user: no such user 'no-such-user-here'"},
      {"  db:\n    kind: custom\n    depends_on: [cache]\n    checks: [{name: a, tcp: 'h:1'}]\n",
       "r.yaml:5: systems.db.depends_on[0]: unknown system 'cache'"},
      {"  db:\n    agent: ./no-agent-here\n",
       "r.yaml:4: systems.db.agent: " + dir_.path() + "/no-agent-here does not exist"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: a, exec: [true], cwd: ./nowhere}\n",
       "r.yaml:6: systems.db.checks[0].cwd: " + dir_.path() + "/nowhere is not a directory"},
      {"  db:\n    kind: custom\n    checks:\n      - {name: '', tcp: 'h:1'}\n",
       "r.yaml:6: systems.db.checks[0].name: a check needs a name of 1 to 100 characters (its target is "
       "<system>:<name>)"},
      {"  'bad name':\n    kind: custom\n    checks: [{name: a, tcp: 'h:1'}]\n",
       "r.yaml:3: systems: 'bad name' is not a usable system name (letters, digits, '-', '_', '.'; at most 64)"},
  };
  for (const auto& c : cases) {
    auto parsed = Parse(c.yaml);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_NE(parsed.error().find(c.expected), std::string::npos) << c.yaml << "\n got: " << parsed.error();
  }
}

TEST_F(CustomConfigTest, AnOwnAgentTakesKeysOfItsOwnAndCustomSystemsDependOnEachOther) {
  std::string agent = Script("my-agent", "exit 0");
  auto c = Parse("  queue:\n    agent: " + agent +
                 "\n    depends_on: [db]\n    broker: amqp://127.0.0.1\n    lanes: [a, b]\n"
                 "  db: {kind: custom, checks: [{name: a, tcp: 'h:1'}]}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->systems.size(), 2u);
  EXPECT_EQ(c->systems[0].name, "queue");
  EXPECT_EQ(c->systems[0].kind, "agent");
  EXPECT_EQ(c->systems[0].agent, agent);
  EXPECT_NE(c->systems[0].settings_yaml.find("broker"), std::string::npos);
  auto cycle = Parse(
      "  a: {kind: custom, depends_on: [b], checks: [{name: x, tcp: 'h:1'}]}\n"
      "  b: {kind: custom, depends_on: [a], checks: [{name: x, tcp: 'h:1'}]}\n");
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().find("dependency cycle"), std::string::npos) << cycle.error();
}

TEST_F(CustomConfigTest, ASecretIsNeverQuotedInAnError) {
  setenv("REDUNDANCY_TEST_CUSTOM_SECRET", "hunter2SECRETxyz", 1);
  auto c = Parse(
      "  db:\n    kind: custom\n    checks:\n      - {name: a, exec: "
      "['/nonexistent/${REDUNDANCY_TEST_CUSTOM_SECRET}']}\n");
  unsetenv("REDUNDANCY_TEST_CUSTOM_SECRET");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().find("hunter2SECRETxyz"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("/nonexistent/*** does not exist"), std::string::npos) << c.error();
}

TEST_F(CustomConfigTest, MaxConcurrentRecoveries) {
  auto c = ParseConfig("orchestrator: {max_concurrent_recoveries: 2}\n", "r.yaml", dir_.path());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->orchestrator.max_concurrent_recoveries, 2);
  auto defaults = ParseConfig("workspace: .\n", "r.yaml", dir_.path());
  ASSERT_TRUE(defaults.ok()) << defaults.error();
  EXPECT_EQ(defaults->orchestrator.max_concurrent_recoveries, 10);
  auto bad = ParseConfig("orchestrator: {max_concurrent_recoveries: 0}\n", "r.yaml", dir_.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("r.yaml:1: orchestrator.max_concurrent_recoveries: must be at least 1"), std::string::npos)
      << bad.error();
}

// The checks themselves, run for real but without a daemon.
TEST_F(CustomConfigTest, ChecksRunAsTheirSpecSays) {
  RealClock clock;
  auto run = [&](const std::string& yaml) {
    auto s = ParseSettings(YAML::Load(yaml), dir_.path());
    EXPECT_TRUE(s.ok()) << s.error();
    return s.ok() ? RunCheck(s->checks[0], "svc", clock) : v1::CheckResult();
  };
  std::string plugin = Script("plugin.sh",
                              "echo \"LOAD WARNING - $GREETING $HOME_SET | load1=5.2;4;8;0; 'disk free'=30%;20;10\"\n"
                              "echo 'second line'\nexit 1");
  auto warn = run("checks: [{name: p, exec: [" + plugin + "], env: {GREETING: hi}}]");
  EXPECT_EQ(warn.target(), "svc:p");
  EXPECT_EQ(warn.status(), v1::HEALTH_DEGRADED);
  EXPECT_EQ(warn.summary(), "LOAD WARNING - hi");
  EXPECT_EQ(warn.perfdata_size(), 2);
  EXPECT_NE(warn.details().find("second line"), std::string::npos);
  EXPECT_NE(warn.details().find("load1: warn 4, crit 8"), std::string::npos) << warn.details();
  // The environment is clean: nothing of ours leaks into a check.
  setenv("REDUNDANCY_SECRET_OF_OURS", "s3cret", 1);
  auto env = run("checks: [{name: e, exec: 'env; exit 0', shell: true}]");
  unsetenv("REDUNDANCY_SECRET_OF_OURS");
  EXPECT_EQ(env.status(), v1::HEALTH_OK);
  EXPECT_EQ(env.details().find("s3cret"), std::string::npos);
  EXPECT_EQ(env.summary().find("s3cret"), std::string::npos);
  EXPECT_EQ(run("checks: [{name: u, exec: 'exit 3', shell: true}]").status(), v1::HEALTH_UNKNOWN);
  EXPECT_EQ(run("checks: [{name: c, exec: 'echo CRITICAL; exit 2', shell: true}]").status(), v1::HEALTH_FAILED);
  auto hung = run("checks: [{name: h, exec: 'sleep 30', shell: true, timeout: 200ms}]");
  EXPECT_EQ(hung.status(), v1::HEALTH_FAILED);
  EXPECT_NE(hung.summary().find("timed out after 200ms"), std::string::npos) << hung.summary();
  // One that closes its output and goes on: the timeout still holds.
  auto t0 = std::chrono::steady_clock::now();
  auto closed = run("checks: [{name: h, exec: 'exec >/dev/null 2>&1; sleep 30', shell: true, timeout: 300ms}]");
  EXPECT_EQ(closed.status(), v1::HEALTH_FAILED);
  EXPECT_NE(closed.summary().find("timed out after 300ms"), std::string::npos) << closed.summary();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  // The head of a long output is kept: the first line is the plugin's summary.
  auto chatty = run("checks: [{name: h, exec: 'echo \"HEAD OK | a=1\"; yes tail | head -c 500000', shell: true}]");
  EXPECT_EQ(chatty.summary(), "HEAD OK");
  EXPECT_EQ(chatty.perfdata_size(), 1);
  // Files.
  std::ofstream(dir_.path() + "/dump") << "header\nOK\n";
  EXPECT_EQ(run("checks: [{name: f, file: {path: dump, contains: OK}}]").status(), v1::HEALTH_OK);
  auto small = run("checks: [{name: f, file: {path: dump, min_size: 1KB}}]");
  EXPECT_EQ(small.status(), v1::HEALTH_FAILED);
  EXPECT_NE(small.summary().find("min_size 1 KB"), std::string::npos) << small.summary();
  EXPECT_EQ(run("checks: [{name: f, file: {path: nothing-here}}]").status(), v1::HEALTH_FAILED);
  // Processes: ourselves by pidfile, and a name nobody has.
  std::ofstream(dir_.path() + "/me.pid") << getpid() << "\n";
  auto me = run("checks: [{name: p, process: {pidfile: me.pid, max_rss: 1KB}}]");
  EXPECT_EQ(me.status(), v1::HEALTH_DEGRADED) << me.summary();
  EXPECT_GT(me.metrics().at("rss_bytes"), 1024);
  EXPECT_EQ(run("checks: [{name: p, process: {name: no-such-process-name}}]").status(), v1::HEALTH_FAILED);
  // TCP to a port nobody listens on.
  EXPECT_EQ(run("checks: [{name: t, tcp: '127.0.0.1:1', timeout: 1s}]").status(), v1::HEALTH_FAILED);
}

}  // namespace
}  // namespace redundancy::custom
