// HttpEndpoint::Answer: routes, methods and both kinds of auth, without sockets.
#include "orchestrator/http_endpoint.h"

#include <gtest/gtest.h>

namespace redundancy {
namespace {

std::string Header(const HttpAnswer& a, const std::string& name) {
  for (const auto& [k, v] : a.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(HttpEndpointAnswerTest, RoutesAndMethods) {
  HttpEndpoint e;
  HttpView v;
  v.ready = true;
  e.Publish(v);
  EXPECT_EQ(e.Answer("GET", "/healthz", "").status, 200);
  EXPECT_EQ(e.Answer("GET", "/metrics", "").content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(e.Answer("GET", "/nowhere", "").status, 404);
  auto post = e.Answer("POST", "/metrics", "");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(Header(post, "Allow"), "GET, HEAD");
  v.ready = false;
  e.Publish(v);
  EXPECT_EQ(e.Answer("HEAD", "/healthz", "").status, 503);
}

TEST(HttpEndpointAnswerTest, TokenAndBasicAuth) {
  HttpEndpoint e;
  ASSERT_TRUE(e.Start("127.0.0.1:0", {"t0k&n", "ops", "pa:ss"}).ok());
  EXPECT_EQ(e.Answer("GET", "/healthz", "").status, 503) << "healthz needs nothing (and is not ready)";
  auto denied = e.Answer("GET", "/", "");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(Header(denied, "WWW-Authenticate").rfind("Basic realm=", 0), 0u);
  EXPECT_EQ(e.Answer("GET", "/", "Bearer t0k&n").status, 200);
  EXPECT_EQ(e.Answer("GET", "/?token=t0k%26n", "").status, 200) << "percent-decoded";
  EXPECT_EQ(e.Answer("GET", "/?token=t0k", "").status, 401);
  EXPECT_EQ(e.Answer("GET", "/metrics", "Basic b3BzOnBhOnNz").status, 200);  // ops:pa:ss
  EXPECT_EQ(e.Answer("GET", "/metrics", "Basic b3BzOnBhc3M=").status, 401);  // ops:pass
  e.Stop();
  EXPECT_FALSE(e.Start("256.0.0.1:1", {}).ok());
  EXPECT_FALSE(e.Start("127.0.0.1:99999", {}).ok());
}

}  // namespace
}  // namespace redundancy
