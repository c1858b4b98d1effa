#include "orchestrator/launcher_info.h"

namespace redundancy {

v1::Launcher DetectLauncher(const std::pair<std::string, std::string>& hosting_pm2, bool systemd_service,
                            const std::string& cgroup) {
  v1::Launcher l;
  if (!hosting_pm2.first.empty()) {
    l.set_kind("pm2");
    l.set_pm2_home(hosting_pm2.first);
    l.set_unit(hosting_pm2.second);
    return l;
  }
  l.set_kind("alone");
  if (!systemd_service) return l;
  // The unified hierarchy's line ("0::/..."), else the name=systemd one.
  std::string path;
  for (size_t at = 0; at < cgroup.size();) {
    size_t nl = cgroup.find('\n', at);
    std::string line = cgroup.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? cgroup.size() : nl + 1;
    if (line.rfind("0::", 0) == 0 || line.find(":name=systemd:") != std::string::npos) {
      path = line.substr(line.find(':', line.find(':') + 1) + 1);
      if (line.rfind("0::", 0) == 0) break;
    }
  }
  // The innermost .service is ours; user@UID.service above it makes it a user unit.
  std::string unit;
  bool user = false;
  for (size_t at = 0; at < path.size();) {
    size_t slash = path.find('/', at);
    std::string part = path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    at = slash == std::string::npos ? path.size() : slash + 1;
    if (part.size() > 8 && part.compare(part.size() - 8, 8, ".service") == 0) {
      if (part.rfind("user@", 0) == 0) {
        user = true;
      } else {
        unit = part;
      }
    }
  }
  if (unit.empty()) return l;
  l.set_kind("systemd");
  l.set_unit(unit);
  l.set_user_unit(user);
  return l;
}

}  // namespace redundancy
