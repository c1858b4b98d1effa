// The status page's request handler: any method, target and Authorization.
#include "orchestrator/http_endpoint.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace redundancy;
  static HttpEndpoint* endpoint = [] {
    auto* e = new HttpEndpoint();
    return e;
  }();
  std::string text = fuzz::Text(data, size);
  size_t a = text.find('\n'), b = a == std::string::npos ? a : text.find('\n', a + 1);
  std::string method = text.substr(0, a);
  std::string target =
      a == std::string::npos ? "/" : text.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  std::string auth = b == std::string::npos ? "" : text.substr(b + 1);
  (void)endpoint->Answer(method, target, auth);
  return 0;
}
