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
