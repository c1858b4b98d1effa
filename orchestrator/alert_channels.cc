#include "orchestrator/alert_channels.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "common/probe.h"
#include "common/process/process.h"

namespace redundancy {
namespace {

using nlohmann::json;

int Rank(const std::string& severity) { return severity == "critical" ? 2 : severity == "warning" ? 1 : 0; }

json Labels(const Alert& a) {
  return {{"alertname", a.one_shot ? "RedundancyEvent" : "RedundancyCheck"},
          {"system", a.system},
          {"target", a.target},
          {"severity", a.severity}};
}

std::string StateOf(const Alert& a) { return a.one_shot ? "firing" : a.state; }

json Generic(const AlertChannel& c, const Notification& n, const std::string& host) {
  json alerts = json::array();
  for (const auto& a : n.alerts) {
    json j = {{"id", a.id},
              {"fingerprint", a.fingerprint},
              {"status", StateOf(a)},
              {"labels", Labels(a)},
              {"summary", a.summary},
              {"startsAt", Rfc3339(a.starts_ms)},
              {"endsAt", a.ends_ms ? Rfc3339(a.ends_ms) : ""},
              {"level", a.level}};
    if (!a.acked_by.empty()) j["acked_by"] = a.acked_by;
    alerts.push_back(std::move(j));
  }
  return {{"version", "1"},
          {"receiver", c.name},
          {"status", n.status},
          {"group", n.group},
          {"level", n.level},
          {"source", "redundancyd@" + host},
          {"alerts", std::move(alerts)}};
}

std::string Title(const Notification& n) {
  std::string s = n.status == "firing" ? "FIRING" : "RESOLVED";
  s += ":" + std::to_string(n.alerts.size()) + " " + n.group;
  if (n.level > 1) s += " (level " + std::to_string(n.level) + ")";
  return s;
}

std::string PlainText(const Notification& n, const std::string& host) {
  std::string body;
  for (const auto& a : n.alerts) {
    body +=
        "[" + StateOf(a) + "] " + a.severity + " " + a.target + " #" + std::to_string(a.id) + ": " + a.summary + "\n";
    body += "  since " + Rfc3339(a.starts_ms) + (a.ends_ms ? ", ended " + Rfc3339(a.ends_ms) : "") + "\n";
  }
  body += "\nfrom redundancyd on " + host + " (redundancyctl alerts; redundancyctl alerts ack ID)\n";
  return body;
}

json Slack(const Notification& n, const std::string& host) {
  bool critical = false;
  for (const auto& a : n.alerts) critical |= a.severity == "critical" && StateOf(a) == "firing";
  std::string color = n.status == "resolved" ? "good" : critical ? "danger" : "warning";
  json fields = json::array();
  for (const auto& a : n.alerts) {
    fields.push_back({{"title", a.target + " (" + a.severity + ", #" + std::to_string(a.id) + ")"},
                      {"value", StateOf(a) + ": " + a.summary},
                      {"short", false}});
  }
  return {{"text", "[" + Title(n) + "] redundancy on " + host},
          {"attachments", json::array({{{"color", color},
                                        {"fallback", Title(n)},
                                        {"title", Title(n)},
                                        {"fields", std::move(fields)},
                                        {"footer", "redundancyd@" + host}}})}};
}

json Alertmanager(const Notification& n, int64_t now_ms, const std::string& host) {
  json out = json::array();
  for (const auto& a : n.alerts) {
    json labels = Labels(a);
    labels["instance"] = host;
    json j = {{"labels", labels},
              {"annotations", {{"summary", a.summary}, {"level", std::to_string(a.level)}}},
              {"startsAt", Rfc3339(a.starts_ms)}};
    // Alertmanager resolves an alert at its endsAt (5 minutes after it was
    // last sent, when none is given); a firing one is re-sent every
    // repeat_interval, so it is given a day (keep repeat_interval under that).
    bool firing = a.state == "firing";
    j["endsAt"] = Rfc3339(firing ? now_ms + 24LL * 3600 * 1000 : (a.ends_ms ? a.ends_ms : now_ms));
    out.push_back(std::move(j));
  }
  return out;
}

std::string Email(const AlertChannel& c, const Notification& n, int64_t now_ms, const std::string& host) {
  char date[64];
  time_t t = static_cast<time_t>(now_ms / 1000);
  tm tmv{};
  gmtime_r(&t, &tmv);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tmv);
  std::string to;
  for (const auto& r : c.to) to += (to.empty() ? "" : ", ") + r;
  std::string msg = "From: " + c.from + "\r\nTo: " + to + "\r\nSubject: [redundancy] " + Title(n) + " on " + host +
                    "\r\nDate: " + date + "\r\nMessage-ID: <" + std::to_string(now_ms) + "." + n.group + "@" + host +
                    ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  std::string body = PlainText(n, host);
  for (char ch : body) {
    if (ch == '\n')
      msg += "\r\n";
    else
      msg += ch;
  }
  return msg;
}

Status Http(const std::string& url, const std::string& payload, Millis timeout) {
  HttpResponse r = HttpPost(url, {"Content-Type: application/json"}, payload, timeout);
  if (!r.error.empty()) return Status::Error(r.error);
  if (r.status < 200 || r.status >= 300) {
    return Status::Error("HTTP " + std::to_string(r.status) + (r.body.empty() ? "" : ": " + r.body.substr(0, 200)));
  }
  return Status::Ok();
}

}  // namespace

