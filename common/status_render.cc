#include "common/status_render.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <string_view>

#include "common/duration.h"
#include "common/file_util.h"

namespace redundancy {
const char* HealthName(v1::HealthStatus s) {
  switch (s) {
    case v1::HEALTH_OK:
      return "ok";
    case v1::HEALTH_DEGRADED:
      return "degraded";
    case v1::HEALTH_FAILED:
      return "failed";
    case v1::HEALTH_BLOCKED:
      return "blocked";
    default:
      return "unknown";
  }
}

namespace {

std::string Pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

}  // namespace

std::string FormatTime(int64_t epoch_ms) {
  if (epoch_ms <= 0) return "";
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

nlohmann::json StatusToJson(const v1::StatusSnapshot& s) {
  nlohmann::json j;
  j["orchestrator"] = {{"pid", s.pid()},
                       {"uptime_s", s.uptime_s()},
                       {"version", s.version()},
                       {"config", s.config_file()},
                       {"problems", std::vector<std::string>(s.problems().begin(), s.problems().end())}};
  j["agents"] = nlohmann::json::array();
  for (const auto& a : s.agents()) {
    j["agents"].push_back({{"name", a.name()},
                           {"pid", a.pid()},
                           {"state", a.state()},
                           {"restarts", a.restarts()},
                           {"last_exit", a.last_exit()},
                           {"since", FormatTime(a.state_since_ms())}});
  }
  if (s.has_launcher()) {
    j["launcher"] = {{"kind", s.launcher().kind()},
                     {"unit", s.launcher().unit()},
                     {"user_unit", s.launcher().user_unit()},
                     {"pm2_home", s.launcher().pm2_home()}};
  }
  j["systems"] = nlohmann::json::array();
  for (const auto& sys : s.systems()) {
    nlohmann::json js = {{"name", sys.name()},
                         {"health", HealthName(sys.health())},
                         {"paused", sys.paused()},
                         {"depends_on", nlohmann::json::array()},
                         {"checks", nlohmann::json::array()},
                         {"last_report", FormatTime(sys.last_report_ms())}};
    for (const auto& d : sys.depends_on()) js["depends_on"].push_back(d);
    for (const auto& c : sys.checks()) {
      js["checks"].push_back({{"target", c.target()},
                              {"status", HealthName(c.status())},
                              {"summary", c.summary()},
                              {"details", c.details()},
                              {"since", FormatTime(c.since_ms())}});
    }
    j["systems"].push_back(std::move(js));
  }
  if (s.fleet().enabled()) j["fleet"] = FleetToJson(s.fleet());
  if (s.has_pipeline()) {
    const auto& p = s.pipeline();
    j["pipeline"] = {{"state", p.state()},
                     {"revision", p.revision()},
                     {"step", p.step()},
                     {"last_good", p.last_good()},
                     {"last_result", p.last_result()},
                     {"last_detail", p.last_detail()},
                     {"last_finished", p.last_finished_ms() ? FormatTime(p.last_finished_ms()) : ""},
                     {"queued", p.queued()}};
  }
  return j;
}

namespace {

// `text` (already padded) in the colour of a health or agent state.
std::string Paint(const std::string& text, const std::string& state, bool color) {
  if (!color) return text;
  const char* code = state == "ok" || state == "ready"                                  ? "32"
                     : state == "degraded" || state == "starting" || state == "backoff" ? "33"
                     : state == "failed" || state == "gave_up"                          ? "31"
                     : state == "blocked"                                               ? "35"
                                                                                        : "2";
  size_t end = text.find_last_not_of(' ') + 1;
  return "\x1b[" + std::string(code) + "m" + text.substr(0, end) + "\x1b[0m" + text.substr(end);
}

}  // namespace

bool WantColor() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb");
}

std::string StatusToTable(const v1::StatusSnapshot& s, bool color) {
  std::ostringstream o;
  o << "redundancyd " << s.version() << "  pid " << s.pid() << "  up "
    << FormatDuration(Millis(static_cast<int64_t>(s.uptime_s() * 1000))) << "\n";
  for (const auto& p : s.problems()) o << "PROBLEM    " << p << "\n";
  o << "\n";
  o << Pad("AGENT", 11) << Pad("STATE", 10) << Pad("PID", 9) << Pad("RESTARTS", 10) << "LAST EXIT\n";
  for (const auto& a : s.agents()) {
    o << Pad(a.name(), 11) << Paint(Pad(a.state(), 10), a.state(), color)
      << Pad(a.pid() > 0 ? std::to_string(a.pid()) : "-", 9) << Pad(std::to_string(a.restarts()), 10)
      << (a.last_exit().empty() ? "-" : a.last_exit()) << "\n";
  }
  o << "\n" << Pad("SYSTEM", 11) << Pad("HEALTH", 10) << "DEPENDS ON\n";
  for (const auto& sys : s.systems()) {
    std::string deps;
    for (const auto& d : sys.depends_on()) deps += (deps.empty() ? "" : ",") + d;
    o << Pad(sys.name(), 11)
      << Paint(Pad(std::string(HealthName(sys.health())) + (sys.paused() ? "*" : ""), 10), HealthName(sys.health()),
               color)
      << (deps.empty() ? "-" : deps) << "\n";
    if (sys.paused()) {
      // Nothing is checked while paused: what follows is as it was then.
      o << "  (paused: not checked nor recovered since "
        << (sys.last_report_ms() > 0 ? FormatTime(sys.last_report_ms()) : std::string("the pause"))
        << "; the checks below are as they were then; `redundancyctl check " << sys.name() << "` looks now)\n";
    }
    for (const auto& c : sys.checks()) {
      o << "  " << Pad(c.target(), 28) << Paint(Pad(HealthName(c.status()), 10), HealthName(c.status()), color)
        << c.summary() << "\n";
      // What a check that is not ok says beyond its summary: its first lines.
      if (c.status() != v1::HEALTH_OK && !c.details().empty()) {
        std::istringstream lines(c.details());
        int n = 0;
        for (std::string line; std::getline(lines, line) && n < 3;) {
          if (line.empty()) continue;
          o << "      " << (line.size() > 160 ? line.substr(0, 160) + "..." : line) << "\n";
          ++n;
        }
      }
    }
  }
  if (s.has_pipeline() && s.pipeline().state() != "disabled") {
    const auto& p = s.pipeline();
    o << "\nPIPELINE   " << p.state();
    if (!p.step().empty()) o << " (" << p.step() << " on " << ShortCommit(p.revision()) << ")";
    o << ", last good " << (p.last_good().empty() ? "-" : ShortCommit(p.last_good()));
    if (!p.last_result().empty()) o << "; last run " << p.last_result() << ": " << p.last_detail();
    o << "\n";
  }
  if (s.fleet().enabled()) {
    const auto& f = s.fleet();
    o << "\nFLEET      " << f.group() << " as " << f.name() << ", "
      << (f.etcd_error().empty() ? "etcd " + f.etcd() : f.etcd_error()) << ", rollout " << f.rollout_state()
      << (f.detail().empty() ? "" : ": " + f.detail()) << "\n";
  }
  bool any_paused = false;
  for (const auto& sys : s.systems()) any_paused |= sys.paused();
  if (any_paused) o << "\n* paused: health as last checked, not now\n";
  return o.str();
}

nlohmann::json FleetToJson(const v1::FleetStatus& f) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : f.hosts()) {
    nlohmann::json jh = {{"name", h.name()},           {"state", h.state()},
                         {"commit", h.commit()},       {"deployed", h.deployed()},
                         {"deploying", h.deploying()}, {"upstream", h.upstream()},
                         {"version", h.version()},     {"leader", h.leader()},
                         {"detail", h.detail()},       {"updated", h.updated_ms() ? FormatTime(h.updated_ms()) : ""}};
    jh["lease_age_s"] = h.lease_age_s() >= 0 ? nlohmann::json(h.lease_age_s()) : nlohmann::json(nullptr);
    hosts.push_back(std::move(jh));
  }
  return {{"group", f.group()},
          {"name", f.name()},
          {"etcd", f.etcd()},
          {"etcd_error", f.etcd_error()},
          {"etcd_down_since", f.etcd_down_since_ms() ? FormatTime(f.etcd_down_since_ms()) : ""},
          {"leader", f.leader()},
          {"hosts", hosts},
          {"rollout",
           {{"state", f.rollout_state()},
            {"commit", f.rollout_commit()},
            {"canary", f.canary()},
            {"baked", f.baked()},
            {"deploying", f.locks()},
            {"detail", f.detail()}}},
          {"last_good", f.last_good()},
          {"bad", f.bad()}};
}

