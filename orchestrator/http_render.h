// What redundancyd's HTTP endpoint serves, rendered from a view the event
// loop publishes: /metrics in the Prometheus text format, /healthz, and the
// status page. Pure functions (no sockets), unit-tested.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/alerts.h"
#include "orchestrator/report.h"
#include "redundancy.pb.h"

namespace redundancy {

struct HttpView {
  v1::StatusSnapshot status;
  std::map<std::string, v1::HealthReport> reports;                    // by system: check metrics
  std::map<std::pair<std::string, std::string>, uint64_t> events;     // (system, kind) -> count since start
  std::vector<v1::HistoryEntry> recent;                               // the last events, newest first
  bool ready = false;                                                 // the daemon and every agent ready
  std::vector<Alert> alerts;                                          // firing and recently resolved
  uint64_t notifications_delivered = 0, notification_failures = 0;    // delivery attempts since start
  std::map<std::pair<std::string, std::string>, uint64_t> incidents;  // (system, target) -> since start
  std::map<std::string, RecoveryHistogram> recovery_durations;        // by system, since start
  std::shared_ptr<const Report> report;                               // the last 7 days (null until computed)
  uint64_t health_changes = 0;  // health transitions since start: a page report older than one is stale
  int64_t published_ms = 0;     // wall clock when the loop made it (uptime goes on from there)
};

// Prometheus text exposition format 0.0.4. In a fleet every series carries
// the host and group labels, and the fleet's own series are added.
std::string RenderMetrics(const HttpView& v);
// The fleet's parts (http_render_fleet.cc): its series, the labels added to
// every series of `metrics`, and the status page's section.
std::string RenderFleetMetrics(const v1::FleetStatus& f);
std::string WithHostLabels(const std::string& metrics, const std::string& host, const std::string& group);
std::string RenderFleetSection(const v1::FleetStatus& f);
// `s` escaped for HTML text and attribute values.
std::string HtmlEscape(const std::string& s);
// The page's buttons (recover, pause/resume, ack/silence): shown only with a
// CSRF token, i.e. when HTTP auth is configured and the daemon acts on them.
struct PageActions {
  std::string csrf;
  std::string token;  // the ?token= the page was opened with, kept on the forms
};

// The status page: one card per system with its 24 h of health, agents, the
// last events, the 7-day KPIs, and actions; refreshes itself.
std::string RenderStatusPage(const HttpView& v, const PageActions& actions = {});

}  // namespace redundancy
