// The alert engine: pure logic on injected times (epoch ms), no I/O. Checks
// and events go in; notifications come out of Tick(), grouped by system, for
// the channels to deliver. Rules (alerts.* in the config):
//   threshold        N consecutive failing reports of a check before it fires
//   cooldown         an alert that fires again within this long after its last
//                    notification waits for the rest of it (flapping targets)
//   repeat_interval  a firing, unacknowledged alert is notified again this often
//   group_wait       notifications of one system within this window go as one
//   escalate_after   level 2 after this long unacknowledged, level 3 after twice
//   send_resolved    notify when an alert ends (only if its firing was notified)
//   settle           an alert is an incident: it ends once its target has been
//                    healthy this long; failures in between (a crash loop, a
//                    flapping check) are the same incident, notified once
// An event alert (gave_up, ...) on a target whose incident is open is folded
// into that incident's alert (its summary), not paged again.
// Inhibition: an alert is held back while a system upstream of its own (by
// depends_on) has a firing alert; it is notified when that one resolves, if it
// still fires. A site that is down (an `outage` check: an app, the PM2
// daemon) is never held back. Silences hold back a target's (or a whole system's) alerts
// until they expire. Acknowledging stops repeats and escalation.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace redundancy {

struct Alert {
  int64_t id = 0;
  std::string fingerprint;  // stable per (system, target): hex of a hash of the labels
  std::string system, target;
  std::string severity;  // critical | warning | info
  std::string summary;
  std::string state;  // firing | resolved
  int64_t starts_ms = 0, ends_ms = 0;
  int level = 1;  // escalation level notified last (1..3)
  std::string acked_by;
  int64_t acked_ms = 0;
  int64_t last_notified_ms = 0;
  int notifications = 0;
  bool resolved_notified = false;
  bool one_shot = false;  // raised by an event: notified once, no resolved notice
  bool outage = false;    // the site is down: never inhibited
  // Why it is held back right now (for `redundancyctl alerts`): "", "silenced",
  // "inhibited by <system>", "cooldown", "grouping".
  std::string held;
};

struct Notification {
  std::string group;   // the system
  std::string status;  // firing when any alert in it fires, else resolved
  int level = 1;       // highest escalation level among its alerts
  std::vector<Alert> alerts;
};

class AlertEngine {
 public:
  void SetRules(AlertRules rules) { rules_ = std::move(rules); }
  const AlertRules& rules() const { return rules_; }
  // system -> the systems it depends on (for inhibition).
  void SetDependencies(std::map<std::string, std::vector<std::string>> deps) { deps_ = std::move(deps); }

  // The latest status of a check: "failed", "degraded" or anything else (ok).
  // With `use_threshold` false a failure fires at once (agents that gave up).
  // `outage`: the failure takes the site down (never inhibited).
  void Observe(const std::string& system, const std::string& target, const std::string& status,
               const std::string& summary, int64_t now_ms, bool use_threshold = true, bool outage = false);
  // A check that is no longer reported: its alert resolves at once.
  void Forget(const std::string& system, const std::string& target, int64_t now_ms);
  // A system no longer configured: its alerts resolve.
  void ForgetSystem(const std::string& system, int64_t now_ms);
  // An event of `kind`: a one-shot alert when rules().events names the kind.
  void Event(const std::string& system, const std::string& target, const std::string& kind, const std::string& detail,
             int64_t now_ms);

  Status Ack(int64_t id, const std::string& by, int64_t now_ms);
  // `target` is a check target ("pm2:api") or a system name (all its targets).
  void Silence(const std::string& target, int64_t until_ms) { silences_[target] = until_ms; }
  bool Unsilence(const std::string& target) { return silences_.erase(target) > 0; }
  const std::map<std::string, int64_t>& silences() const { return silences_; }

  // Evaluates repeats, escalation, inhibition, silences and groups; returns
  // the notifications due now.
  // Cheap (a pass over the live alerts): the daemon calls it a few times a second.
  std::vector<Notification> Tick(int64_t now_ms);
  // When Tick() next has work by the clock (a notice to queue or send, a
  // group_wait, cooldown, repeat or escalation due, an incident settled, a
  // silence ended); nullopt when nothing is live.
  std::optional<int64_t> NextDueMs(int64_t now_ms) const;

  // Firing alerts and those resolved in the last hour, newest first.
  std::vector<Alert> List(int64_t now_ms) const;
  size_t FiringCount() const;
  // Alerts changed since the last call, for the database.
  std::vector<Alert> TakeChanged();
  // Restores state after a restart: alerts (firing ones and recent), silences.
  void Load(const std::vector<Alert>& alerts, const std::map<std::string, int64_t>& silences, int64_t next_id);

 private:
  struct Track {
    int failures = 0;
    std::optional<int64_t> alert;  // id of its current (firing) alert
    int64_t good_since = 0;        // healthy since (settling), or 0 while failing
    std::string system;
  };
  void ResolveTrack(const std::string& fingerprint, int64_t now_ms);
  Alert& Open(const std::string& system, const std::string& target, const std::string& severity,
              const std::string& summary, int64_t now_ms);
  void Resolve(Alert& a, int64_t now_ms);
  void Queue(Alert& a, int64_t now_ms, int level);
  std::string InhibitedBy(const Alert& a, const std::set<std::string>& firing_systems) const;
  bool Silenced(const Alert& a, int64_t now_ms) const;
  void Changed(const Alert& a) { changed_.insert(a.id); }

  AlertRules rules_;
  std::map<std::string, std::vector<std::string>> deps_;
  std::map<std::string, Track> tracks_;         // by fingerprint
  std::set<std::string> settling_;              // fingerprints of firing alerts whose target is healthy again
  std::map<int64_t, Alert> alerts_;             // firing, and ended ones with a notice due, by id
  std::deque<Alert> recent_;                    // ended ones, newest last (bounded)
  std::vector<Alert> moved_changed_;            // changed, then moved to recent_
  std::map<std::string, int64_t> last_notice_;  // fingerprint -> when a firing notice went out
  std::map<std::string, int64_t> silences_;     // target or system -> until
  std::map<std::string, std::pair<int64_t, std::map<int64_t, Alert>>> groups_;  // system -> (first queued, alerts)
  std::set<int64_t> changed_;
  int64_t next_id_ = 1;
};

std::string AlertFingerprint(const std::string& system, const std::string& target);

}  // namespace redundancy
