#include "agents/pm2/app_list.h"

#include <simdjson.h>

namespace redundancy::pm2 {
namespace {

using simdjson::dom::element;

double Number(element e, double fallback) {
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return fallback;
}

// An int field: the fallback when it is not a number or out of int's range
// (a double outside it is undefined behaviour to convert).
int Int(element e, int fallback) {
  double d = Number(e, fallback);
  return d >= -2147483648.0 && d <= 2147483647.0 ? static_cast<int>(d) : fallback;
}

std::string String(element e) {
  std::string_view s;
  return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

Result<std::vector<AppInfo>> FromArray(simdjson::dom::array list) {
  std::vector<AppInfo> out;
  out.reserve(list.size());
  for (element item : list) {
    simdjson::dom::object proc;
    if (item.get_object().get(proc) != simdjson::SUCCESS) {
      return Result<std::vector<AppInfo>>::Error("a process entry is not an object");
    }
    AppInfo a;
    for (auto [key, v] : proc) {
      if (key == "name") {
        a.name = String(v);
      } else if (key == "pid") {
        a.pid = static_cast<pid_t>(Int(v, 0));
      } else if (key == "pm_id") {
        a.pm_id = Int(v, -1);
      } else if (key == "monit") {
        simdjson::dom::object m;
        if (v.get_object().get(m) == simdjson::SUCCESS) {
          for (auto [mk, mv] : m) {
            if (mk == "memory") a.memory = Number(mv, 0);
            if (mk == "cpu") a.cpu = Number(mv, 0);
          }
        }
      } else if (key == "pm2_env") {
        simdjson::dom::object env;
        if (v.get_object().get(env) != simdjson::SUCCESS) continue;
        for (auto [ek, ev] : env) {
          if (ek.empty() || (ek[0] >= 'A' && ek[0] <= 'Z')) continue;  // the copied environment
          if (ek == "status") {
            a.status = String(ev);
          } else if (ek == "restart_time") {
            a.restart_time = Int(ev, 0);
          } else if (ek == "autorestart") {
            bool b;
            if (ev.get_bool().get(b) == simdjson::SUCCESS) a.autorestart = b;
          } else if (ek == "pm_uptime") {
            a.pm_uptime_ms = Number(ev, 0);
          } else if (ek == "exit_code") {
            a.exit_code = simdjson::to_string(ev);
          } else if (ek == "pm_err_log_path") {
            a.err_log = String(ev);
          } else if (ek == "pmx_module") {
            bool b;
            if (ev.get_bool().get(b) == simdjson::SUCCESS) a.module = b;
          } else if (ek == "name" && a.name.empty()) {
            a.name = String(ev);
          }
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

// One parser per thread, reused: it keeps its buffers between lists...
simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// ...unless the list was big: 1,000 apps are ~9 MB of JSON, and the buffers
// for it (~2.5x) would be the agent's largest allocation between checks.
constexpr size_t kKeepBuffersUpTo = 1 << 20;

Result<std::vector<AppInfo>> Released(Result<std::vector<AppInfo>> apps, size_t json_size) {
  if (json_size > kKeepBuffersUpTo) Parser() = simdjson::dom::parser();
  return apps;
}

}  // namespace

Result<std::vector<AppInfo>> ParseAppList(std::string_view json) {
  simdjson::dom::array list;
  if (Parser().parse(json.data(), json.size()).get_array().get(list) != simdjson::SUCCESS) {
    return Result<std::vector<AppInfo>>::Error("the process list is not a JSON array");
  }
  return Released(FromArray(list), json.size());
}

Result<std::vector<AppInfo>> ParseMonitorReply(const std::string& json) {
  simdjson::dom::element root;
  // Read in place when the string has simdjson's padding to spare (as the
  // RPC client's replies do): a 9 MB listing is then not copied first.
  bool padded = json.capacity() - json.size() >= simdjson::SIMDJSON_PADDING;
  if (Parser().parse(json.data(), json.size(), !padded).get(root) != simdjson::SUCCESS) {
    return Result<std::vector<AppInfo>>::Error("the reply is not JSON");
  }
  simdjson::dom::array args, list;
  if (root["args"].get_array().get(args) != simdjson::SUCCESS || args.size() < 1 ||
      args.at(0).get_array().get(list) != simdjson::SUCCESS) {
    return Result<std::vector<AppInfo>>::Error("getMonitorData did not answer a list");
  }
  return Released(FromArray(list), json.size());
}

}  // namespace redundancy::pm2
