#include "common/inotify.h"

#include <sys/inotify.h>
#include <unistd.h>

namespace redundancy {

std::vector<InotifyEvent> ReadInotifyEvents(int fd) {
  std::vector<InotifyEvent> out;
  alignas(inotify_event) char buf[8192];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* e = reinterpret_cast<inotify_event*>(buf + off);
      out.push_back({e->wd, e->mask, e->len ? std::string(e->name) : std::string()});
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  return out;
}

}  // namespace redundancy
