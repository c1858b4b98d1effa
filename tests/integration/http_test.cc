// redundancyd's HTTP endpoint through the real daemon: /healthz, /metrics in
// the Prometheus text format (every line parses; agent restarts counted),
// /api/status equal to `redundancyctl status --json`, the status page, the
// token, and moving the endpoint by a reload.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/probe.h"
#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class HttpEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() + "/wf");
    fs::copy(std::string(SOURCE_DIR) + "/tests/fixtures/workflows/repo/.github/workflows/pages.yml",
             dir_.path() + "/wf/pages.yml");
    port_ = FreePort();
  }
  std::string Systems() const { return "  workflows: {interval: 1h, dir: " + dir_.path() + "/wf}\n"; }
  void Start(const std::string& http_yaml) {
    d_ = std::make_unique<Daemon>(Systems(), FastOrchestratorYaml(50, false) + http_yaml);
    ASSERT_TRUE(d_->Start({{"REDUNDANCY_TEST_HTTP_TOKEN", "s3cret-http-token"}}));
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  HttpResponse Get(const std::string& path, std::vector<std::string> headers = {}, int port = 0) const {
    return HttpGet("http://127.0.0.1:" + std::to_string(port ? port : port_) + path, headers, Millis(5000));
  }
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Daemon> d_;
};

TEST_F(HttpEndpointTest, HealthzMetricsStatusAndPage) {
  Start("http: {listen: \"127.0.0.1:" + std::to_string(port_) + "\"}\n");
  ASSERT_TRUE(WaitUntil([&] { return Get("/healthz").status == 200; }, 10s)) << d_->ReadLogs();
  ASSERT_TRUE(d_->WaitCheck("workflow:pages.yml", v1::HEALTH_OK, 10s));
  std::string m;
  ASSERT_TRUE(WaitUntil(
      [&] {
        m = Get("/metrics").body;
        return m.find("target=\"workflow:pages.yml\",state=\"ok\"} 1") != std::string::npos;
      },
      5s))
      << m;
  // Every line is a comment or `name{labels} value` in the exposition format.
  const std::regex kLine(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+(NaN)?$)");
  std::istringstream lines(m);
  int samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, kLine)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_NE(m.find("redundancy_up 1"), std::string::npos);
  EXPECT_NE(m.find("redundancy_ready 1"), std::string::npos);
  EXPECT_NE(m.find("redundancy_system_health{system=\"workflows\",state=\"ok\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("redundancy_agent_restarts_total{agent=\"workflows\"} 0"), std::string::npos) << m;
  // A killed agent: counted, and /healthz says so until it is back.
  pid_t pid = d_->Agent("workflows")->pid();
  process::Signal(pid, SIGKILL);
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Get("/metrics").body.find("redundancy_agent_restarts_total{agent=\"workflows\"} 1") != std::string::npos;
      },
      10s));
  EXPECT_TRUE(WaitUntil([&] { return Get("/healthz").status == 200; }, 10s));
  EXPECT_NE(Get("/metrics").body.find("redundancy_events_total{system=\"workflows\",kind=\"agent_exit\"} 1"),
            std::string::npos)
      << Get("/metrics").body;
  // /api/status is `status --json`.
  auto api = nlohmann::json::parse(Get("/api/status").body, nullptr, false);
  auto ctl = nlohmann::json::parse(d_->Ctl("status --json").output, nullptr, false);
  ASSERT_TRUE(api.is_object());
  ASSERT_TRUE(ctl.is_object());
  EXPECT_EQ(api["systems"].size(), ctl["systems"].size());
  EXPECT_EQ(api["systems"][0]["name"], ctl["systems"][0]["name"]);
  EXPECT_EQ(api["systems"][0]["checks"][0]["target"], "workflow:pages.yml") << api.dump(1);
  // The page: a card per system with its checks, refreshing itself, readable on a phone.
  auto page = Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-system=\"workflows\""), std::string::npos);
  EXPECT_NE(page.body.find("workflow:pages.yml"), std::string::npos);
  EXPECT_NE(page.body.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(page.body.find("agent_exit"), std::string::npos) << "the last events";
}

TEST_F(HttpEndpointTest, TokenAndReloadToAnotherPort) {
  Start("http: {listen: \"127.0.0.1:" + std::to_string(port_) + "\", auth_token: \"${REDUNDANCY_TEST_HTTP_TOKEN}\"}\n");
  ASSERT_TRUE(WaitUntil([&] { return Get("/healthz").status == 200; }, 10s)) << "healthz needs no token";
  EXPECT_EQ(Get("/metrics").status, 401);
  EXPECT_EQ(Get("/api/status").status, 401);
  EXPECT_EQ(Get("/metrics", {"Authorization: Bearer wrong"}).status, 401);
  EXPECT_EQ(Get("/metrics", {"Authorization: Bearer s3cret-http-token"}).status, 200);
  EXPECT_EQ(Get("/?token=s3cret-http-token").status, 200);
  EXPECT_EQ(d_->ReadLogs().find("s3cret-http-token"), std::string::npos);
  // A reload moves the endpoint (and drops the token).
  int other = FreePort();
  d_->WriteConfig("workspace: .\n" + FastOrchestratorYaml(50, false) +
                  "http: {listen: \"127.0.0.1:" + std::to_string(other) + "\"}\nsystems:\n" + Systems());
  ASSERT_EQ(d_->Ctl("reload").exit_code, 0);
  EXPECT_TRUE(WaitUntil([&] { return Get("/metrics", {}, other).status == 200; }, 5s));
  EXPECT_EQ(Get("/healthz").status, 0) << "the old port is closed";
}