std::string Rfc3339(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  tm tmv{};
  gmtime_r(&t, &tmv);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tmv);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

Notification ForChannel(const AlertChannel& c, const Notification& n) {
  Notification out;
  out.group = n.group;
  out.status = "resolved";
  for (const auto& a : n.alerts) {
    if (Rank(a.severity) < Rank(c.min_severity) || a.level < c.level) continue;
    if (StateOf(a) == "firing") out.status = "firing";
    out.level = std::max(out.level, a.level);
    out.alerts.push_back(a);
  }
  return out;
}

std::string RenderPayload(const AlertChannel& c, const Notification& n, int64_t now_ms, const std::string& host) {
  if (c.type == "slack") return JsonText(Slack(n, host));
  if (c.type == "alertmanager") return JsonText(Alertmanager(n, now_ms, host));
  if (c.type == "email") return Email(c, n, now_ms, host);
  std::string line = JsonText(Generic(c, n, host));
  return c.type == "file" ? line + "\n" : line;
}

Status Deliver(const AlertChannel& c, const std::string& payload) {
  if (c.type == "webhook" || c.type == "slack") return Http(c.url, payload, c.timeout);
  if (c.type == "alertmanager") {
    std::string url = c.url;
    if (url.find("/api/") == std::string::npos)
      url = (url.back() == '/' ? url.substr(0, url.size() - 1) : url) + "/api/v2/alerts";
    return Http(url, payload, c.timeout);
  }
  if (c.type == "email") {
    MailSpec mail{c.url, c.username, c.password, c.from, c.to, payload};
    std::string error = SendMail(mail, c.timeout);
    return error.empty() ? Status::Ok() : Status::Error(error);
  }
  if (c.type == "exec") {
    process::SpawnSpec spec;
    spec.exe = "/bin/sh";
    spec.args = {"-c", c.command};
    spec.stdin_data = payload;
    auto r = process::RunCapture(spec, c.timeout, 4096);
    if (!r.ok()) return r.status();
    if (r->timed_out) return Status::Error("timed out after " + FormatDuration(c.timeout));
    if (r->exit.code != 0) {
      std::string tail = r->output.size() > 200 ? r->output.substr(r->output.size() - 200) : r->output;
      while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
      return Status::Error(r->exit.Describe() + (tail.empty() ? "" : ": " + tail));
    }
    return Status::Ok();
  }
  if (c.type == "file") {
    int fd = open(c.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Error("cannot open " + c.path + ": " + std::strerror(errno));
    ssize_t n = write(fd, payload.data(), payload.size());  // one write: lines never interleave
    int err = errno;
    bool synced = fsync(fd) == 0;
    close(fd);
    if (n != static_cast<ssize_t>(payload.size()))
      return Status::Error("cannot write " + c.path + ": " + std::strerror(err));
    if (!synced) return Status::Error("cannot sync " + c.path);
    return Status::Ok();
  }
  return Status::Error("unknown channel type '" + c.type + "'");
}

std::string AlertToJson(const Alert& a) {
  return JsonText(json{{"id", a.id},
                       {"fingerprint", a.fingerprint},
                       {"system", a.system},
                       {"target", a.target},
                       {"severity", a.severity},
                       {"summary", a.summary},
                       {"state", a.state},
                       {"starts_ms", a.starts_ms},
                       {"ends_ms", a.ends_ms},
                       {"level", a.level},
                       {"acked_by", a.acked_by},
                       {"acked_ms", a.acked_ms},
                       {"last_notified_ms", a.last_notified_ms},
                       {"notifications", a.notifications},
                       {"resolved_notified", a.resolved_notified},
                       {"one_shot", a.one_shot},
                       {"outage", a.outage},
                       {"held", a.held}});
}

Result<Alert> AlertFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Result<Alert>::Error("not an alert: " + text.substr(0, 80));
  Alert a;
  a.id = j.value("id", int64_t{0});
  a.fingerprint = j.value("fingerprint", "");
  a.system = j.value("system", "");
  a.target = j.value("target", "");
  a.severity = j.value("severity", "warning");
  a.summary = j.value("summary", "");
  a.state = j.value("state", "firing");
  a.starts_ms = j.value("starts_ms", int64_t{0});
  a.ends_ms = j.value("ends_ms", int64_t{0});
  a.level = j.value("level", 1);
  a.acked_by = j.value("acked_by", "");
  a.acked_ms = j.value("acked_ms", int64_t{0});
  a.last_notified_ms = j.value("last_notified_ms", int64_t{0});
  a.notifications = j.value("notifications", 0);
  a.resolved_notified = j.value("resolved_notified", false);
  a.one_shot = j.value("one_shot", false);
  a.outage = j.value("outage", false);
  a.held = j.value("held", "");
  if (a.id <= 0) return Result<Alert>::Error("alert without an id");
  return a;
}

}  // namespace redundancy
