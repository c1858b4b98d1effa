#include "orchestrator/http_render.h"

#include <cmath>
#include <set>
#include <sstream>

#include "common/status_render.h"

namespace redundancy {
namespace {

// A label value in the exposition format: backslash, quote and newline escaped.
std::string Label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*
std::string Name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return out;
}

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";  // Prometheus' spelling
  std::ostringstream o;
  o.precision(15);
  o << d;
  return o.str();
}

}  // namespace

std::string RenderMetrics(const HttpView& v) {
  std::ostringstream o;
  static const char* kStates[] = {"ok", "degraded", "failed", "blocked", "unknown"};
  o << "# HELP redundancy_up 1 while redundancyd answers.\n# TYPE redundancy_up gauge\nredundancy_up 1\n";
  o << "# HELP redundancy_ready 1 when the daemon and every agent are ready.\n# TYPE redundancy_ready gauge\n"
    << "redundancy_ready " << (v.ready ? 1 : 0) << "\n";
  o << "# HELP redundancy_system_health The health of each system, one series per state (1 = current).\n"
    << "# TYPE redundancy_system_health gauge\n";
  for (const auto& sys : v.status.systems()) {
    for (const char* st : kStates) {
      o << "redundancy_system_health{system=\"" << Label(sys.name()) << "\",state=\"" << st << "\"} "
        << (std::string(HealthName(sys.health())) == st ? 1 : 0) << "\n";
    }
  }
  o << "# HELP redundancy_check_health The health of each check (target), one series per state (1 = current).\n"
    << "# TYPE redundancy_check_health gauge\n";
  for (const auto& sys : v.status.systems()) {
    for (const auto& c : sys.checks()) {
      for (const char* st : kStates) {
        o << "redundancy_check_health{system=\"" << Label(sys.name()) << "\",target=\"" << Label(c.target())
          << "\",state=\"" << st << "\"} " << (std::string(HealthName(c.status())) == st ? 1 : 0) << "\n";
      }
    }
  }
  o << "# HELP redundancy_check_since_seconds When each check entered its current state (Unix time).\n"
    << "# TYPE redundancy_check_since_seconds gauge\n";
  for (const auto& sys : v.status.systems()) {
    for (const auto& c : sys.checks()) {
      o << "redundancy_check_since_seconds{system=\"" << Label(sys.name()) << "\",target=\"" << Label(c.target())
        << "\"} " << Num(static_cast<double>(c.since_ms()) / 1000.0) << "\n";
    }
  }
  o << "# HELP redundancy_agent_up 1 while the agent process is ready.\n# TYPE redundancy_agent_up gauge\n";
  for (const auto& a : v.status.agents()) {
    o << "redundancy_agent_up{agent=\"" << Label(a.name()) << "\"} " << (a.state() == "ready" ? 1 : 0) << "\n";
  }
  o << "# HELP redundancy_agent_restarts_total Restarts of each agent process by redundancyd.\n"
    << "# TYPE redundancy_agent_restarts_total counter\n";
  for (const auto& a : v.status.agents()) {
    o << "redundancy_agent_restarts_total{agent=\"" << Label(a.name()) << "\"} " << a.restarts() << "\n";
  }
  o << "# HELP redundancy_events_total Events recorded in the history since redundancyd started, by system and kind "
       "(recovered, recovery_failed, gave_up, agent_exit, workflow_restored, pipeline_step, ...).\n"
    << "# TYPE redundancy_events_total counter\n";
  for (const auto& [key, n] : v.events) {
    o << "redundancy_events_total{system=\"" << Label(key.first) << "\",kind=\"" << Label(key.second) << "\"} " << n
      << "\n";
  }
  // Every number an agent attaches to a check: PM2 memory/cpu/restarts, git ahead/behind,
  // build packages, probe latencies, function counts... as one gauge family per name.
  std::map<std::string, std::vector<std::string>> families;
  for (const auto& [system, report] : v.reports) {
    for (const auto& c : report.checks()) {
      for (const auto& [name, value] : c.metrics()) {
        families[Name(name)].push_back("{system=\"" + Label(system) + "\",target=\"" + Label(c.target()) + "\"} " +
                                       Num(value));
      }
    }
  }
  // Monitoring Plugins performance data of custom exec checks.
  bool perfdata_header = false;
  for (const auto& [system, report] : v.reports) {
    for (const auto& c : report.checks()) {
      for (const auto& p : c.perfdata()) {
        if (!perfdata_header) {
          o << "# HELP redundancy_check_perfdata Performance data a check's plugin printed (label=value[UOM]).\n"
            << "# TYPE redundancy_check_perfdata gauge\n";
          perfdata_header = true;
        }
        o << "redundancy_check_perfdata{system=\"" << Label(system) << "\",target=\"" << Label(c.target())
          << "\",label=\"" << Label(p.label()) << "\",uom=\"" << Label(p.uom()) << "\"} " << Num(p.value()) << "\n";
      }
    }
  }
  for (const auto& [name, series] : families) {
    o << "# HELP redundancy_check_" << name << " The check metric \"" << name << "\" reported by the agent.\n"
      << "# TYPE redundancy_check_" << name << " gauge\n";
    for (const auto& s : series) o << "redundancy_check_" << name << s << "\n";
  }
  o << "# HELP redundancy_incidents_total Entries of a target into failed since redundancyd started.\n"
    << "# TYPE redundancy_incidents_total counter\n";
  for (const auto& [key, n] : v.incidents) {
    o << "redundancy_incidents_total{system=\"" << Label(key.first) << "\",target=\"" << Label(key.second) << "\"} "
      << n << "\n";
  }
  o << "# HELP redundancy_recovery_duration_seconds How long targets stayed failed, by system, since redundancyd "
       "started.\n# TYPE redundancy_recovery_duration_seconds histogram\n";
  for (const auto& [system, h] : v.recovery_durations) {
    std::string sys = Label(system);
    for (size_t i = 0; i < std::size(RecoveryHistogram::kBuckets); ++i) {
      o << "redundancy_recovery_duration_seconds_bucket{system=\"" << sys << "\",le=\""
        << Num(RecoveryHistogram::kBuckets[i]) << "\"} " << h.counts[i] << "\n";
    }
    o << "redundancy_recovery_duration_seconds_bucket{system=\"" << sys << "\",le=\"+Inf\"} " << h.count << "\n"
      << "redundancy_recovery_duration_seconds_sum{system=\"" << sys << "\"} " << Num(h.sum) << "\n"
      << "redundancy_recovery_duration_seconds_count{system=\"" << sys << "\"} " << h.count << "\n";
  }
  o << "# HELP redundancy_alerts_firing Alerts firing now, by severity.\n# TYPE redundancy_alerts_firing gauge\n";
  for (const char* sev : {"critical", "warning", "info"}) {
    int n = 0;
    for (const auto& a : v.alerts) n += a.state == "firing" && a.severity == sev;
    o << "redundancy_alerts_firing{severity=\"" << sev << "\"} " << n << "\n";
  }
  o << "# HELP redundancy_alert_deliveries_total Attempts to deliver notifications since redundancyd started.\n"
    << "# TYPE redundancy_alert_deliveries_total counter\n"
    << "redundancy_alert_deliveries_total{result=\"delivered\"} " << v.notifications_delivered << "\n"
    << "redundancy_alert_deliveries_total{result=\"failed\"} " << v.notification_failures << "\n";
  if (v.status.has_pipeline()) {
    const auto& p = v.status.pipeline();
    o << "# HELP redundancy_pipeline_state The deploy pipeline's state (1 = current).\n# TYPE "
         "redundancy_pipeline_state gauge\n";
    for (const char* st : {"idle", "deploying", "rolling_back", "restoring", "disabled"}) {
      o << "redundancy_pipeline_state{state=\"" << st << "\"} " << (p.state() == st ? 1 : 0) << "\n";
    }
  }
  const v1::FleetStatus& fleet = v.status.fleet();
  if (!fleet.enabled()) return o.str();
  o << RenderFleetMetrics(fleet);
  return WithHostLabels(o.str(), fleet.name(), fleet.group());
}

