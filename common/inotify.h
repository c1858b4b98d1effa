// Draining an inotify descriptor (the netlify and workflows agents watch
// their folders with one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redundancy {

struct InotifyEvent {
  int wd = -1;
  uint32_t mask = 0;
  std::string name;  // "" for events on the watched folder itself
};

// Every event pending on a non-blocking inotify descriptor.
std::vector<InotifyEvent> ReadInotifyEvents(int fd);

}  // namespace redundancy
