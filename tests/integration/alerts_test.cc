// Alerts through the real daemon and real receivers on 127.0.0.1: a webhook
// that fails twice then accepts (the notification is retried, not lost),
// Debian's prometheus-alertmanager listing the alert on its API, an SMTP
// server (python3-aiosmtpd) receiving the email, an exec command and a file
// of JSON lines; resolved notifications; ack, silence and state across kill -9.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/probe.h"
#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

// A webhook receiver that answers 500 to the first `fail_first` requests.
class Webhook {
 public:
  explicit Webhook(int fail_first) : fail_first_(fail_first) {
    server_.Post("/hook/s3cret-path", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (++requests_ <= fail_first_) {
        res.status = 500;
        res.set_content("not now", "text/plain");
        return;
      }
      bodies_.push_back(req.body);
      res.status = 200;
    });
    server_.Get(R"(/ping/s3cret(/fail)?)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      pings_.push_back(req.path);
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    WaitUntil([this] { return server_.is_running(); }, 5s);
  }
  ~Webhook() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook/s3cret-path"; }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::string ping_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ping/s3cret"; }
  std::vector<std::string> pings() {
    std::lock_guard lock(mu_);
    return pings_;
  }
  std::vector<json> bodies() {
    std::lock_guard lock(mu_);
    std::vector<json> out;
    for (const auto& b : bodies_) out.push_back(json::parse(b, nullptr, false));
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  int fail_first_;
  std::mutex mu_;
  int requests_ = 0;
  std::vector<std::string> bodies_;
  std::vector<std::string> pings_;
  std::thread thread_;
};

class AlertsTest : public ::testing::Test {
 protected:
  std::string StatusFile() const { return dir_.path() + "/git-status"; }
  std::string Systems() const { return "  git: {interval: 200ms, agent: " + TestAgent() + "}\n"; }
  json Alerts() const {
    auto r = d_->Ctl("alerts --json");
    return json::parse(r.output, nullptr, false);
  }
  // The first alert on `target` in `alerts --json`, or null.
  json AlertOn(const std::string& target) const {
    json j = Alerts();
    if (!j.is_object()) return nullptr;
    for (const auto& a : j["alerts"]) {
      if (a["target"] == target && !a.value("one_shot", false)) return a;
    }
    return nullptr;
  }
  TempDir dir_;
  std::unique_ptr<Daemon> d_;
};

