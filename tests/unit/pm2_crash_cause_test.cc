#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agents/pm2/crash_cause.h"
#include "tests/unit/scratch_dir.h"

namespace redundancy::pm2 {
namespace {

// What PM2 7 wrote to an app's error log for two crashes on a taken port
// (node 20; PM2 catches the exception, so no "Node.js v20" line).
const char* kPm2Log =
    "Error: Cannot find module '/srv/old/app.js'\n"
    "    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15) {\n"
    "  code: 'MODULE_NOT_FOUND',\n"
    "}\n"
    "Error: listen EADDRINUSE: address already in use 127.0.0.1:44191\n"
    "    at Server.setupListenHandle [as _listen2] (node:net:1908:16)\n"
    "    at process.processTicksAndRejections (node:internal/process/task_queues:83:21) {\n"
    "  code: 'EADDRINUSE',\n"
    "  errno: -98,\n"
    "  syscall: 'listen',\n"
    "  address: '127.0.0.1',\n"
    "  port: 44191\n"
    "}\n";

// node on its own: the throw site first, its version last.
const char* kNodeLog =
    "node:events:502\n"
    "      throw er; // Unhandled 'error' event\n"
    "      ^\n"
    "\n"
    "Error: listen EADDRINUSE: address already in use :::3101\n"
    "    at Server.setupListenHandle [as _listen2] (node:net:1908:16)\n"
    "Emitted 'error' event on Server instance at:\n"
    "    at emitErrorNT (node:net:1944:8) {\n"
    "  code: 'EADDRINUSE',\n"
    "  port: 3101\n"
    "}\n"
    "\n"
    "Node.js v20.20.2\n";

TEST(CrashCauseTest, TheHeadlineIsTheLastCrashsErrorLineNotItsClosingBrace) {
  EXPECT_EQ(ErrorHeadline(kPm2Log), "Error: listen EADDRINUSE: address already in use 127.0.0.1:44191");
  EXPECT_EQ(ErrorHeadline(kNodeLog), "Error: listen EADDRINUSE: address already in use :::3101");
  EXPECT_EQ(ErrorHeadline("TypeError [ERR_INVALID_ARG_TYPE]: bad\n    at x\n"),
            "TypeError [ERR_INVALID_ARG_TYPE]: bad");
  EXPECT_EQ(ErrorHeadline("starting\nboom happened\n\n"), "boom happened");
  EXPECT_EQ(ErrorHeadline(""), "");
}

TEST(CrashCauseTest, APortInUseIsReadWithItsPortFromTheLastCrashOnly) {
  CrashCause c = ClassifyCrash(kPm2Log);
  EXPECT_EQ(c.kind, CrashCause::Kind::kPortInUse);
  EXPECT_EQ(c.port, 44191);
  EXPECT_EQ(c.Describe(), "port 44191 is in use");
  EXPECT_EQ(c.Gone(), "port 44191 is free again");
  c = ClassifyCrash(kNodeLog);
  EXPECT_EQ(c.kind, CrashCause::Kind::kPortInUse);
  EXPECT_EQ(c.port, 3101);
}

TEST(CrashCauseTest, AMissingAbsoluteFileIsACauseARelativeOneIsNot) {
  CrashCause c =
      ClassifyCrash(std::string(kPm2Log) + "Error: Cannot find module '/srv/new/app.js'\n  code: 'MODULE_NOT_FOUND'\n");
  EXPECT_EQ(c.kind, CrashCause::Kind::kMissingFile);
  EXPECT_EQ(c.path, "/srv/new/app.js");
  c = ClassifyCrash("Error: ENOENT: no such file or directory, open '/etc/app/config.json'\n");
  EXPECT_EQ(c.kind, CrashCause::Kind::kMissingFile);
  EXPECT_EQ(c.path, "/etc/app/config.json");
  EXPECT_EQ(ClassifyCrash("Error: Cannot find module './lib'\n").kind, CrashCause::Kind::kUnknown);
  EXPECT_EQ(ClassifyCrash("Error: ENOENT: no such file or directory, open '/a/../etc/x'\n").kind,
            CrashCause::Kind::kUnknown);
  EXPECT_EQ(ClassifyCrash("Error: boom\n").kind, CrashCause::Kind::kUnknown);
}

TEST(CrashCauseTest, ListeningPortsAndTheirHolderAreReadFromProc) {
  ScratchDir dir;  // a fake /proc
  std::filesystem::create_directories(dir.path() + "/net");
  std::filesystem::create_directories(dir.path() + "/4242/fd");
  std::ofstream(dir.path() + "/net/tcp")
      << "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
         "   0: 0100007F:0C1D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9911 1 0\n"
         "   1: 0100007F:1F90 0100007F:A40E 01 00000000:00000000 00:00000000 00000000     0        0 9912 1 0\n";
  std::ofstream(dir.path() + "/net/tcp6") << "  sl  local_address ...\n";
  std::ofstream(dir.path() + "/4242/comm") << "nginx\n";
  std::filesystem::create_symlink("socket:[9911]", dir.path() + "/4242/fd/7");
  EXPECT_TRUE(PortListening(3101, dir.path()));
  EXPECT_FALSE(PortListening(8080, dir.path())) << "an established connection is not a listener";
  EXPECT_EQ(PortHolder(3101, dir.path()), "pid 4242 (nginx)");
  EXPECT_EQ(PortHolder(8080, dir.path()), "");
  CrashCause c;
  c.kind = CrashCause::Kind::kPortInUse;
  c.port = 3101;
  EXPECT_FALSE(CauseGone(c, dir.path()));
  c.port = 3102;
  EXPECT_TRUE(CauseGone(c, dir.path()));
  c = CrashCause{};
  c.kind = CrashCause::Kind::kMissingFile;
  c.path = dir.path() + "/config.json";
  EXPECT_FALSE(CauseGone(c));
  std::ofstream(c.path) << "{}";
  EXPECT_TRUE(CauseGone(c));
  EXPECT_FALSE(CauseGone(CrashCause{})) << "an unknown cause is never gone";
}

}  // namespace
}  // namespace redundancy::pm2
