// What the commit at HEAD holds, for the agents that treat git as the source
// of truth (restore what drifted from HEAD, accept what a commit deleted).
// `dir` is any directory inside a checkout; paths are relative to it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace redundancy::git_head {

// The entries of `sub` (a directory relative to `dir`) at HEAD, as git names
// them (relative to `dir`: "netlify/functions/hello.js"); nullopt when `dir`
// is no checkout or has no commit yet. Empty when HEAD has no such directory.
std::optional<std::vector<std::string>> Entries(const std::string& dir, const std::string& sub);

// The text of `path` (relative to `dir`) at HEAD; nullopt when HEAD does not
// have it, it is larger than `max_bytes`, or there is no checkout or commit.
std::optional<std::string> File(const std::string& dir, const std::string& path, size_t max_bytes = 64 << 20);

// A pull deletes files before it moves HEAD: gives git a moment, then true
// unless git still holds the checkout's index lock (try again later).
bool Settled(const Clock& clock, const std::string& dir);

}  // namespace redundancy::git_head
