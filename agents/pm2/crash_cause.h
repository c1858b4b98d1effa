// Why an app died, read from the last lines of its error log, and whether
// that cause is still there. A crash loop whose cause is outside the code
// (another process on its port, a file that is missing) ends when the cause
// does: the agent watches for that instead of waiting for an operator.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace redundancy::pm2 {

struct CrashCause {
  enum class Kind { kUnknown, kPortInUse, kMissingFile };
  Kind kind = Kind::kUnknown;
  int port = 0;      // kPortInUse
  std::string path;  // kMissingFile: an absolute path
  // "port 3101 is in use", "/srv/app/config.json is missing"
  std::string Describe() const;
  // "port 3101 is free again", "/srv/app/config.json exists now"
  std::string Gone() const;
};

// The line of an error log that names the error ("Error: listen EADDRINUSE:
// ..."), not the last one (node ends a crash with the error's fields, a "}"
// and its version). The last non-empty line when none looks like one.
std::string ErrorHeadline(std::string_view tail);

// What a node crash's own words say caused it: EADDRINUSE with its port,
// MODULE_NOT_FOUND or ENOENT with an absolute path.
CrashCause ClassifyCrash(std::string_view tail);

// Whether a TCP socket listens on `port` (any address), from
// /proc/net/tcp and tcp6: no connection is made.
bool PortListening(int port, const std::string& proc = "/proc");

// "pid 1234 (nginx)" of the process holding a listening socket on `port`,
// or "" when it cannot be told (another user's process, no /proc).
std::string PortHolder(int port, const std::string& proc = "/proc");

// Whether the cause is gone: the port is free, the file exists.
bool CauseGone(const CrashCause& cause, const std::string& proc = "/proc");

}  // namespace redundancy::pm2
