// What comes from PM2's sockets: amp frames (rpc.sock, pub.sock) and the
// process list JSON in both shapes.
#include "agents/pm2/amp.h"
#include "agents/pm2/app_list.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace redundancy::pm2;
  AmpDecoder d;
  // Fed in two pieces, as a socket may deliver it.
  d.Feed(reinterpret_cast<const char*>(data), size / 3);
  for (int i = 0; i < 64 && !d.broken(); ++i) {
    if (!d.Next()) break;
  }
  d.Feed(reinterpret_cast<const char*>(data) + size / 3, size - size / 3);
  for (int i = 0; i < 4096 && !d.broken(); ++i) {
    if (!d.Next()) break;
  }
  std::string text = redundancy::fuzz::Text(data, size);
  (void)ParseAppList(text);
  (void)ParseMonitorReply(text);
  return 0;
}
