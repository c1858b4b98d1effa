// The dead man's switch against a real HTTP server on 127.0.0.1: pings every
// interval, /fail once on an error stop, nothing more on a clean stop.
#include "orchestrator/deadman.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace redundancy {
namespace {

struct Server {
  Server() {
    srv.Get(R"(/ping/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      paths.push_back(req.path);
      res.set_content("ok", "text/plain");
    });
    port = srv.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { srv.listen_after_bind(); });
  }
  ~Server() {
    srv.stop();
    thread.join();
  }
  std::vector<std::string> Paths() {
    std::lock_guard lock(mu);
    return paths;
  }
  bool Wait(const std::function<bool(const std::vector<std::string>&)>& f) {
    for (int i = 0; i < 500; ++i) {  // up to 5 s
      if (f(Paths())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  httplib::Server srv;
  std::mutex mu;
  std::vector<std::string> paths;
  int port = 0;
  std::thread thread;
};

TEST(DeadmanTest, PingsEveryIntervalAndReportsAnErrorStop) {
  Server s;
  Deadman d;
  d.Start("http://127.0.0.1:" + std::to_string(s.port) + "/ping/abc", std::chrono::milliseconds(20));
  EXPECT_TRUE(s.Wait([](const auto& p) { return p.size() >= 3; }));
  d.Stop(/*failed=*/true);
  auto p = s.Paths();
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.back(), "/ping/abc/fail");
  EXPECT_EQ(std::count(p.begin(), p.end(), "/ping/abc/fail"), 1);
  EXPECT_EQ(p.front(), "/ping/abc");
}

TEST(DeadmanTest, ACleanStopSendsNoFail) {
  Server s;
  Deadman d;
  d.Start("http://127.0.0.1:" + std::to_string(s.port) + "/ping/x", std::chrono::milliseconds(20));
  EXPECT_TRUE(s.Wait([](const auto& p) { return !p.empty(); }));
  d.Stop(false);
  for (const auto& path : s.Paths()) EXPECT_EQ(path, "/ping/x");
  EXPECT_FALSE(d.running());
}

TEST(DeadmanTest, AnUnreachableUrlNeverBlocksStop) {
  Deadman d;
  d.Start("http://127.0.0.1:9/ping", std::chrono::milliseconds(10));  // discard port: refused at once
  d.Stop(true);
  EXPECT_FALSE(d.running());
}

}  // namespace
}  // namespace redundancy
