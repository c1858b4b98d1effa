// The status page in a real browser: Debian's Chromium (headless) loads it
// from the real daemon and takes a screenshot; the test decodes the PNG and
// finds each system's card by the colour of its top border (failed red,
// blocked purple, degraded amber), wide enough to be a card.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/probe.h"
#include "tests/integration/harness.h"
#include "tests/integration/pm2_harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Image {
  uint32_t width = 0, height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // rows of width * channels bytes
};

uint32_t Be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

// A PNG of 8-bit RGB or RGBA, not interlaced (what Chromium writes).
std::optional<Image> DecodePng(const std::string& png, std::string* error) {
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return *error = "not a PNG", std::nullopt;
  Image img;
  std::string idat;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t len = Be32(png, at);
    std::string type = png.substr(at + 4, 4);
    if (at + 12 + len > png.size()) return *error = "truncated chunk", std::nullopt;
    if (type == "IHDR") {
      img.width = Be32(png, at + 8);
      img.height = Be32(png, at + 12);
      int depth = uint8_t(png[at + 16]), color = uint8_t(png[at + 17]), interlace = uint8_t(png[at + 20]);
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0)
        return *error = "unsupported PNG format", std::nullopt;
      img.channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += png.substr(at + 8, len);
    }
    at += 12 + len;
  }
  size_t stride = size_t(img.width) * img.channels;
  std::vector<uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size()) {
    return *error = "bad image data", std::nullopt;
  }
  img.pixels.resize(stride * img.height);
  for (uint32_t y = 0; y < img.height; ++y) {
    uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &img.pixels[y * stride];
    const uint8_t* up = y ? &img.pixels[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= size_t(img.channels) ? out[x - img.channels] : 0, b = up ? up[x] : 0,
          c = up && x >= size_t(img.channels) ? up[x - img.channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4: {
          int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return *error = "bad filter", std::nullopt;
      }
      out[x] = uint8_t(in[x] + pred);
    }
  }
  return img;
}

// The longest horizontal run of exactly this colour anywhere in the image.
int LongestRun(const Image& img, uint8_t r, uint8_t g, uint8_t b) {
  int best = 0;
  for (uint32_t y = 0; y < img.height; ++y) {
    int run = 0;
    for (uint32_t x = 0; x < img.width; ++x) {
      const uint8_t* p = &img.pixels[(size_t(y) * img.width + x) * img.channels];
      run = p[0] == r && p[1] == g && p[2] == b ? run + 1 : 0;
      best = std::max(best, run);
    }
  }
  return best;
}

TEST(StatusPageTest, ChromiumShowsACardForEverySystem) {
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  std::string agent = std::string(REDUNDANCY_BIN_DIR) + "/redundancy-test-agent";
  int port = FreePort();
  Daemon d("  git: {interval: 200ms, agent: " + agent + "}\n  build: {interval: 200ms, agent: " + agent +
               "}\n  workflows: {interval: 200ms, agent: " + agent + "}\n",
           FastOrchestratorYaml(50, false) + "http: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n");
  d.SetMode("git status failed\nbuild status failed\nworkflows status degraded\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  ASSERT_TRUE(d.WaitCheck("git:test", v1::HEALTH_FAILED, 10s));
  ASSERT_TRUE(d.WaitCheck("workflows:test", v1::HEALTH_DEGRADED, 10s));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto page = HttpGet(url, {}, Millis(2000)).body;
        return page.find("class=\"card blocked\" data-system=\"build\"") != std::string::npos &&
               page.find("class=\"card degraded\" data-system=\"workflows\"") != std::string::npos;
      },
      10s))
      << HttpGet(url, {}, Millis(2000)).body;

  TempDir tmp;
  std::string shot = tmp.path() + "/status.png";
  process::SpawnSpec spec;
  spec.exe = "/usr/bin/chromium";
  spec.args = {"--headless=new",
               "--no-sandbox",
               "--disable-gpu",
               "--hide-scrollbars",
               "--no-first-run",
               "--disable-background-networking",
               "--disable-component-update",
               "--user-data-dir=" + tmp.path() + "/profile",
               "--window-size=1280,900",
               "--screenshot=" + shot,
               url};
  auto run = process::RunCapture(spec, 60s);
  ASSERT_TRUE(run.ok()) << run.error();
  ASSERT_TRUE(fs::exists(shot)) << run->output;
  std::string error;
  auto img = DecodePng(ReadFile(shot), &error);
  ASSERT_TRUE(img) << error;
  EXPECT_EQ(img->width, 1280u);
  // Each card's top border, at least 200 px wide (cards are 19rem or wider).
  EXPECT_GE(LongestRun(*img, 0xcf, 0x22, 0x2e), 200) << "git's card (failed, red)";
  EXPECT_GE(LongestRun(*img, 0x82, 0x50, 0xdf), 200) << "build's card (blocked, purple)";
  EXPECT_GE(LongestRun(*img, 0xd4, 0xa7, 0x2c), 200) << "workflows' card (degraded, amber)";
  EXPECT_LT(LongestRun(*img, 0x2d, 0xa4, 0x4e), 200) << "no system is ok, so no green card";
}

// A person on the page: Chromium (driven over the DevTools protocol by
// tests/browser/click.py) clicks "pause" on git's card; the daemon pauses it
// and the history says who did.
TEST(StatusPageTest, ChromiumClicksAnActionAndTheHistoryShowsIt) {
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  int port = FreePort();
  Daemon d(Sys("git") + Sys("build"), FastOrchestratorYaml(50, false) + "http: {listen: '127.0.0.1:" +
                                          std::to_string(port) + "', basic_auth: {username: alice, password: pw}}\n");
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.WaitAllReady(10s));
  TempDir tmp;
  std::string out;
  int rc = RunShell("python3 " SOURCE_DIR "/tests/browser/click.py http://127.0.0.1:" + std::to_string(port) +
                        "/ 'button[data-action=\"pause\"][data-arg=\"git\"]' 'Basic YWxpY2U6cHc=' " + tmp.path() +
                        "/profile",
                    &out);
  ASSERT_EQ(rc, 0) << out;
  // The page it came back to shows git paused, with a resume button.
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  auto s = d.Status();
  ASSERT_TRUE(s.ok());
  bool git_paused = false, build_paused = true;
  for (const auto& sys : s->systems()) {
    if (sys.name() == "git") git_paused = sys.paused();
    if (sys.name() == "build") build_paused = sys.paused();
  }
  EXPECT_TRUE(git_paused);
  EXPECT_FALSE(build_paused);
  std::string history = d.Ctl("history").output;
  EXPECT_NE(history.find("pause git by uid"), std::string::npos) << history;
  EXPECT_NE(history.find("via http user alice"), std::string::npos) << history;
}

}  // namespace
}  // namespace redundancy::testing
