// Turns status snapshots and history rows into what people and scripts read:
// the JSON of `redundancyctl status --json` (fields fixed by DESIGN.md) and
// readable tables. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "redundancy.pb.h"

namespace redundancy {

// "ok", "degraded", "failed", "blocked" or "unknown".
const char* HealthName(v1::HealthStatus s);

// "2026-11-22T10:00:00.123Z"
std::string FormatTime(int64_t epoch_ms);

nlohmann::json StatusToJson(const v1::StatusSnapshot& s);
// `color`: health and agent states in ANSI colours (a terminal that wants them).
std::string StatusToTable(const v1::StatusSnapshot& s, bool color = false);

// True when stdout is a terminal, NO_COLOR is unset or empty (no-color.org) and TERM is not "dumb".
bool WantColor();

// The fleet (fleet status): hosts, rollout, bad commits.
nlohmann::json FleetToJson(const v1::FleetStatus& f);
std::string FleetToTable(const v1::FleetStatus& f, bool color = false);

nlohmann::json HistoryToJson(const google::protobuf::RepeatedPtrField<v1::HistoryEntry>& rows);
std::string HistoryToTable(const google::protobuf::RepeatedPtrField<v1::HistoryEntry>& rows);

}  // namespace redundancy