TEST_F(HttpEndpointTest, BasicAuthForBrowsers) {
  Start("http: {listen: \"127.0.0.1:" + std::to_string(port_) +
        "\", basic_auth: {username: ops, password: \"b4sic-secret\"}}\n");
  ASSERT_TRUE(WaitUntil([&] { return Get("/healthz").status == 200; }, 10s)) << "healthz needs nothing";
  auto denied = Get("/");
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(denied.headers["www-authenticate"].find("Basic realm="), std::string::npos) << "browsers ask for it";
  auto header = httplib::make_basic_authentication_header("ops", "b4sic-secret");
  EXPECT_EQ(Get("/", {header.first + ": " + header.second}).status, 200);
  auto wrong = httplib::make_basic_authentication_header("ops", "guess");
  EXPECT_EQ(Get("/metrics", {wrong.first + ": " + wrong.second}).status, 401);
  EXPECT_EQ(d_->ReadLogs().find("b4sic-secret"), std::string::npos);
}

// Debian's Prometheus scrapes /metrics and answers a query for one of our metrics.
TEST_F(HttpEndpointTest, PrometheusScrapesTheMetrics) {
  Start("http: {listen: \"127.0.0.1:" + std::to_string(port_) + "\"}\n");
  int prom_port = FreePort();
  std::string dir = dir_.path() + "/prometheus";
  WriteFile(dir + "/prometheus.yml",
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n  - job_name: redundancy\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(port_) + "']\n");
  process::SpawnSpec spec;
  spec.exe = "/usr/bin/prometheus";
  spec.args = {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
               "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"};
  auto pid = process::Spawn(spec);
  ASSERT_TRUE(pid.ok()) << pid.error() << " (scripts/setup.sh installs Debian's prometheus)";
  KillOnExit stop{*pid};
  std::string query =
      "/api/v1/query?query=redundancy_check_health%7Btarget%3D%22workflow%3Apages.yml%22%2Cstate%3D%22ok%22%7D";
  nlohmann::json answer;
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto r = HttpGet("http://127.0.0.1:" + std::to_string(prom_port) + query, {}, Millis(2000));
        answer = nlohmann::json::parse(r.body, nullptr, false);
        return answer.is_object() && answer["status"] == "success" && !answer["data"]["result"].empty() &&
               answer["data"]["result"][0]["value"][1] == "1";
      },
      30s))
      << answer.dump();
  EXPECT_EQ(answer["data"]["result"][0]["metric"]["system"], "workflows");
  // And Prometheus saw the target up.
  auto up = nlohmann::json::parse(
      HttpGet("http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/query?query=up%7Bjob%3D%22redundancy%22%7D",
              {}, Millis(2000))
          .body,
      nullptr, false);
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "1") << up.dump();
}

// Any local user can open idle connections to the page. 1,100 of them to a
// daemon held to 1,024 descriptors (systemd's default soft limit): it keeps
// supervising (a killed agent is replaced), answers its control socket, and
// the page serves again once they are gone.
TEST_F(HttpEndpointTest, AFloodOfIdleConnectionsNeverTakesTheDaemonDown) {
  Start("http: {listen: \"127.0.0.1:" + std::to_string(port_) + "\"}\n");
  ASSERT_EQ(RunShell("prlimit --pid " + std::to_string(d_->pid()) + " --nofile=1024:1024"), 0);
  rlimit own{};
  getrlimit(RLIMIT_NOFILE, &own);
  rlimit raised = own;
  raised.rlim_cur = std::max<rlim_t>(own.rlim_cur, std::min<rlim_t>(own.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &raised);
  if (raised.rlim_cur < 1200) GTEST_SKIP() << "this test process may open only " << raised.rlim_cur << " descriptors";
  std::vector<int> fds;
  for (int i = 0; i < 1100; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      continue;
    }
    fds.push_back(fd);
  }
  EXPECT_GT(fds.size(), 1000u);
  auto agent = d_->Agent("workflows");
  ASSERT_TRUE(agent);
  process::Signal(agent->pid(), SIGKILL);
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto a = d_->Agent("workflows");
        return a && a->pid() != agent->pid() && a->pid() > 0 && a->state() == "ready";
      },
      15s))
      << d_->Ctl("status").output;
  EXPECT_EQ(d_->Ctl("status").exit_code, 0);
  EXPECT_TRUE(IsRunning(d_->pid()));
  for (int fd : fds) close(fd);
  setrlimit(RLIMIT_NOFILE, &own);
  EXPECT_TRUE(WaitUntil([&] { return Get("/healthz").status == 200; }, 15s));
  EXPECT_NE(d_->ReadLogs().find("agent_ready"), std::string::npos);
}

}  // namespace
}  // namespace redundancy::testing
