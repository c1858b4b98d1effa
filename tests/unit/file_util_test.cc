#include "common/file_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace redundancy {
namespace {

TEST(FoldLinesTest, OneLineWithoutColoursKeepingTheEnd) {
  EXPECT_EQ(FoldLines("\x1b[32m[PM2]\x1b[39m Spawning PM2 daemon\n\n  done\r\n"), "[PM2] Spawning PM2 daemon; done");
  EXPECT_EQ(FoldLines(""), "");
  EXPECT_EQ(FoldLines("a\tb\x07"
                      "c"),
            "a\tbc");
  std::string longer(500, 'x');
  std::string folded = FoldLines(longer + "\nerror: the end", 20);
  EXPECT_EQ(folded, "...xxxx; error: the end");  // the last 20 characters
}

TEST(ReadTailLinesTest, LastNonEmptyLinesOfRegularFilesOnly) {
  char tmpl[] = "/tmp/redundancy-tail-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(tmpl) << "one\n\ntwo\nthree\n";
  EXPECT_EQ(ReadTailLines(tmpl, 2), "two\nthree\n");
  std::ofstream(tmpl) << std::string(10000, 'y') << "\nlast\n";
  EXPECT_EQ(ReadTailLines(tmpl, 5, 100), "last\n") << "a line cut by the byte budget is dropped";
  EXPECT_EQ(ReadTailLines("/dev/zero", 5), "") << "not a regular file";
  EXPECT_EQ(ReadTailLines("/nonexistent/file", 5), "");
  unlink(tmpl);
}

}  // namespace
}  // namespace redundancy
