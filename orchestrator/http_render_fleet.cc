// The fleet on /metrics and on the status page (orchestrator/http_render.h).
#include <sstream>

#include "common/file_util.h"
#include "common/status_render.h"
#include "orchestrator/http_render.h"

namespace redundancy {
namespace {

const char* const kHostStates[] = {"ok", "degraded", "failed", "lost", "stopped"};
const char* const kRolloutStates[] = {"idle", "canary", "baking", "rolling", "done", "aborted", "held"};

std::string Quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderFleetMetrics(const v1::FleetStatus& f) {
  std::ostringstream o;
  std::map<std::string, int> by_state;
  for (const auto& h : f.hosts()) ++by_state[h.state()];
  o << "# HELP redundancy_fleet_hosts Hosts of the fleet by state, as this host sees them.\n"
    << "# TYPE redundancy_fleet_hosts gauge\n";
  for (const char* st : kHostStates) o << "redundancy_fleet_hosts{state=\"" << st << "\"} " << by_state[st] << "\n";
  o << "# HELP redundancy_fleet_etcd_up 1 while etcd answers this host.\n# TYPE redundancy_fleet_etcd_up gauge\n"
    << "redundancy_fleet_etcd_up " << (f.etcd() == "connected" ? 1 : 0) << "\n";
  o << "# HELP redundancy_fleet_rollout_state The rollout's state (1 = current).\n"
    << "# TYPE redundancy_fleet_rollout_state gauge\n";
  for (const char* st : kRolloutStates)
    o << "redundancy_fleet_rollout_state{state=\"" << st << "\"} " << (f.rollout_state() == st ? 1 : 0) << "\n";
  return o.str();
}

std::string WithHostLabels(const std::string& metrics, const std::string& host, const std::string& group) {
  std::string labels = "host=\"" + Quoted(host) + "\",group=\"" + Quoted(group) + "\"";
  std::string out;
  out.reserve(metrics.size() + metrics.size() / 3);
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') {
      out += line + "\n";
      continue;
    }
    size_t brace = line.find('{'), space = line.find(' ');
    if (brace != std::string::npos && brace < space) {
      out += line.substr(0, brace + 1) + labels + "," + line.substr(brace + 1) + "\n";
    } else if (space != std::string::npos) {
      out += line.substr(0, space) + "{" + labels + "}" + line.substr(space) + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

std::string RenderFleetSection(const v1::FleetStatus& f) {
  std::ostringstream o;
  o << "<h2 id=\"fleet\">Fleet " << HtmlEscape(f.group()) << "</h2>\n<p>"
    << HtmlEscape(f.etcd_error().empty() ? "etcd " + f.etcd() : f.etcd_error()) << "; rollout <b>"
    << HtmlEscape(f.rollout_state()) << "</b>" << (f.detail().empty() ? "" : ": " + HtmlEscape(f.detail()))
    << "; last good <code>" << HtmlEscape(ShortCommit(f.last_good())) << "</code>"
    << (f.leader().empty() ? "" : "; alerts by " + HtmlEscape(f.leader())) << "</p>\n";
  o << "<table id=\"fleet-hosts\"><tr><th>host</th><th>state</th><th>commit</th><th>deploying</th><th>version</th>"
       "<th>not ok</th><th>updated</th></tr>\n";
  for (const auto& h : f.hosts()) {
    std::string cls = h.state() == "lost" ? "failed" : h.state() == "stopped" ? "unknown" : h.state();
    o << "<tr data-host=\"" << HtmlEscape(h.name()) << "\"><td>" << HtmlEscape(h.name())
      << (h.name() == f.name() ? " (this host)" : "") << (h.leader() ? ", leader" : "") << "</td><td class=\"s-"
      << HtmlEscape(cls) << "\">" << HtmlEscape(h.state()) << "</td><td><code>" << HtmlEscape(ShortCommit(h.commit()))
      << "</code></td><td><code>" << HtmlEscape(ShortCommit(h.deploying())) << "</code></td><td>"
      << HtmlEscape(h.version()) << "</td><td>" << HtmlEscape(h.detail()) << "</td><td>"
      << (h.updated_ms() ? FormatTime(h.updated_ms()) : "") << "</td></tr>\n";
  }
  o << "</table>\n";
  for (const auto& b : f.bad()) o << "<p class=\"s-failed\">bad: " << HtmlEscape(b) << "</p>\n";
  return o.str();
}

}  // namespace redundancy
