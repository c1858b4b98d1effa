// Alert channels: what a notification looks like on each kind of channel
// (rendered once, when it is queued, so every retry sends the same bytes) and
// the blocking delivery of it (called from the dispatcher's thread only).
#pragma once

#include <string>

#include "common/config.h"
#include "common/status.h"
#include "orchestrator/alerts.h"

namespace redundancy {

// The alerts of `n` this channel should hear of: at or above its
// min_severity and notified at or above its escalation level. Empty: none.
Notification ForChannel(const AlertChannel& channel, const Notification& n);

// The payload for the channel: JSON for webhook/exec/file (one line for
// file), Slack's message format, Alertmanager's v2 alert list, or a whole
// RFC 5322 email. `host` names this machine in it.
std::string RenderPayload(const AlertChannel& channel, const Notification& n, int64_t now_ms, const std::string& host);

// Sends it; an error says why (never a URL or password).
Status Deliver(const AlertChannel& channel, const std::string& payload);

// An alert as the JSON kept in the database (and shown by `redundancyctl alerts --json`).
std::string AlertToJson(const Alert& a);
Result<Alert> AlertFromJson(const std::string& text);

// Epoch ms as RFC 3339 UTC with milliseconds ("2026-11-30T15:04:05.123Z").
std::string Rfc3339(int64_t ms);

}  // namespace redundancy
