// The checks of a custom system, one at a time: run what a CheckSpec says
// and turn it into a CheckResult (target "<system>:<check name>").
// Blocking (commands, connects): called on the agent's worker thread.
#pragma once

#include <string>

#include "agents/custom/settings.h"
#include "common/clock.h"
#include "common/process/process.h"
#include "redundancy.pb.h"

namespace redundancy::custom {

// Runs a command as ExecSpec says: argv (or /bin/sh -c), a clean environment
// plus its env, its user and cwd, in a process group of its own that is
// killed whole when it outlives its timeout; output capped to max_output
// (its first bytes with `keep_head`, else its last).
Result<process::Captured> RunCommand(const ExecSpec& exec, bool keep_head = false);

v1::CheckResult RunCheck(const CheckSpec& check, const std::string& system, const Clock& clock);

}  // namespace redundancy::custom