namespace {

// A field that came through etcd, for a terminal: no control characters
// (a newline or an escape sequence would forge rows), at most `max` bytes.
std::string Clean(const std::string& s, size_t max) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

std::string FleetToTable(const v1::FleetStatus& f, bool color) {
  std::ostringstream o;
  // The error says what is wrong with etcd ("etcd unreachable: ..."); else its state.
  o << "FLEET      " << Clean(f.group(), 63) << " (this host: " << Clean(f.name(), 63) << "), "
    << (f.etcd_error().empty() ? "etcd " + f.etcd() : Clean(f.etcd_error(), 300));
  if (!f.leader().empty()) o << ", alerts by " << Clean(f.leader(), 63);
  o << "\n\n" << Pad("HOST", 21) << Pad("STATE", 10) << Pad("COMMIT", 14) << Pad("LEASE", 9) << "NOTE\n";
  for (const auto& h : f.hosts()) {
    std::string lease =
        h.lease_age_s() >= 0 ? FormatDuration(Millis(static_cast<int64_t>(h.lease_age_s() * 1000))) : "-";
    std::string note = !h.deploying().empty() ? "deploying " + ShortCommit(h.deploying()) : h.detail();
    if (h.leader()) note = note.empty() ? "leader" : "leader; " + note;
    std::string state = Clean(h.state(), 9);
    o << Pad(Clean(h.name(), 63), 21)
      << Paint(Pad(state, 10),
               h.state() == "lost"      ? "failed"
               : h.state() == "stopped" ? "unknown"
                                        : state,
               color)
      << Pad(Clean(ShortCommit(h.commit()), 12), 14) << Pad(lease, 9) << Clean(note, 120) << "\n";
  }
  o << "\nROLLOUT    " << Clean(f.rollout_state(), 20) << (f.detail().empty() ? "" : ": " + Clean(f.detail(), 300))
    << "\n";
  o << "LAST GOOD  " << (f.last_good().empty() ? "-" : Clean(ShortCommit(f.last_good()), 12)) << "\n";
  for (const auto& b : f.bad()) o << "BAD        " << Clean(b, 300) << "\n";
  return o.str();
}

nlohmann::json HistoryToJson(const google::protobuf::RepeatedPtrField<v1::HistoryEntry>& rows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows) {
    j.push_back({{"id", r.id()},
                 {"time", FormatTime(r.ts_ms())},
                 {"ts_ms", r.ts_ms()},
                 {"kind", r.kind()},
                 {"system", r.system()},
                 {"target", r.target()},
                 {"detail", r.detail()}});
  }
  return j;
}

std::string HistoryToTable(const google::protobuf::RepeatedPtrField<v1::HistoryEntry>& rows) {
  std::ostringstream o;
  for (const auto& r : rows) {
    o << FormatTime(r.ts_ms()) << "  " << Pad(r.kind(), 18) << Pad(r.system().empty() ? "-" : r.system(), 10)
      << (r.target().empty() ? "" : r.target() + "  ") << r.detail() << "\n";
  }
  return o.str();
}

}  // namespace redundancy
