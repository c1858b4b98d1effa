// The daemon's side of alerting (orchestrator/alerting.h).
#include "orchestrator/alerting.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "common/event_kinds.h"
#include "common/json_text.h"
#include "common/logging.h"
#include "common/status_render.h"
#include "orchestrator/alert_channels.h"
#include "orchestrator/control_reply.h"

namespace redundancy {
namespace {

constexpr const char* kSilencesKey = "alerts.silences";

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

void Alerting::Setup(Store* store, const std::string& database) {
  store_ = store;
  int64_t now = clock_->WallMs();
  std::vector<Alert> alerts;
  if (auto rows = store_->AlertsJson(now - 3600 * 1000); rows.ok()) {
    for (const auto& text : *rows) {
      if (auto a = AlertFromJson(text); a.ok()) {
        alert_states_[a->id] = a->state;
        alerts.push_back(std::move(a.value()));
      }
    }
  }
  std::map<std::string, int64_t> silences;
  auto saved = nlohmann::json::parse(store_->GetState(kSilencesKey), nullptr, false);
  if (saved.is_object()) {
    for (const auto& [k, v] : saved.items()) {
      if (v.is_number_integer() && v.get<int64_t>() > now) silences[k] = v.get<int64_t>();
    }
  }
  alerts_.Load(alerts, silences, store_->MaxAlertId() + 1);
  saved_silences_ = silences;
  Clock* clock = clock_;
  dispatcher_ = std::make_unique<AlertDispatcher>(database, [clock] { return clock->WallMs(); });
  dispatcher_->Start();
  if (!alerts.empty()) spdlog::info("alerts: {} alert(s) restored from the database", alerts.size());
}

void Alerting::Configure(const Config& config) {
  channels_ = config.alert_channels;
  alerts_.SetRules(config.alert_rules);
  std::map<std::string, std::vector<std::string>> deps;
  for (const auto& sc : config.systems) deps[sc.name] = sc.depends_on;
  for (const auto& a : alerts_.List(clock_->WallMs())) {
    // A system taken out of the configuration says nothing more: its alerts end.
    if (a.state == "firing" && !deps.count(a.system) && !a.system.empty())
      alerts_.ForgetSystem(a.system, clock_->WallMs());
  }
  alerts_.SetDependencies(std::move(deps));
  if (dispatcher_) dispatcher_->SetChannels(config.alert_channels);
  // The dead man's switch moves with the configuration too.
  std::string dm = config.deadman_url + "|" + std::to_string(config.deadman_interval.count());
  if (dm != deadman_config_) {
    deadman_config_ = dm;
    deadman_.Start(config.deadman_url, config.deadman_interval);
    if (deadman_.running()) spdlog::info("deadman: pinging every {} ms", config.deadman_interval.count());
  }
}

void Alerting::ObserveChecks(const std::string& system, const v1::HealthReport& report,
                             const std::vector<std::string>& previous, Millis grace_ms, bool owned_by_pipeline) {
  int64_t now = clock_->WallMs();
  int64_t grace = grace_ms.count();
  std::set<std::string> seen;
  for (const auto& c : report.checks()) {
    seen.insert(c.target());
    // Startup grace: a check that has just appeared (a cold start, a new app)
    // may be failing only until a recovery under way ends; until it has been
    // healthy once, its bad reports count toward an alert only once it has
    // existed for `grace`.
    // Once it has been healthy, it is under way: no more grace.
    int64_t& first = check_first_seen_.emplace(c.target(), now).first->second;
    bool bad = c.status() == v1::HEALTH_FAILED || c.status() == v1::HEALTH_DEGRADED;
    if (!bad) first = std::numeric_limits<int64_t>::min() / 2;
    if (bad && now - first < grace) continue;
    // A transient state (an agent labels it: behind right after a fetch, an
    // app PM2 is restarting) alerts only once it has lasted `grace`.
    // So is every bad state of a system the deploy pipeline is working on.
    auto label = c.labels().find("transient");
    if (bad && ((label != c.labels().end() && label->second == "true") || owned_by_pipeline)) {
      int64_t since = transient_since_.emplace(c.target(), now).first->second;
      if (now - since < grace) continue;
    } else {
      transient_since_.erase(c.target());
    }
    // A deliberate state an agent shows but nobody needs paging for (git held
    // at the last good commit after a rollback): healthy as far as alerts go.
    auto expected = c.labels().find("expected");
    bool deliberate = expected != c.labels().end() && expected->second == "true";
    // A failing restore check is the site (or what serves it) down: never inhibited.
    alerts_.Observe(system, c.target(), deliberate ? "ok" : HealthName(c.status()), c.summary(), now, true,
                    c.restore() && c.status() == v1::HEALTH_FAILED);
  }
  for (const auto& target : previous) {
    if (seen.count(target)) continue;
    alerts_.Forget(system, target, now);
    check_first_seen_.erase(target);
    transient_since_.erase(target);
  }
}

void Alerting::ObserveAgent(const std::string& system, bool gave_up, const std::string& detail) {
  // An agent that is given up on is a failing check of its own.
  alerts_.Observe(system, "agent:" + system, gave_up ? "failed" : "ok", detail, clock_->WallMs(), false);
}

void Alerting::ObserveFleetHost(const std::string& host, bool lost, const std::string& detail) {
  alerts_.Observe("fleet", "host:" + host, lost ? "failed" : "ok", detail, clock_->WallMs(), false);
}

std::optional<SteadyTime> Alerting::NextDeadline() const {
  int64_t now = clock_->WallMs();
  std::optional<int64_t> due = alerts_.NextDueMs(now);
  if (alerts_.silences() != saved_silences_) due = now;
  if (!due) return std::nullopt;
  SteadyTime t = clock_->Now() + Millis(std::max<int64_t>(0, *due - now));
  return std::max(t, next_tick_);  // at most every 200 ms
}

void Alerting::Tick(bool now_please) {
  SteadyTime t = clock_->Now();
  if (!now_please && t < next_tick_) return;
  next_tick_ = t + std::chrono::milliseconds(200);
  int64_t now = clock_->WallMs();
  std::vector<Notification> due = alerts_.Tick(now);
  for (const auto& a : alerts_.TakeChanged()) {
    Changed();
    if (!store_) break;
    if (Status s = store_->PutAlert(a.id, a.state, a.ends_ms, AlertToJson(a)); !s.ok())
      spdlog::error("alerts: {}", s.message());
    std::string& known = alert_states_[a.id];
    if (known != a.state) {
      journal_->Note({.system = a.system,
                      .target = a.target,
                      .kind = a.one_shot            ? events::kAlertEvent
                              : a.state == "firing" ? events::kAlertFiring
                                                    : events::kAlertResolved,
                      .detail = "#" + std::to_string(a.id) + " " + a.severity + ": " + a.summary,
                      .level = a.state == "firing" ? JournalEntry::Level::kWarn : JournalEntry::Level::kInfo,
                      .alert = false});
      known = a.state;
    }
  }
  if (alert_states_.size() > 4096) alert_states_.clear();  // bounded; the database has them
  if (alerts_.silences() != saved_silences_ && store_) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : alerts_.silences()) j[k] = v;
    if (store_->SetState(kSilencesKey, JsonText(j)).ok()) saved_silences_ = alerts_.silences();
  }
  if (due.empty() || !store_) return;
  static const std::string host = Hostname();
  bool queued = false;
  for (const auto& n : due) {
    for (const auto& channel : channels_) {
      Notification mine = ForChannel(channel, n);
      if (mine.alerts.empty()) continue;
      DeliveryRow row;
      row.created_ms = now;
      row.channel = channel.name;
      for (const auto& a : mine.alerts) row.alert_ids += (row.alert_ids.empty() ? "" : ",") + std::to_string(a.id);
      row.status = mine.status;
      row.payload = Redact(RenderPayload(channel, mine, now, host));
      row.next_ms = now;
      if (auto id = store_->AddDelivery(row); !id.ok()) {
        spdlog::error("alerts: the database cannot keep a notification for {} ({}): it is sent from memory",
                      channel.name, id.error());
        row.state = "pending";
        if (dispatcher_) dispatcher_->QueueInMemory(std::move(row));
      } else {
        queued = true;
      }
    }
  }
  if (queued && dispatcher_) dispatcher_->Wake();
}

