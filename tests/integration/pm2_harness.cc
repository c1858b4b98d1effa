#include "tests/integration/pm2_harness.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>

namespace redundancy::testing {

bool Pm2Available() { return RunShell("command -v pm2") == 0; }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string HttpGetBody(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string resp;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (int i = 0; i < 256; ++i) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        resp.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  size_t body = resp.find("\r\n\r\n");
  return body == std::string::npos ? "" : resp.substr(body + 4);
}

std::string Pm2Fixture(const std::string& name) { return std::string(SOURCE_DIR) + "/tests/fixtures/pm2/" + name; }

Pm2Home::Pm2Home(std::string home) : home_(std::move(home)) {}

Pm2Home::~Pm2Home() {
  std::vector<pid_t> apps;
  for (const auto& a : List()) {
    if (a.value("pid", 0) > 0) apps.push_back(a["pid"].get<pid_t>());
  }
  pid_t god = DaemonPid();
  if (DaemonRunning()) Pm2("kill");
  if (god > 0 && IsRunning(god)) process::Signal(god, SIGKILL);
  for (pid_t p : apps) {
    if (IsRunning(p)) process::Signal(p, SIGKILL);
  }
}

int Pm2Home::Pm2(const std::string& args, std::string* out) const {
  return RunShell("PM2_HOME=" + home_ + " pm2 " + args, out);
}

pid_t Pm2Home::DaemonPid() const {
  std::ifstream in(home_ + "/pm2.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

bool Pm2Home::DaemonRunning() const { return IsRunning(DaemonPid()); }

nlohmann::json Pm2Home::List() const {
  if (!DaemonRunning()) return nlohmann::json::array();
  std::string out;
  if (Pm2("jlist", &out) != 0) return nlohmann::json::array();
  for (size_t start = out.find('['); start != std::string::npos; start = out.find('[', start + 1)) {
    auto j = nlohmann::json::parse(out.substr(start), nullptr, false);
    if (j.is_array()) return j;
  }
  return nlohmann::json::array();
}

std::optional<nlohmann::json> Pm2Home::App(const std::string& name) const {
  for (const auto& a : List()) {
    if (a.value("name", "") == name) return a;
  }
  return std::nullopt;
}

}  // namespace redundancy::testing
