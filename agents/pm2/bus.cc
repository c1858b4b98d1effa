#include "agents/pm2/bus.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace redundancy::pm2 {

BusSubscriber::~BusSubscriber() { Close(); }

void BusSubscriber::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  decoder_ = AmpDecoder();
}

Status BusSubscriber::Connect(const std::string& path) {
  Close();
  closed_ = false;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return Status::Error("connect: " + path + ": " + std::strerror(e));
  }
  fd_ = fd;
  return Status::Ok();
}

std::vector<BusEvent> BusSubscriber::Read() {
  std::vector<BusEvent> out;
  if (fd_ < 0) return out;
  for (int i = 0; i < 256; ++i) {
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      closed_ = true;
      Close();
      break;
    }
    if (n < 0) break;
    decoder_.Feed(buf, static_cast<size_t>(n));
  }
  while (auto msg = decoder_.Next()) {
    if (msg->size() < 1) continue;
    const std::string& topic = (*msg)[0];
    if (topic == "s:pm2:kill") {
      BusEvent e;
      e.daemon_kill = true;
      out.push_back(e);
      continue;
    }
    if (topic != "s:process:event" || msg->size() < 2 || (*msg)[1].rfind("j:", 0) != 0) continue;
    auto j = nlohmann::json::parse((*msg)[1].begin() + 2, (*msg)[1].end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    BusEvent e;
    e.event = j.value("event", "");
    e.manually = j.value("manually", false);
    if (j.contains("process") && j["process"].is_object()) {
      const auto& p = j["process"];
      e.name = p.value("name", "");
      if (p.contains("pm_id") && p["pm_id"].is_number_integer()) e.pm_id = p["pm_id"].get<int>();
      e.status = p.value("status", "");
    }
    out.push_back(std::move(e));
  }
  if (decoder_.broken()) {
    closed_ = true;
    Close();
  }
  return out;
}

}  // namespace redundancy::pm2