v1::ControlResponse Alerting::HandleControl(const v1::ControlRequest& req, uid_t uid) {
  v1::ControlResponse resp;
  resp.set_ok(true);
  int64_t now = clock_->WallMs();
  switch (req.op()) {
    case v1::ControlRequest::ALERT_ACK: {
      char* end = nullptr;
      long long id = std::strtoll(req.arg().c_str(), &end, 10);
      if (req.arg().empty() || *end != '\0' || id <= 0)
        return ControlFail(2, "expected an alert id (a number), got '" + req.arg() + "'");
      if (Status s = alerts_.Ack(id, "uid " + std::to_string(uid), now); !s.ok()) return ControlFail(1, s.message());
      resp.set_message("alert " + req.arg() +
                       " acknowledged: no more repeats or escalation; its end is still notified");
      break;
    }
    case v1::ControlRequest::ALERT_SILENCE:
      if (req.arg().empty()) return ControlFail(2, "expected a target or a system to silence");
      if (req.duration_ms() <= 0) return ControlFail(2, "expected a duration (--for 1h)");
      alerts_.Silence(req.arg(), now + req.duration_ms());
      resp.set_message("silenced " + req.arg() + " for " + FormatDuration(Millis(req.duration_ms())));
      break;
    case v1::ControlRequest::ALERT_UNSILENCE:
      if (!alerts_.Unsilence(req.arg())) return ControlFail(1, "no silence for '" + req.arg() + "'");
      resp.set_message("silence of " + req.arg() + " lifted");
      break;
    default: {
      nlohmann::json out = {{"alerts", nlohmann::json::array()},
                            {"silences", nlohmann::json::array()},
                            {"deliveries", nlohmann::json::array()}};
      for (const auto& a : alerts_.List(now)) out["alerts"].push_back(nlohmann::json::parse(AlertToJson(a)));
      for (const auto& [target, until] : alerts_.silences())
        out["silences"].push_back({{"target", target}, {"until_ms", until}});
      if (store_) {
        if (auto rows = store_->Deliveries("", 20); rows.ok()) {
          for (const auto& r : *rows) {
            out["deliveries"].push_back({{"id", r.id},
                                         {"channel", r.channel},
                                         {"alerts", r.alert_ids},
                                         {"status", r.status},
                                         {"state", r.state},
                                         {"attempts", r.attempts},
                                         {"created_ms", r.created_ms},
                                         {"next_ms", r.next_ms},
                                         {"done_ms", r.done_ms},
                                         {"last_error", r.last_error}});
          }
        }
      }
      out["now_ms"] = now;
      resp.set_json(JsonText(out));
      return resp;
    }
  }
  Tick(true);  // persist at once
  return resp;
}

void Alerting::Stop(bool failed) {
  Tick(true);
  if (dispatcher_) dispatcher_->Stop();
  deadman_.Stop(failed);
}

}  // namespace redundancy