TEST_F(AlertsTest, EveryChannelIsToldAndAFailingWebhookIsRetried) {
  Webhook hook(/*fail_first=*/2);
  // Alertmanager, with a receiver that sends nowhere.
  int am_port = FreePort();
  std::string am_dir = dir_.path() + "/am";
  WriteFile(am_dir + "/am.yml", "route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n");
  KillOnExit am;
  {
    process::SpawnSpec spec;
    spec.exe = "/usr/bin/prometheus-alertmanager";
    spec.args = {"--config.file=" + am_dir + "/am.yml", "--storage.path=" + am_dir + "/data",
                 "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
                 "--cluster.listen-address=", "--log.level=warn"};
    auto pid = process::Spawn(spec);
    ASSERT_TRUE(pid.ok()) << pid.error() << " (scripts/setup.sh installs prometheus-alertmanager)";
    am.pid = *pid;
  }
  // An SMTP server writing what it receives to a Maildir.
  int smtp_port = FreePort();
  std::string maildir = dir_.path() + "/mail";
  KillOnExit smtp;
  {
    process::SpawnSpec spec;
    spec.exe = "/usr/bin/python3";
    spec.args = {
        "-m",   "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port), "-c", "aiosmtpd.handlers.Mailbox",
        maildir};
    auto pid = process::Spawn(spec);
    ASSERT_TRUE(pid.ok()) << pid.error() << " (scripts/setup.sh installs python3-aiosmtpd)";
    smtp.pid = *pid;
  }
  std::string base = "http://127.0.0.1:" + std::to_string(am_port);
  ASSERT_TRUE(WaitUntil([&] { return HttpGet(base + "/-/ready", {}, Millis(1000)).status == 200; }, 30s))
      << "alertmanager";
  ASSERT_TRUE(WaitUntil([&] { return ProbeTcp("127.0.0.1:" + std::to_string(smtp_port), Millis(500)).ok; }, 30s))
      << "smtp";

  WriteFile(StatusFile(), "ok\n");
  std::string exec_out = dir_.path() + "/exec.jsonl";
  std::string lines = dir_.path() + "/alerts.jsonl";
  d_ = std::make_unique<Daemon>(Systems(), FastOrchestratorYaml() +
                                               "alerts:\n  settle: 300ms\n"
                                               "  threshold: 2\n"
                                               "  repeat_interval: 1h\n"
                                               "  channels:\n"
                                               "    - {type: webhook, name: hook, url: \"${TEST_WEBHOOK_URL}\"}\n"
                                               "    - {type: alertmanager, url: \"" +
                                               base +
                                               "\"}\n"
                                               "    - {type: email, smtp: \"smtp://127.0.0.1:" +
                                               std::to_string(smtp_port) +
                                               "\", from: redundancy@example.org, to: [ops@example.org]}\n"
                                               "    - {type: exec, command: \"cat >> " +
                                               exec_out + "; echo >> " + exec_out +
                                               "\"}\n"
                                               "    - {type: file, path: " +
                                               lines + "}\n");
  d_->SetMode("git status_file " + StatusFile() + "\n");
  ASSERT_TRUE(d_->Start({{"TEST_WEBHOOK_URL", hook.url()}}));
  ASSERT_TRUE(d_->WaitAllReady(10s));
  ASSERT_TRUE(d_->WaitCheck("git:test", v1::HEALTH_OK, 10s));
  EXPECT_TRUE(AlertOn("git:test").is_null());

  WriteFile(StatusFile(), "failed\n");
  json alert;
  ASSERT_TRUE(WaitUntil(
      [&] {
        alert = AlertOn("git:test");
        return !alert.is_null();
      },
      10s))
      << d_->ReadLogs();
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["severity"], "critical");
  EXPECT_EQ(d_->Ctl("alerts").exit_code, 1) << "exit 1 while an alert fires";

  // The webhook: two failures, then the same notification goes through.
  ASSERT_TRUE(WaitUntil([&] { return !hook.bodies().empty(); }, 20s)) << d_->ReadLogs();
  EXPECT_EQ(hook.requests(), 3);
  json body = hook.bodies()[0];
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["group"], "git");
  EXPECT_EQ(body["alerts"][0]["labels"]["target"], "git:test");
  EXPECT_EQ(body["alerts"][0]["id"], alert["id"]);
  // The dispatcher records the outcome right after the receiver answered.
  EXPECT_TRUE(WaitUntil(
      [&] {
        json all = Alerts();
        for (const auto& d : all["deliveries"]) {
          if (d["channel"] == "hook" && d["state"] == "delivered") return d["attempts"] == 3;
        }
        return false;
      },
      5s))
      << Alerts().dump(1);

  // Alertmanager lists it.
  json am_alerts;
  EXPECT_TRUE(WaitUntil(
      [&] {
        am_alerts = json::parse(HttpGet(base + "/api/v2/alerts", {}, Millis(2000)).body, nullptr, false);
        return am_alerts.is_array() && !am_alerts.empty();
      },
      10s));
  ASSERT_TRUE(am_alerts.is_array() && !am_alerts.empty()) << am_alerts.dump();
  EXPECT_EQ(am_alerts[0]["labels"]["target"], "git:test");
  EXPECT_EQ(am_alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(am_alerts[0]["status"]["state"], "active");

  // The email, as the SMTP server received it.
  std::string mail;
  EXPECT_TRUE(WaitUntil(
      [&] {
        if (!fs::exists(maildir + "/new")) return false;
        for (const auto& e : fs::directory_iterator(maildir + "/new")) mail = ReadFile(e.path().string());
        return !mail.empty();
      },
      10s));
  EXPECT_NE(mail.find("Subject: [redundancy] FIRING:1 git"), std::string::npos) << mail;
  EXPECT_NE(mail.find("git:test"), std::string::npos) << mail;

  // exec got the JSON on its stdin; the file has one JSON line per notification.
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(exec_out).find("\"git:test\"") != std::string::npos; }, 10s));
  EXPECT_TRUE(json::parse(ReadFile(exec_out), nullptr, false).is_object()) << ReadFile(exec_out);
  ASSERT_TRUE(WaitUntil([&] { return !ReadFile(lines).empty(); }, 10s));
  EXPECT_EQ(json::parse(ReadFile(lines))["alerts"][0]["status"], "firing");

  // Fixed: every channel hears of the end.
  WriteFile(StatusFile(), "ok\n");
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto b = hook.bodies();
        return b.size() == 2 && b[1]["status"] == "resolved";
      },
      10s))
      << hook.bodies().size();
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto a = json::parse(HttpGet(base + "/api/v2/alerts?active=true", {}, Millis(2000)).body, nullptr, false);
        return a.is_array() && a.empty();
      },
      10s))
      << "alertmanager resolved it";
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(lines).find("\"resolved\"") != std::string::npos; }, 10s));
  EXPECT_EQ(d_->Ctl("alerts").exit_code, 0);

  // The webhook URL (a secret) is nowhere: logs, status, history, alerts.
  std::string url = hook.url();
  EXPECT_EQ(d_->ReadLogs().find("s3cret-path"), std::string::npos);
  EXPECT_EQ(d_->Ctl("status --json").output.find("s3cret-path"), std::string::npos);
  EXPECT_EQ(d_->Ctl("history --json").output.find("s3cret-path"), std::string::npos);
  EXPECT_EQ(d_->Ctl("alerts --json").output.find("s3cret-path"), std::string::npos);
  std::string history = d_->Ctl("history").output;
  EXPECT_NE(history.find("alert_firing"), std::string::npos);
  EXPECT_NE(history.find("alert_resolved"), std::string::npos);
}

