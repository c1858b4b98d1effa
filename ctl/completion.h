// `redundancyctl completion bash|zsh`: a completion script made from the
// command line's own definitions (every command, subcommand and flag), which
// asks the running daemon for system and target names
// (`redundancyctl __names systems|targets`, quiet when there is none).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "ctl/alert_cmds.h"

namespace redundancy::ctl {

// The script for `shell` (bash or zsh); "" for another shell.
std::string CompletionScript(const CLI::App& app, const std::string& shell);

// One name a line: the daemon's systems, or its check targets.
int PrintNames(const Caller& call, const std::string& what);

}  // namespace redundancy::ctl
