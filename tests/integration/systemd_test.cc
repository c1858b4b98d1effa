// redundancyd under systemd's notify protocol: READY=1 once every agent is
// ready, WATCHDOG=1 pings from the event loop, STOPPING=1 on shutdown.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

using namespace std::chrono_literals;

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  // Everything received so far, appended to `all`.
  void Drain(std::string* all) {
    char buf[4096];
    for (int i = 0; i < 100; ++i) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      all->append(buf, static_cast<size_t>(n));
      all->push_back('\n');
    }
  }

 private:
  std::string path_;
  int fd_;
  bool bound_;
};

TEST(SystemdTest, NotifiesReadyWatchdogAndStopping) {
  Daemon d("  git: {interval: 1s}\n  build: {interval: 1s}\n");
  NotifySocket notify(d.dir().path() + "/notify.sock");
  ASSERT_TRUE(notify.bound());
  ASSERT_TRUE(d.Start({{"NOTIFY_SOCKET", d.dir().path() + "/notify.sock"}, {"WATCHDOG_USEC", "200000"}}));
  std::string got;
  ASSERT_TRUE(WaitUntil(
      [&] {
        notify.Drain(&got);
        return got.find("READY=1") != std::string::npos;
      },
      10s))
      << got;
  // READY=1 only once both agents are ready.
  auto s = d.Status();
  for (const auto& a : s->agents()) EXPECT_EQ(a.state(), "ready");
  // WatchdogSec=0.2s: pings at least every 100 ms; several arrive.
  ASSERT_TRUE(WaitUntil(
      [&] {
        notify.Drain(&got);
        size_t count = 0;
        for (size_t p = got.find("WATCHDOG=1"); p != std::string::npos; p = got.find("WATCHDOG=1", p + 1)) ++count;
        return count >= 3;
      },
      5s))
      << got;
  process::Signal(d.pid(), SIGTERM);
  EXPECT_EQ(d.WaitExit(5s), 0);
  notify.Drain(&got);
  EXPECT_NE(got.find("STOPPING=1"), std::string::npos) << got;
}

}  // namespace
}  // namespace redundancy::testing