std::string HtmlEscape(const std::string& s) { return Html(s); }

namespace {

// A button that POSTs one action with the page's CSRF token ("" without actions).
std::string Button(const PageActions& a, const std::string& action, const std::string& arg, const std::string& label) {
  if (a.csrf.empty()) return "";
  return "<form class=\"act\" method=\"post\" action=\"/api/action" +
         (a.token.empty() ? "" : "?token=" + Html(a.token)) + "\"><input type=\"hidden\" name=\"csrf\" value=\"" +
         a.csrf + "\"><input type=\"hidden\" name=\"action\" value=\"" + action +
         "\"><input type=\"hidden\" name=\"arg\" value=\"" + Html(arg) + "\"><button type=\"submit\" data-action=\"" +
         action + "\" data-arg=\"" + Html(arg) + "\">" + label + "</button></form>";
}

// The system's health over the last 24 h as a strip (inline SVG, no assets).
std::string DayChart(const std::vector<Segment>& segs, int64_t until_ms) {
  constexpr double kWidth = 288;  // 5 minutes a unit
  const int64_t from = until_ms - 24LL * 3600 * 1000;
  std::ostringstream o;
  o << "<svg class=\"chart\" viewBox=\"0 0 288 8\" preserveAspectRatio=\"none\" width=\"100%\" height=\"8\" "
       "role=\"img\" aria-label=\"health over the last 24 hours\"><rect width=\"288\" height=\"8\" fill=\"#eee\"/>";
  for (const auto& s : segs) {
    double x0 = std::max(0.0, static_cast<double>(s.from_ms - from) * kWidth / (24.0 * 3600 * 1000));
    double x1 = std::min(kWidth, static_cast<double>(s.to_ms - from) * kWidth / (24.0 * 3600 * 1000));
    if (x1 <= x0) continue;
    const char* fill = s.state == "ok"         ? "#2da44e"
                       : s.state == "degraded" ? "#d4a72c"
                       : s.state == "failed"   ? "#cf222e"
                       : s.state == "blocked"  ? "#8250df"
                                               : "#afb8c1";
    o << "<rect class=\"seg-" << Html(s.state) << "\" x=\"" << x0 << "\" width=\"" << std::max(0.5, x1 - x0)
      << "\" height=\"8\" fill=\"" << fill << "\"><title>" << Html(s.state) << " from " << FormatTime(s.from_ms)
      << "</title></rect>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string RenderStatusPage(const HttpView& v, const PageActions& actions) {
  std::ostringstream o;
  o << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta http-equiv=\"refresh\" content=\"5\"><title>redundancy</title><style>"
       "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f6f7f9;color:#1b1f24}"
       "h1{font-size:1.3rem;margin:0 0 "
       "1rem}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:1rem}"
       ".card{background:#fff;border-radius:.5rem;padding:.8rem 1rem;box-shadow:0 1px 3px #0002;border-top:.35rem "
       "solid #999}"
       ".card h2{font-size:1.05rem;margin:.2rem 0 .6rem;display:flex;justify-content:space-between}"
       ".ok{border-color:#2da44e}.degraded{border-color:#d4a72c}.failed{border-color:#cf222e}.blocked{border-color:#"
       "8250df}"
       ".badge{font-size:.8rem;padding:.1rem .45rem;border-radius:1rem;background:#eee}"
       ".check{font-size:.85rem;padding:.25rem 0;border-bottom:1px solid #eee;overflow-wrap:anywhere}"
       ".s-ok{color:#2da44e}.s-degraded{color:#9a6700}.s-failed{color:#cf222e}.s-blocked{color:#8250df}.s-unknown{"
       "color:#57606a}"
       ".alerts{margin-bottom:1rem}table{width:100%;border-collapse:collapse;font-size:.85rem;background:#fff}td,th{"
       "text-align:left;padding:.3rem;border-bottom:1px solid #eee}"
       "form.act{display:inline;margin-left:.4rem}form.act button{font-size:.75rem;padding:0 .4rem}"
       ".chart{display:block;margin:.2rem 0 .5rem}"
       "</style></head><body>\n";
  // The headline says how the site is, from the systems' health, not from the agents alone.
  std::map<std::string, int> by_health;
  for (const auto& sys : v.status.systems()) ++by_health[HealthName(sys.health())];
  std::string headline;
  if (!v.ready) headline = "starting";
  for (const char* h : {"failed", "blocked", "degraded", "unknown"}) {
    if (by_health.count(h)) headline += (headline.empty() ? "" : ", ") + std::to_string(by_health[h]) + " " + h;
  }
  if (headline.empty()) headline = "all systems ok";
  o << "<h1>redundancy &mdash; " << Html(headline);
  if (v.status.fleet().enabled())
    o << " <small>(" << Html(v.status.fleet().name()) << " of <a href=\"#fleet\">fleet "
      << Html(v.status.fleet().group()) << "</a>)</small>";
  o << "</h1>\n";
  std::map<std::string, int> firing;
  for (const auto& a : v.alerts) firing[a.system] += a.state == "firing";
  // Open incidents first, then the recently ended; newest first, at most kShownAlerts rows.
  constexpr size_t kShownAlerts = 10;
  std::vector<const Alert*> shown;
  for (const auto& a : v.alerts) {
    if (a.state == "firing") shown.push_back(&a);
  }
  for (const auto& a : v.alerts) {
    if (a.state != "firing") shown.push_back(&a);
  }
  if (!shown.empty()) {
    o << "<h2>Alerts</h2>\n<table "
         "class=\"alerts\"><tr><th>#</th><th>state</th><th>severity</th><th>target</th><th>since</th><th>summary</th></"
         "tr>\n";
    for (size_t i = 0; i < shown.size() && i < kShownAlerts; ++i) {
      const Alert& a = *shown[i];
      std::string state = a.one_shot ? "event" : a.state;
      if (!a.acked_by.empty()) state += ", acked";
      if (!a.held.empty()) state += ", " + a.held;
      o << "<tr class=\"" << (a.state == "firing" ? "s-failed" : "s-ok") << "\"><td>" << a.id << "</td><td>"
        << Html(state) << "</td><td>" << Html(a.severity) << "</td><td>" << Html(a.target) << "</td><td>"
        << FormatTime(a.starts_ms) << "</td><td>" << Html(a.summary.substr(0, 300));
      if (a.state == "firing" && !a.one_shot) {
        if (a.acked_by.empty()) o << Button(actions, "ack", std::to_string(a.id), "ack");
        o << Button(actions, "silence", a.target, "silence 1h");
      }
      o << "</td></tr>\n";
    }
    if (shown.size() > kShownAlerts) {
      o << "<tr><td colspan=\"6\">and " << shown.size() - kShownAlerts
        << " more (<code>redundancyctl alerts</code>)</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "<div class=\"grid\">\n";
  std::map<std::string, const v1::AgentStatus*> agents;
  for (const auto& a : v.status.agents()) agents[a.name()] = &a;
  for (const auto& sys : v.status.systems()) {
    std::string h = HealthName(sys.health());
    o << "<section class=\"card " << h << "\" data-system=\"" << Html(sys.name()) << "\"><h2><span>" << Html(sys.name())
      << "</span><span class=\"badge s-" << h << "\">" << h << (sys.paused() ? ", paused" : "") << "</span></h2>\n";
    if (v.report) {
      for (const auto& r : v.report->systems) {
        if (r.name == sys.name()) o << DayChart(r.last_day, v.report->until_ms);
      }
    }
    o << Button(actions, sys.paused() ? "resume" : "pause", sys.name(), sys.paused() ? "resume" : "pause");
    if (auto it = agents.find(sys.name()); it != agents.end()) {
      o << "<div class=\"check\">agent " << Html(it->second->state()) << ", pid " << it->second->pid() << ", restarts "
        << it->second->restarts() << "</div>\n";
    }
    if (int n = firing[sys.name()]; n > 0) o << "<div class=\"check s-failed\">" << n << " alert(s) firing</div>\n";
    for (const auto& c : sys.checks()) {
      std::string s = HealthName(c.status());
      o << "<div class=\"check\"><b class=\"s-" << s << "\">" << s << "</b> " << Html(c.target()) << ": "
        << Html(c.summary()) << (c.status() == v1::HEALTH_OK ? "" : Button(actions, "recover", c.target(), "recover"))
        << "</div>\n";
    }
    o << "</section>\n";
  }
  o << "</div>\n";
  if (v.status.fleet().enabled()) o << RenderFleetSection(v.status.fleet());
  if (v.report) {
    // The seeds' KPIs over the last 7 days (redundancyctl report).
    o << "<h2>Last 7 days</h2>\n<table id=\"report\"><tr><th>system</th><th>availability</th><th>incidents</th>"
         "<th>time to recover (mean / p90)</th><th>longest outage</th></tr>\n";
    char avail[32];
    for (const auto& s : v.report->systems) {
      std::snprintf(avail, sizeof avail, "%.3f%%", s.kpi.availability);
      auto secs = [](double x) { return FormatDuration(Millis(static_cast<int64_t>(x) * 1000)); };
      o << "<tr data-system=\"" << Html(s.name) << "\"><td>" << Html(s.name) << "</td><td>" << avail << "</td><td>"
        << s.kpi.incidents << "</td><td>"
        << (s.kpi.incidents ? secs(s.kpi.mean_time_to_recover_s) + " / " + secs(s.kpi.p90_time_to_recover_s) : "-")
        << "</td><td>" << (s.kpi.longest_outage_s > 0 ? secs(s.kpi.longest_outage_s) : "-") << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "<h2>Last "
       "events</h2>\n<table><tr><th>time</th><th>kind</th><th>system</th><th>target</th><th>detail</th></tr>\n";
  for (const auto& e : v.recent) {
    o << "<tr><td>" << FormatTime(e.ts_ms()) << "</td><td>" << Html(e.kind()) << "</td><td>" << Html(e.system())
      << "</td><td>" << Html(e.target()) << "</td><td>" << Html(e.detail().substr(0, 300)) << "</td></tr>\n";
  }
  o << "</table></body></html>\n";
  return o.str();
}

}  // namespace redundancy
