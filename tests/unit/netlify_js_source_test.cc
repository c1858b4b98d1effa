#include <gtest/gtest.h>

#include "agents/netlify/js_source.h"

namespace redundancy::netlify {
namespace {

TEST(JsSourceTest, PackageImportedNamesTheNpmPackageOrNothing) {
  EXPECT_EQ(PackageImported("lodash"), "lodash");
  EXPECT_EQ(PackageImported("lodash/fp"), "lodash");
  EXPECT_EQ(PackageImported("@netlify/functions"), "@netlify/functions");
  EXPECT_EQ(PackageImported("@netlify/functions/dist/x.js"), "@netlify/functions");
  EXPECT_EQ(PackageImported("@scope"), "@scope");  // malformed, but named as written
  // Node's own modules, with or without the scheme, and their subpaths.
  EXPECT_EQ(PackageImported("fs"), "");
  EXPECT_EQ(PackageImported("fs/promises"), "");
  EXPECT_EQ(PackageImported("node:fs"), "");
  EXPECT_EQ(PackageImported("stream/web"), "");
  // Paths and other schemes name no package.
  EXPECT_EQ(PackageImported("./helper.js"), "");
  EXPECT_EQ(PackageImported("../lib"), "");
  EXPECT_EQ(PackageImported("/abs/path.js"), "");
  EXPECT_EQ(PackageImported("https://esm.sh/react"), "");
  EXPECT_EQ(PackageImported(""), "");
}

}  // namespace
}  // namespace redundancy::netlify