TEST_F(AlertsTest, AckSilenceAndUndeliveredNotificationsSurviveKill9) {
  int port = FreePort();  // nobody listens yet: every delivery fails
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook/s3cret-path";
  WriteFile(StatusFile(), "failed\n");
  d_ = std::make_unique<Daemon>(
      Systems(), FastOrchestratorYaml() +
                     "alerts:\n  settle: 300ms\n  channels:\n    - {type: webhook, name: hook, url: \"" + url +
                     "\"}\n");
  d_->SetMode("git status_file " + StatusFile() + "\n");
  ASSERT_TRUE(d_->Start());
  json alert;
  ASSERT_TRUE(WaitUntil(
      [&] {
        alert = AlertOn("git:test");
        return !alert.is_null();
      },
      10s))
      << d_->ReadLogs();
  std::string id = std::to_string(alert["id"].get<int64_t>());
  ASSERT_TRUE(WaitUntil(
      [&] {
        json all = Alerts();
        for (const auto& d : all["deliveries"]) {
          if (d["state"] == "pending" && d["attempts"].get<int>() >= 1) return true;
        }
        return false;
      },
      10s))
      << Alerts().dump(1);
  EXPECT_NE(d_->Ctl("alerts").output.find("pending notification"), std::string::npos);

  EXPECT_EQ(d_->Ctl("alerts ack 999").exit_code, 1);
  EXPECT_EQ(d_->Ctl("alerts ack x").exit_code, 2);
  auto ack = d_->Ctl("alerts ack " + id);
  EXPECT_EQ(ack.exit_code, 0) << ack.output;
  auto silence = d_->Ctl("alerts silence git --for 2h");
  EXPECT_EQ(silence.exit_code, 0) << silence.output;
  EXPECT_EQ(d_->Ctl("alerts silence git --for soon").exit_code, 2);
  EXPECT_NE(AlertOn("git:test")["acked_by"].get<std::string>().find("uid"), std::string::npos);

  // kill -9, then the receiver comes up, then the daemon: the old notification is delivered.
  d_->Kill(SIGKILL);
  Webhook hook(0);
  // (the receiver has a port of its own: the config is pointed at it, under the same channel name)
  d_->WriteConfig("workspace: .\n" + FastOrchestratorYaml() +
                  "alerts:\n  settle: 300ms\n  channels:\n    - {type: webhook, name: hook, url: \"" + hook.url() +
                  "\"}\nsystems:\n" + Systems());
  ASSERT_TRUE(d_->Start());
  ASSERT_TRUE(WaitUntil([&] { return !hook.bodies().empty(); }, 15s)) << d_->ReadLogs();
  EXPECT_EQ(hook.bodies()[0]["alerts"][0]["id"].get<int64_t>(), std::stoll(id));
  json after = AlertOn("git:test");
  ASSERT_FALSE(after.is_null());
  EXPECT_EQ(after["id"], alert["id"]) << "the same alert, not a new one";
  EXPECT_FALSE(after["acked_by"].get<std::string>().empty());
  EXPECT_EQ(Alerts()["silences"][0]["target"], "git");
  EXPECT_EQ(d_->Ctl("alerts unsilence git").exit_code, 0);
  EXPECT_EQ(d_->Ctl("alerts unsilence git").exit_code, 1);
}

