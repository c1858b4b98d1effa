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
