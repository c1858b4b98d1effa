// A subscriber of PM2's event bus ($PM2_HOME/pub.sock). Non-blocking: the
// agent's event loop polls fd() and calls Read() when it is readable.
#pragma once

#include <string>
#include <vector>

#include "agents/pm2/amp.h"
#include "common/status.h"

namespace redundancy::pm2 {

struct BusEvent {
  std::string event;  // exit, online, stop, restart, delete, "restart overlimit", start...
  std::string name;   // app name
  int pm_id = -1;
  std::string status;  // pm2_env.status carried by the event
  bool manually = false;
  bool daemon_kill = false;  // the pm2:kill topic
};

class BusSubscriber {
 public:
  ~BusSubscriber();
  Status Connect(const std::string& path);
  void Close();
  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }
  // Every complete process event waiting; sets closed() when the daemon went away.
  std::vector<BusEvent> Read();
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  AmpDecoder decoder_;
};

}  // namespace redundancy::pm2