// Rules through the binaries: build depends on git, so build's alert is held
// back while git's fires; a level-2 channel hears only once the alert has
// gone unacknowledged for escalate_after.
TEST_F(AlertsTest, InhibitionAndEscalationThroughTheDaemon) {
  std::string l1 = dir_.path() + "/l1.jsonl", l2 = dir_.path() + "/l2.jsonl";
  WriteFile(StatusFile(), "failed\n");
  d_ = std::make_unique<Daemon>(Systems() + "  build: {interval: 200ms, agent: " + TestAgent() + "}\n",
                                FastOrchestratorYaml() +
                                    "alerts:\n  settle: 300ms\n  escalate_after: 1500ms\n  channels:\n"
                                    "    - {type: file, name: first, path: " +
                                    l1 +
                                    "}\n"
                                    "    - {type: file, name: second, path: " +
                                    l2 + ", level: 2}\n");
  d_->SetMode("git status_file " + StatusFile() + "\nbuild status failed\n");
  ASSERT_TRUE(d_->Start());
  json build;
  ASSERT_TRUE(WaitUntil(
      [&] {
        build = AlertOn("build:test");
        return !build.is_null() && build["held"] == "inhibited by git";
      },
      10s))
      << Alerts().dump(1);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(l1).find("git:test") != std::string::npos; }, 10s));
  EXPECT_EQ(ReadFile(l1).find("build:test"), std::string::npos) << "held back while git fires";
  EXPECT_EQ(ReadFile(l2).find("git:test"), std::string::npos) << "level 2 not reached yet";
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(l2).find("git:test") != std::string::npos; }, 10s)) << "escalated";
  EXPECT_EQ(AlertOn("git:test")["level"], 2);
  // git recovers: build's alert, still firing, is notified now.
  WriteFile(StatusFile(), "ok\n");
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(l1).find("build:test") != std::string::npos; }, 10s)) << Alerts().dump(1);
}

// The dead man's switch through the daemon: pinged every interval, its URL
// kept out of the logs, and no /fail on a clean stop.
TEST_F(AlertsTest, DeadMansSwitchIsPingedEveryInterval) {
  Webhook hook(0);
  WriteFile(StatusFile(), "ok\n");
  d_ = std::make_unique<Daemon>(Systems(), FastOrchestratorYaml() + "alerts:\n  settle: 300ms\n  deadman: {url: \"" +
                                               hook.ping_url() + "\", interval: 200ms}\n");
  d_->SetMode("git status_file " + StatusFile() + "\n");
  ASSERT_TRUE(d_->Start());
  ASSERT_TRUE(WaitUntil([&] { return hook.pings().size() >= 3; }, 10s)) << d_->ReadLogs();
  ASSERT_TRUE(
      d_->Control(v1::ControlRequest::STOP).ok());  // (our child: `redundancyctl stop` would wait for its reaping)
  EXPECT_EQ(d_->WaitExit(10s), 0);
  for (const auto& p : hook.pings()) EXPECT_EQ(p, "/ping/s3cret") << "a clean stop is no failure";
  EXPECT_EQ(d_->ReadLogs().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace redundancy::testing
