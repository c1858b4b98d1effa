#include "common/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace redundancy {
namespace {

Result<Config> Parse(const std::string& yaml) { return ParseConfig(yaml, "r.yaml", "/srv/app"); }

TEST(ConfigTest, DefaultsAndPaths) {
  auto c = Parse("systems:\n  git: {}\n  build: {}\n  pm2: {}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->workspace, "/srv/app");
  EXPECT_EQ(c->state_dir, "/srv/app/.redundancy");
  EXPECT_EQ(c->log_dir, "/srv/app/.redundancy/logs");
  EXPECT_EQ(c->orchestrator.heartbeat_interval, Millis(5000));
  EXPECT_EQ(c->orchestrator.agent_restart.max_restarts, 5);
  ASSERT_EQ(c->systems.size(), 3u);
  EXPECT_EQ(c->systems[0].name, "git");
  EXPECT_EQ(c->FindSystem("build")->depends_on, std::vector<std::string>{"git"});
  EXPECT_EQ(c->FindSystem("pm2")->depends_on, std::vector<std::string>{"build"});
  EXPECT_EQ(c->FindSystem("git")->interval, Millis(60'000));
  EXPECT_EQ(c->FindSystem("build")->interval, Millis(600'000));
  EXPECT_EQ(c->FindSystem("pm2")->interval, Millis(30'000));
}

TEST(ConfigTest, HttpLoggingAndDeadman) {
  auto c = Parse(
      "http: {listen: \"\", auth_token: t0k3n}\nlogging: {rotate_every: 6h, max_age: 7d, compress: false}\n"
      "alerts: {deadman: {url: \"http://127.0.0.1:8000/ping/x\", interval: 30s}}\nsystems: {}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->http_listen, "");
  EXPECT_EQ(c->http_auth_token, "t0k3n");
  EXPECT_EQ(c->logging.rotate_every, Millis(6LL * 3600 * 1000));
  EXPECT_EQ(c->logging.max_age, Millis(7LL * 24 * 3600 * 1000));
  EXPECT_FALSE(c->logging.compress);
  EXPECT_EQ(c->deadman_url, "http://127.0.0.1:8000/ping/x");
  EXPECT_EQ(c->deadman_interval, Millis(30000));
  auto bad = Parse("alerts: {deadman: {interval: 30s}}\nsystems: {}\n");
  EXPECT_FALSE(bad.ok());
}

TEST(ConfigTest, FullExampleParses) {
  auto c = Parse(R"(
workspace: .
state_dir: .redundancy
log_dir: .redundancy/logs
orchestrator:
  heartbeat_interval: 500ms
  heartbeat_liveness: 3
  agent_restart: {backoff_initial: 100ms, backoff_max: 30s, max_restarts: 5, within: 60s}
http: {listen: 127.0.0.1:9464}
systems:
  git:       {interval: 60s, remote: origin, branch: main, strategy: pull}
  build:     {interval: 10m, depends_on: [git], validate: "npm run build --if-present"}
  pm2:       {interval: 30s, depends_on: [build], pm2_home: ~/.pm2, pm2_bin: pm2,
              max_restart_attempts: 3, restart_delay: 5s, backup_processes: true, backup_prefix: "backup-"}
  workflows: {interval: 5m, dir: .github/workflows, restore: true}
  netlify:   {interval: 10m, functions_dir: netlify/functions, regenerate_manifest: true}
alerts:
  cooldown: 15m
  channels: [{type: webhook, url: "http://127.0.0.1:1/x"}, {type: slack, url: "http://127.0.0.1:1/y"}]
)");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->systems.size(), 5u);
  EXPECT_EQ(c->FindSystem("build")->interval, Millis(600'000));
  EXPECT_EQ(c->FindSystem("workflows")->depends_on.size(), 0u);
}

TEST(ConfigTest, DisabledSystemIsLeftOutAndDependenciesOnItDropped) {
  auto c = Parse("systems:\n  git: {enabled: false}\n  build: {}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->systems.size(), 1u);
  EXPECT_TRUE(c->FindSystem("build")->depends_on.empty());
}

TEST(ConfigTest, EnvSubstitutionMarksSecrets) {
  setenv("REDUNDANCY_TEST_TOKEN", "s3cr3t-token", 1);
  auto c = Parse("systems:\n  workflows:\n    github: {repo: a/b, token: \"${REDUNDANCY_TEST_TOKEN}\"}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_NE(c->FindSystem("workflows")->settings_yaml.find("s3cr3t-token"), std::string::npos);
  EXPECT_EQ(c->secrets, std::vector<std::string>{"s3cr3t-token"});
}

TEST(ConfigTest, DollarDollarIsALiteralDollar) {
  auto c = Parse("systems:\n  build: {validate: \"echo $${HOME}\"}\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_NE(c->FindSystem("build")->settings_yaml.find("echo ${HOME}"), std::string::npos);
}

TEST(ConfigTest, ReportsEveryProblemNotOnlyTheFirst) {
  auto c = Parse("bogus: 1\nsystems:\n  git: {interval: soon, strategy: merge}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("r.yaml:1: bogus"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("r.yaml:3: systems.git.interval"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("r.yaml:3: systems.git.strategy"), std::string::npos) << c.error();
}

struct BrokenCase {
  std::string name;
  std::string yaml;
  std::string expected;  // an exact line of the error output
};

class BrokenConfigTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenConfigTest, ExactMessage) {
  unsetenv("REDUNDANCY_UNSET_VAR");
  const BrokenCase& bc = GetParam();
  auto c = Parse(bc.yaml);
  ASSERT_FALSE(c.ok()) << bc.name;
  std::string all = "\n" + c.error() + "\n";
  EXPECT_NE(all.find("\n" + std::string(bc.expected) + "\n"), std::string::npos)
      << "expected line: " << bc.expected << "\ngot:\n"
      << c.error();
}

const BrokenCase kBroken[] = {
    {"unknown_top_key", "wokspace: .\n", "r.yaml:1: wokspace: unknown key (did you mean 'workspace'?)"},
    {"unknown_system_key", "systems:\n  pm2:\n    intervall: 30s\n",
     "r.yaml:3: systems.pm2.intervall: unknown key (did you mean 'interval'?)"},
    {"unknown_system", "systems:\n  docker: {}\n",
     "r.yaml:2: systems.docker: unknown system (built-in: git, build, pm2, netlify, workflows); a system of your own "
     "needs kind: custom, or agent: PATH"},
    {"unit_name_as_option", "systems:\n  pm2: {daemon_unit: \"--help\"}\n",
     "r.yaml:2: systems.pm2.daemon_unit: '--help' is not a usable name (no leading '-', spaces or control characters, "
     "at most 255 bytes)"},
    {"unit_name_with_spaces", "systems:\n  pm2: {daemon_unit: \"-H root@host x\"}\n",
     "r.yaml:2: systems.pm2.daemon_unit: '-H root@host x' is not a usable name (no leading '-', spaces or control "
     "characters, at most 255 bytes)"},
    {"bad_duration_word", "systems:\n  git: {interval: often}\n",
     "r.yaml:2: systems.git.interval: 'often' is not a duration; expected a duration like 500ms, 30s, 10m, 1h or "
     "1h30m"},
    {"duration_without_unit", "orchestrator:\n  heartbeat_interval: 500\n",
     "r.yaml:2: orchestrator.heartbeat_interval: '500' has no unit; expected a duration like 500ms, 30s, 10m, 1h or "
     "1h30m"},
    {"duration_bad_unit", "systems:\n  git: {interval: 5y}\n",
     "r.yaml:2: systems.git.interval: '5y' has unknown unit 'y'; expected a duration like 500ms, 30s, 10m, 1h or "
     "1h30m"},
    {"duration_zero", "systems:\n  git: {interval: 0s}\n",
     "r.yaml:2: systems.git.interval: must be at least 1ms, got 0s"},
    {"heartbeat_too_small", "orchestrator:\n  heartbeat_interval: 1ms\n",
     "r.yaml:2: orchestrator.heartbeat_interval: must be at least 10ms, got 1ms"},
    {"int_wrong_type", "orchestrator:\n  heartbeat_liveness: three\n",
     "r.yaml:2: orchestrator.heartbeat_liveness: expected an integer, got 'three'"},
    {"int_too_small", "orchestrator:\n  heartbeat_liveness: 0\n",
     "r.yaml:2: orchestrator.heartbeat_liveness: must be at least 1, got 0"},
    {"bool_wrong_type", "systems:\n  workflows: {restore: maybe}\n",
     "r.yaml:2: systems.workflows.restore: expected true or false, got 'maybe'"},
    {"enum_bad_value", "systems:\n  git: {strategy: merge}\n",
     "r.yaml:2: systems.git.strategy: 'merge' is not one of pull, hardreset, rebase"},
    {"string_got_list", "systems:\n  git: {branch: [a, b]}\n",
     "r.yaml:2: systems.git.branch: expected a name, got a list"},
    {"agent_settings_check",
     "systems:\n  pm2:\n    pm2_home: /x\n    health:\n      api: {url: \"http://127.0.0.1:1/\"}\n      web:\n        "
     "timeout: 2s\n",
     "r.yaml:7: systems.pm2.health.web: needs url or tcp"},
    {"health_probe_keys", "systems:\n  pm2:\n    health:\n      web: {url: \"http://127.0.0.1:1/\", failures: three}\n",
     "r.yaml:4: systems.pm2.health.web.failures: expected an integer, got 'three'"},
    {"health_probe_port", "systems:\n  pm2:\n    health:\n      web: {tcp: \"127.0.0.1:99999\"}\n",
     "r.yaml:4: systems.pm2.health.web.tcp: '127.0.0.1:99999': the port must be a number from 1 to 65535"},
    {"map_got_scalar", "orchestrator: fast\n", "r.yaml:1: orchestrator: expected a mapping of keys, got 'fast'"},
    {"depends_on_unknown", "systems:\n  git: {}\n  build: {depends_on: [gti]}\n",
     "r.yaml:3: systems.build.depends_on[0]: unknown system 'gti'"},
    {"depends_on_self", "systems:\n  git: {depends_on: [git]}\n",
     "r.yaml:2: systems.git.depends_on[0]: a system cannot depend on itself"},
    {"dependency_cycle", "systems:\n  git: {depends_on: [pm2]}\n  build: {}\n  pm2: {}\n",
     "r.yaml:2: systems.git.depends_on: dependency cycle git -> pm2 -> build -> git"},
    {"duplicate_key", "systems:\n  git:\n    interval: 1s\n    interval: 2s\n",
     "r.yaml:4: systems.git.interval: duplicate key (first at line 3)"},
    {"duplicate_system", "systems:\n  git: {}\n  git: {}\n", "r.yaml:3: systems.git: duplicate system"},
    {"missing_env", "systems:\n  workflows:\n    github: {token: \"${REDUNDANCY_UNSET_VAR}\"}\n",
     "r.yaml:3: systems.workflows.github.token: environment variable REDUNDANCY_UNSET_VAR is not set"},
    {"unterminated_env", "systems:\n  build: {validate: \"${OOPS\"}\n",
     "r.yaml:2: systems.build.validate: unterminated ${ in '${OOPS'"},
    {"yaml_syntax", "systems:\n  git: {interval: 1s\n", "r.yaml:3:1: YAML syntax error: end of map flow not found"},
    {"top_level_list", "- a\n- b\n", "r.yaml:1: (top level): expected a mapping of keys, got a list"},
    {"empty_file", "", "r.yaml:1: (top level): the file is empty; expected a mapping of keys"},
    {"backoff_order", "orchestrator:\n  agent_restart: {backoff_initial: 1m, backoff_max: 1s}\n",
     "r.yaml:2: orchestrator.agent_restart.backoff_initial: must not exceed backoff_max (1s)"},
    {"bad_size", "logging:\n  max_size: lots\n",
     "r.yaml:2: logging.max_size: 'lots' is not a size; expected a size like 10MB (at most 1PB)"},
    // Hostile values: errors with file and line, never an exception, a wrap-around or a crash.
    {"huge_size", "logging:\n  max_size: 99999999999999999999TB\n",
     "r.yaml:2: logging.max_size: '99999999999999999999TB' is too large; expected a size like 10MB (at most 1PB)"},
    {"size_of_2_to_the_64", "logging:\n  max_size: 17179869184GB\n",
     "r.yaml:2: logging.max_size: '17179869184GB' is too large; expected a size like 10MB (at most 1PB)"},
    {"huge_duration", "orchestrator:\n  heartbeat_interval: 1" + std::string(308, '0') + "s\n",
     "r.yaml:2: orchestrator.heartbeat_interval: a duration of 310 characters; expected a duration like 500ms, 30s, "
     "10m, 1h or 1h30m"},
    {"long_duration", "orchestrator:\n  heartbeat_interval: 999999999999d\n",
     "r.yaml:2: orchestrator.heartbeat_interval: '999999999999d' is too long (at most 3650d)"},
    {"recursive_alias", "systems: &s {git: *s}\n", "r.yaml:1:10: a recursive alias: this node contains itself"},
    {"alias_bomb",
     "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, "
     "*b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
     "r.yaml:1:20: the document expands to more than 20000 nodes (aliases count each time they are used)"},
    {"port_out_of_range", "http:\n  listen: 127.0.0.1:99999\n",
     "r.yaml:2: http.listen: '127.0.0.1:99999': the port must be a number from 1 to 65535"},
    {"remote_option", "systems:\n  git: {remote: --upload-pack=touch /tmp/pwned}\n",
     "r.yaml:2: systems.git.remote: '--upload-pack=touch /tmp/pwned' is not a usable name (no leading '-', spaces or "
     "control characters, at most 255 bytes)"},
    {"bad_log_level", "logging:\n  level: loud\n",
     "r.yaml:2: logging.level: 'loud' is not one of trace, debug, info, warn, error"},
    {"channel_without_type", "alerts:\n  channels:\n    - {url: x}\n",
     "r.yaml:3: alerts.channels[0].type: required key is missing"},
    {"channel_bad_type", "alerts:\n  channels:\n    - {type: pager}\n",
     "r.yaml:3: alerts.channels[0].type: 'pager' is not one of webhook, slack, alertmanager, email, exec, file"},
    {"webhook_url_not_a_url", "alerts:\n  channels:\n    - {type: webhook, url: 'htp:/bad url?token=SECRET1'}\n",
     "r.yaml:3: alerts.channels[0].url: not an http:// or https:// URL with a host (the value is not shown: it may "
     "hold a secret)"},
    {"webhook_url_without_host", "alerts:\n  channels:\n    - {type: slack, url: 'https:///hooks/x'}\n",
     "r.yaml:3: alerts.channels[0].url: not an http:// or https:// URL with a host (the value is not shown: it may "
     "hold a secret)"},
    {"smtp_url_wrong_scheme",
     "alerts:\n  channels:\n    - {type: email, smtp: 'http://127.0.0.1:25', from: a@b.c, to: [d@e.f]}\n",
     "r.yaml:3: alerts.channels[0].smtp: not an smtp:// or smtps:// URL with a host (the value is not shown: it may "
     "hold a secret)"},
    {"deadman_url_not_a_url", "alerts:\n  deadman: {url: 'ftp://127.0.0.1/x'}\n",
     "r.yaml:2: alerts.deadman.url: not an http:// or https:// URL with a host (the value is not shown: it may hold a "
     "secret)"},
    {"list_item_not_string", "systems:\n  build: {artifacts: [{a: 1}]}\n",
     "r.yaml:2: systems.build.artifacts[0]: expected a string, got a mapping"},
    {"fleet_without_etcd", "fleet: {name: web-1}\n", "r.yaml:1: fleet.etcd: required key is missing"},
    {"fleet_etcd_not_a_url", "fleet:\n  etcd: [127.0.0.1:2379]\n",
     "r.yaml:2: fleet.etcd: '127.0.0.1:2379' is not an http:// or https:// URL"},
    {"fleet_bad_name", "fleet:\n  etcd: [http://127.0.0.1:2379]\n  name: web/1\n",
     "r.yaml:3: fleet.name: 'web/1' must be 1-63 letters, digits, '-', '_' or '.'"},
    {"fleet_short_lease", "fleet:\n  etcd: [http://127.0.0.1:2379]\n  lease: 500ms\n",
     "r.yaml:3: fleet.lease: must be at least 2s, got 500ms"},
    {"fleet_without_pipeline", "pipeline: {enabled: false}\nfleet:\n  etcd: [http://127.0.0.1:2379]\n",
     "r.yaml:1: pipeline.enabled: must be true with fleet: (hosts deploy through it)"},
    {"fleet_zero_canary", "fleet:\n  etcd: [http://127.0.0.1:2379]\n  rollout: {canary: 0}\n",
     "r.yaml:3: fleet.rollout.canary: must be at least 1, got 0"},
};

TEST(ConfigTest, ABadChannelUrlIsRefusedWithoutBeingQuoted) {
  auto c = Parse("alerts:\n  channels:\n    - {type: webhook, url: 'htp:/bad url?token=SECRET1'}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().find("SECRET1"), std::string::npos) << c.error();
  EXPECT_TRUE(Parse("alerts:\n  channels:\n    - {type: webhook, url: 'https://hooks.example.com/x?token=T'}\n").ok());
}

INSTANTIATE_TEST_SUITE_P(Table, BrokenConfigTest, ::testing::ValuesIn(kBroken),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace redundancy
