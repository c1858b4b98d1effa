// One sync of a deployed checkout onto <remote>/<branch>: the policy users
// trust (DESIGN and the git issue), shared by the git agent and
// `redundancyctl git sync`. Every git call is a child process (common/process)
// with a timeout; nothing here keeps state between syncs.
//
// - Fetch (with prune) first; an unreachable remote or a missing branch
//   changes nothing in the checkout.
// - Up to date: a true no-op.
// - Ignored and untracked files are never deleted.
// - pull/rebase never lose local work: uncommitted edits are stashed and
//   restored; a restore that conflicts leaves a clean tree at the new head and
//   the edits in the stash (result "conflict"). A merge or rebase that
//   conflicts is aborted, HEAD stays (result "error"). After an upstream
//   force-push, pull refuses when there are local commits; rebase keeps only them.
// - hardreset saves first: edits to a stash, dropped commits to
//   refs/redundancy/backup/<time>, untracked files it would overwrite to a backup folder.
// - Wrong branch or detached HEAD: back to the configured branch.
// - Leftovers of a crashed git (stale index.lock, merge/rebase in progress) are cleaned first.
#pragma once

#include <string>
#include <vector>

#include "common/duration.h"

namespace redundancy::git {

struct SyncOptions {
  std::string dir;  // the checkout
  std::string remote = "origin";
  std::string branch = "main";
  std::string strategy = "pull";  // pull | hardreset | rebase
  std::string backup_dir;  // where copies of overwritten untracked files go; default <git-dir>/redundancy/backups
  bool submodules = true;
  Millis timeout{120'000};  // per git command
  std::string git_bin = "git";
  // A fleet's rollout: go to this commit (fetched from the remote) instead of
  // the branch's tip; "" = the tip.
  std::string to_revision;
  // A fleet host's own recovery: mend the checkout (leftovers, branch) but
  // bring nothing in; new code comes only as a rollout's to_revision.
  bool stay = false;
};

struct SyncResult {
  std::string result = "ok";  // ok | error | conflict
  std::string error_kind;     // not_a_repository, remote_unreachable, remote_branch_missing, merge_conflict,
                              // rebase_conflict, upstream_rewritten, untracked_would_be_overwritten, git_failed...
  std::string message;
  std::string head_before, head_after;
  std::vector<std::string> backups;  // stash entries, backup refs, backup folders
  std::vector<std::string> steps;    // what was done, in order (for history)
  bool changed = false;              // HEAD or the worktree changed
};

// A remote, branch or revision handed to git as one argument: not empty, no
// leading '-' (git would take it for an option: `--upload-pack=CMD` runs
// CMD), no spaces or control characters, at most 255 bytes. `what` names it
// in the error ("remote").
Status CheckGitName(const std::string& what, const std::string& value);
// Both of the options' names.
Status CheckNames(const SyncOptions& options);

SyncResult Sync(const SyncOptions& options);

// Moves the configured branch back to `revision` (the pipeline's rollback),
// saving first what it leaves behind: the current head in
// refs/redundancy/backup/<time>, uncommitted edits in a stash (re-applied
// when they apply cleanly), untracked files the reset would overwrite.
// Fetches nothing.
SyncResult ResetTo(const SyncOptions& options, const std::string& revision);

// "<short sha> <subject>" of a commit, or the short sha alone.
std::string DescribeCommit(const SyncOptions& options, const std::string& revision);

// Where the checkout stands against its remote, after a fetch (which touches
// only .git). For the git agent's checks.
struct RepoState {
  std::string error_kind;  // "" or not_a_repository / remote_unreachable / remote_branch_missing
  std::string error;
  std::string branch;  // "" when detached
  std::string head, upstream;
  int ahead = 0, behind = 0;
  bool dirty = false;      // uncommitted edits to tracked files
  bool leftovers = false;  // index.lock, merge/rebase/cherry-pick in progress
};
RepoState Inspect(const SyncOptions& options);

// {"result", "error_kind", "message", "head_before", "head_after", "backups", "steps"}
std::string SyncResultJson(const SyncResult& r);

}  // namespace redundancy::git
