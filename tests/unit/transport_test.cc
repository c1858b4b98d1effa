#include "common/transport/transport.h"

#include <gtest/gtest.h>

namespace redundancy::transport {
namespace {

TEST(PeerAddressTest, ParsesUcredSuffix) {
  PeerCred c = ParsePeerAddress(":1000:1001:4242");
  EXPECT_TRUE(c.known);
  EXPECT_EQ(c.uid, 1000u);
  EXPECT_EQ(c.pid, 4242);
  PeerCred d = ParsePeerAddress("/run/x.sock:0:0:7");
  EXPECT_TRUE(d.known);
  EXPECT_EQ(d.uid, 0u);
  EXPECT_EQ(d.pid, 7);
}

TEST(PeerAddressTest, RejectsOtherShapes) {
  for (const char* bad : {"", "127.0.0.1", ":a:b:c", "1:2", ":1:2:", "::::"}) {
    EXPECT_FALSE(ParsePeerAddress(bad).known) << bad;
  }
}

TEST(EnvelopeTest, RoundTripAndGarbage) {
  v1::Envelope e;
  e.mutable_hello()->set_agent("pm2");
  e.mutable_hello()->set_pid(12);
  v1::Envelope out;
  ASSERT_TRUE(Decode(Encode(e), &out));
  EXPECT_EQ(out.hello().agent(), "pm2");
  EXPECT_FALSE(Decode("", &out)) << "an empty envelope has no body";
  EXPECT_FALSE(Decode(std::string("\xff\xff\xff\xff\x0f garbage", 14), &out));
}

}  // namespace
}  // namespace redundancy::transport

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/probe.h"

namespace redundancy {
namespace {

TEST(ProbeTest, TcpConnectsToAListenerAndFailsOnAClosedPort) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string target = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  EXPECT_TRUE(ProbeTcp(target, Millis(500)).ok);
  close(fd);
  ProbeResult closed = ProbeTcp(target, Millis(500));
  EXPECT_FALSE(closed.ok);
  EXPECT_FALSE(closed.error.empty());
  EXPECT_FALSE(ProbeTcp("no-port", Millis(100)).ok);
}

TEST(ProbeTest, HttpToNothingFailsWithAReason) {
  ProbeResult r = ProbeHttp("http://127.0.0.1:1/health", Millis(500));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace redundancy
