#include <gtest/gtest.h>

#include "agents/pm2/amp.h"

namespace redundancy::pm2 {
namespace {

TEST(AmpTest, EncodesHeaderAndBigEndianLengths) {
  std::string f = EncodeAmp({"s:a", "j:{}"});
  ASSERT_EQ(f.size(), 1u + 4 + 3 + 4 + 4);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x12);
  EXPECT_EQ(f.substr(1, 4), std::string("\0\0\0\x03", 4));
  EXPECT_EQ(f.substr(5, 3), "s:a");
}

TEST(AmpTest, DecodesAcrossArbitraryChunks) {
  std::string stream = EncodeAmp({"s:process:event", "j:{\"event\":\"exit\"}"}) + EncodeAmp({"s:x"});
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    AmpDecoder d;
    std::vector<std::vector<std::string>> got;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      d.Feed(stream.data() + i, std::min(chunk, stream.size() - i));
      while (auto m = d.Next()) got.push_back(*m);
    }
    ASSERT_EQ(got.size(), 2u) << chunk;
    EXPECT_EQ(got[0][1], "j:{\"event\":\"exit\"}");
    EXPECT_EQ(got[1][0], "s:x");
  }
}

TEST(AmpTest, BigMessagesBetweenSmallOnesArriveWholeAndPadded) {
  // A listing of 1,000 apps is ~9 MB: the decoder makes room for it once,
  // and gives every argument spare capacity for the JSON parser.
  std::string big1(3u << 20, 'a'), big2((2u << 20) + 17, 'b');
  big1.back() = 'z';
  std::string stream = EncodeAmp({"s:1"}) + EncodeAmp({"j:" + big1, "s:2"}) + EncodeAmp({"s:3"}) +
                       EncodeAmp({"j:" + big2, "s:4"}) + EncodeAmp({"s:5"});
  for (size_t chunk : {size_t{7}, size_t{1000}, size_t{65536}, stream.size()}) {
    AmpDecoder d;
    std::vector<std::vector<std::string>> got;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      d.Feed(stream.data() + i, std::min(chunk, stream.size() - i));
      while (auto m = d.Next()) got.push_back(std::move(*m));
    }
    ASSERT_EQ(got.size(), 5u) << chunk;
    EXPECT_EQ(got[0][0], "s:1");
    EXPECT_EQ(got[1][0], "j:" + big1) << chunk;
    EXPECT_EQ(got[1][1], "s:2");
    EXPECT_EQ(got[2][0], "s:3");
    EXPECT_EQ(got[3][0], "j:" + big2) << chunk;
    EXPECT_EQ(got[4][0], "s:5");
    for (const auto& m : got) {
      for (const auto& arg : m) EXPECT_GE(arg.capacity() - arg.size(), kArgPadding);
    }
    EXPECT_FALSE(d.broken());
  }
}

TEST(AmpTest, RejectsOtherVersionsAndAbsurdLengths) {
  AmpDecoder d;
  d.Feed("\x21\0\0\0\0", 5);
  EXPECT_FALSE(d.Next());
  EXPECT_TRUE(d.broken());
  AmpDecoder e;
  e.Feed("\x11\xff\xff\xff\xff", 5);
  EXPECT_FALSE(e.Next());
  EXPECT_TRUE(e.broken());
}

}  // namespace
}  // namespace redundancy::pm2
