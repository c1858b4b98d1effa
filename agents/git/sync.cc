#include "agents/git/sync.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/process/process.h"

namespace redundancy::git {
namespace fs = std::filesystem;
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Stamp() {
  auto now = std::chrono::system_clock::now();
  time_t t = std::chrono::system_clock::to_time_t(now);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Runs git in the checkout; C locale, never prompts.
class Git {
 public:
  explicit Git(const SyncOptions& o) : o_(o) {}
  struct Out {
    int code = -1;
    std::string out;
    bool ok() const { return code == 0; }
  };
  Out Run(const std::vector<std::string>& args) const {
    process::SpawnSpec spec;
    spec.exe = o_.git_bin;
    spec.args = {"-C", o_.dir, "-c", "core.quotepath=off", "-c", "protocol.file.allow=always"};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.env = {{"LC_ALL", "C"}, {"GIT_TERMINAL_PROMPT", "0"}, {"GIT_EDITOR", "true"}, {"GIT_MERGE_AUTOEDIT", "no"}};
    auto r = process::RunCapture(spec, o_.timeout);
    Out out;
    if (!r.ok()) {
      out.out = r.error();
      return out;
    }
    out.code = r->timed_out ? -2 : r->exit.code;
    out.out = r->output;
    return out;
  }
  // Trimmed output, or "" when the command failed.
  std::string Line(const std::vector<std::string>& args) const {
    Out o = Run(args);
    return o.ok() ? Trim(o.out) : "";
  }
  bool IsAncestor(const std::string& a, const std::string& b) const {
    return Run({"merge-base", "--is-ancestor", a, b}).ok();
  }
  // The remote's branch as the last fetch left it, and the fetch that moves it.
  std::string TrackingRef() const { return "refs/remotes/" + o_.remote + "/" + o_.branch; }
  Out Fetch() const { return Run({"fetch", "--prune", "--no-recurse-submodules", "--", o_.remote}); }

 private:
  const SyncOptions& o_;
};

// True when a git process runs with its working directory inside `dir`.
bool GitRunningIn(const std::string& dir) {
  std::error_code ec;
  std::string root = fs::weakly_canonical(dir, ec).string();
  DIR* d = opendir("/proc");
  if (!d) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string base = std::string("/proc/") + e->d_name;
    char comm[64] = {0};
    FILE* f = fopen((base + "/comm").c_str(), "r");
    if (!f) continue;
    bool is_git = fgets(comm, sizeof comm, f) && std::string(comm).rfind("git", 0) == 0;
    fclose(f);
    if (!is_git) continue;
    std::string cwd = fs::read_symlink(base + "/cwd", ec).string();
    if (!ec && cwd.rfind(root, 0) == 0) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

class Syncer {
 public:
  explicit Syncer(const SyncOptions& o) : o_(o), git_(o) {}

  SyncResult Run() {
    if (Status s = CheckNames(o_); !s.ok()) return Fail("bad_argument", s.message());
    git_dir_ = git_.Line({"rev-parse", "--absolute-git-dir"});
    if (git_dir_.empty()) return Fail("not_a_repository", o_.dir + " is not a git checkout");
    r_.head_before = git_.Line({"rev-parse", "--verify", "-q", "HEAD"});
    if (!CleanLeftovers()) return r_;
    const std::string tracking = git_.TrackingRef();
    std::string old_upstream = git_.Line({"rev-parse", "--verify", "-q", tracking});
    Git::Out fetch = git_.Fetch();
    if (!fetch.ok()) return Fail("remote_unreachable", "git fetch " + o_.remote + ": " + FoldLines(fetch.out));
    std::string tip = git_.Line({"rev-parse", "--verify", "-q", tracking});
    if (tip.empty()) return Fail("remote_branch_missing", o_.remote + " has no branch " + o_.branch);
    std::string upstream = tip;
    if (!o_.to_revision.empty()) {
      if (Status s = CheckGitName("revision", o_.to_revision); !s.ok()) return Fail("bad_argument", s.message());
      upstream = git_.Line({"rev-parse", "--verify", "-q", o_.to_revision + "^{commit}"});
      if (upstream.empty())
        return Fail("revision_missing", o_.remote + " has no commit " + ShortCommit(o_.to_revision));
    }

    if (!OnBranch()) return r_;
    std::string local = git_.Line({"rev-parse", "HEAD"});
    if (o_.stay) upstream = local;
    bool behind = local != upstream && !git_.IsAncestor(upstream, local);
    bool ahead = local != upstream && !git_.IsAncestor(local, upstream);
    if (!behind && (o_.strategy != "hardreset" || !ahead)) {
      // Up to date (or only ahead): nothing comes in; only undo our own switch-stash, if any.
      RestoreStash();
      return Finish();
    }
    if (o_.strategy == "hardreset") {
      HardReset(upstream, local, ahead);
    } else {
      if (!Stash()) return r_;
      bool rewritten = !old_upstream.empty() && old_upstream != tip && !git_.IsAncestor(old_upstream, tip);
      if (!ahead) {
        Git::Out ff = git_.Run({"merge", "--ff-only", upstream});
        if (!ff.ok()) {
          RestoreStash();
          return Fail(ff.out.find("untracked working tree files") != std::string::npos
                          ? "untracked_would_be_overwritten"
                          : "git_failed",
                      "fast-forward to " + ShortCommit(upstream) + ": " + FoldLines(ff.out));
        }
        Step("fast-forwarded " + ShortCommit(local) + " -> " + ShortCommit(upstream));
      } else if (o_.strategy == "pull") {
        if (rewritten && !git_.IsAncestor(local, old_upstream)) {
          RestoreStash();
          return Fail("upstream_rewritten",
                      o_.remote + "/" + o_.branch + " was force-pushed (" + ShortCommit(old_upstream) +
                          " is gone) and there are local commits; pull refuses, rebase or hardreset decide");
        }
        if (rewritten) {
          // No local commits: follow the rewritten upstream (the old tip is kept in a backup ref).
          HardReset(upstream, local, /*ahead=*/true);
          if (r_.result == "error") return r_;
          RestoreStash();
          return Finish();
        }
        Git::Out m = git_.Run({"merge", "--no-edit", upstream});
        if (!m.ok()) {
          git_.Run({"merge", "--abort"});
          RestoreStash();
          return Fail("merge_conflict", "merging " + ShortCommit(upstream) +
                                            " conflicts; aborted, HEAD unchanged: " + FoldLines(m.out, 200));
        }
        Step("merged " + ShortCommit(upstream) + " into " + ShortCommit(local));
      } else {  // rebase, fork-point aware: commits upstream rewrote away do not come back
        Git::Out rb = o_.to_revision.empty() ? git_.Run({"rebase", "--fork-point", o_.remote + "/" + o_.branch})
                                             : git_.Run({"rebase", upstream});
        if (!rb.ok()) {
          git_.Run({"rebase", "--abort"});
          RestoreStash();
          return Fail("rebase_conflict", "rebasing onto " + ShortCommit(upstream) +
                                             " conflicts; aborted, HEAD unchanged: " + FoldLines(rb.out, 200));
        }
        Step("rebased local commits onto " + ShortCommit(upstream));
      }
      RestoreStash();
    }
    if (r_.result == "error") return r_;
    if (o_.submodules && fs::exists(fs::path(o_.dir) / ".gitmodules")) {
      Git::Out sm = git_.Run({"submodule", "update", "--init", "--recursive"});
      if (sm.ok()) {
        Step("updated submodules");
      } else {
        return Fail("submodule_failed", "git submodule update: " + FoldLines(sm.out));
      }
    }
    return Finish();
  }

  SyncResult RunResetTo(const std::string& revision) {
    if (Status s = CheckNames(o_); !s.ok()) return Fail("bad_argument", s.message());
    if (Status s = CheckGitName("revision", revision); !s.ok()) return Fail("bad_argument", s.message());
    git_dir_ = git_.Line({"rev-parse", "--absolute-git-dir"});
    if (git_dir_.empty()) return Fail("not_a_repository", o_.dir + " is not a git checkout");
    r_.head_before = git_.Line({"rev-parse", "--verify", "-q", "HEAD"});
    std::string target = git_.Line({"rev-parse", "--verify", "-q", "--end-of-options", revision + "^{commit}"});
    if (target.empty()) return Fail("unknown_revision", "no commit " + revision + " in " + o_.dir);
    if (!CleanLeftovers()) return r_;
    if (!OnBranch()) return r_;
    std::string local = git_.Line({"rev-parse", "HEAD"});
    if (local == target) {
      RestoreStash();
      return Finish();
    }
    restore_after_reset_ = true;
    HardReset(target, local, /*ahead=*/true);
    if (r_.result == "error") return r_;
    RestoreStash();
    if (o_.submodules && fs::exists(fs::path(o_.dir) / ".gitmodules")) {
      if (!git_.Run({"submodule", "update", "--init", "--recursive"}).ok())
        return Fail("submodule_failed", "git submodule update failed");
      Step("updated submodules");
    }
    r_.message = "reset to " + ShortCommit(target);
    return Finish();
  }

  std::string Describe(const std::string& revision) const {
    std::string d = git_.Line({"log", "-1", "--format=%h %s", "--end-of-options", revision});
    return d.empty() ? ShortCommit(revision) : d;
  }

 private:
  void Step(const std::string& s) { r_.steps.push_back(s); }
  SyncResult Fail(const std::string& kind, const std::string& message) {
    r_.result = "error";
    r_.error_kind = kind;
    r_.message = message;
    r_.head_after = git_.Line({"rev-parse", "--verify", "-q", "HEAD"});
    r_.changed = r_.changed || r_.head_after != r_.head_before;
    return r_;
  }
  SyncResult Finish() {
    r_.head_after = git_.Line({"rev-parse", "--verify", "-q", "HEAD"});
    r_.changed = r_.changed || r_.head_after != r_.head_before;
    if (r_.message.empty()) r_.message = r_.changed ? "synced to " + ShortCommit(r_.head_after) : "up to date";
    return r_;
  }

  // A crashed git's leftovers, cleaned only when no git runs in the checkout.
  bool CleanLeftovers() {
    bool lock = fs::exists(git_dir_ + "/index.lock");
    bool merging = fs::exists(git_dir_ + "/MERGE_HEAD");
    bool rebasing = fs::exists(git_dir_ + "/rebase-merge") || fs::exists(git_dir_ + "/rebase-apply");
    bool picking = fs::exists(git_dir_ + "/CHERRY_PICK_HEAD") || fs::exists(git_dir_ + "/REVERT_HEAD");
    if (!lock && !merging && !rebasing && !picking) return true;
    if (GitRunningIn(o_.dir)) {
      Fail("git_busy", "another git process works in " + o_.dir);
      return false;
    }
    std::error_code ec;
    if (lock && fs::remove(git_dir_ + "/index.lock", ec)) Step("removed a stale index.lock");
    if (rebasing) {
      git_.Run({"rebase", "--abort"});
      Step("aborted a rebase left in progress");
    }
    if (merging) {
      if (!git_.Run({"merge", "--abort"}).ok()) git_.Run({"reset", "--merge"});
      Step("aborted a merge left in progress");
    }
    if (picking) {
      git_.Run({"cherry-pick", "--abort"});
      git_.Run({"revert", "--abort"});
      Step("aborted a cherry-pick/revert left in progress");
    }
    r_.changed = true;
    return true;
  }

  bool Dirty() const {
    Git::Out st = git_.Run({"status", "--porcelain", "--untracked-files=no"});
    return st.ok() && !Trim(st.out).empty();
  }

  // Saves uncommitted edits to tracked files as a named stash.
  bool Stash() {
    if (!stash_.empty() || !Dirty()) return true;
    std::string msg = "redundancy " + Stamp() + " before " + o_.strategy;
    Git::Out s = git_.Run({"stash", "push", "-m", msg});
    if (!s.ok()) {
      Fail("git_failed", "git stash: " + FoldLines(s.out));
      return false;
    }
    stash_ = git_.Line({"rev-parse", "stash@{0}"});
    r_.backups.push_back("stash " + stash_ + " (" + msg + ")");
    Step("stashed uncommitted edits as " + ShortCommit(stash_));
    r_.changed = true;
    return true;
  }

  // Re-applies our stash; on conflict leaves a clean tree and keeps the stash.
  void RestoreStash() {
    if (stash_.empty() || (o_.strategy == "hardreset" && !restore_after_reset_)) return;
    Git::Out a = git_.Run({"stash", "apply", stash_});
    if (a.ok()) {
      std::istringstream list(git_.Line({"stash", "list", "--format=%H"}));
      int i = 0;
      for (std::string sha; std::getline(list, sha); ++i) {
        if (sha == stash_) {
          git_.Run({"stash", "drop", "stash@{" + std::to_string(i) + "}"});
          break;
        }
      }
      r_.backups.clear();
      Step("restored the stashed edits");
    } else {
      git_.Run({"reset", "--hard", "-q", "HEAD"});
      r_.result = "conflict";
      r_.error_kind = "stash_conflict";
      r_.message = "the local edits conflict with the new head; the tree is clean at it, the edits are kept in stash " +
                   ShortCommit(stash_);
      Step("could not restore the stashed edits; kept in the stash");
    }
    stash_.clear();
  }

  // Back on the configured branch (from another branch or a detached HEAD).
  bool OnBranch() {
    std::string current = git_.Line({"symbolic-ref", "-q", "--short", "HEAD"});
    if (current == o_.branch) return true;
    if (!Stash()) return false;
    bool exists = !git_.Line({"rev-parse", "--verify", "-q", "refs/heads/" + o_.branch}).empty();
    Git::Out co = exists ? git_.Run({"checkout", "-q", o_.branch})
                         : git_.Run({"checkout", "-q", "-b", o_.branch, "--track", o_.remote + "/" + o_.branch});
    if (!co.ok()) {
      RestoreStash();
      Fail("git_failed", "cannot switch to " + o_.branch + ": " + FoldLines(co.out));
      return false;
    }
    Step("switched from " + (current.empty() ? std::string("a detached HEAD") : "branch " + current) + " to " +
         o_.branch);
    r_.changed = true;
    return true;
  }

  void HardReset(const std::string& upstream, const std::string& local, bool ahead) {
    std::string stamp = Stamp();
    if (!Stash()) return;
    if (ahead) {
      std::string ref = "refs/redundancy/backup/" + stamp;
      for (int i = 1; !git_.Line({"rev-parse", "--verify", "-q", ref}).empty() && i < 100; ++i) {
        ref = "refs/redundancy/backup/" + stamp + "-" + std::to_string(i);
      }
      if (!git_.Run({"update-ref", ref, local}).ok()) {
        Fail("git_failed", "cannot create backup ref " + ref);
        return;
      }
      r_.backups.push_back(ref);
      Step("saved local commits at " + ref);
    }
    // Untracked (or ignored) files where the new tip has tracked ones.
    std::string backup_root = (o_.backup_dir.empty() ? git_dir_ + "/redundancy/backups" : o_.backup_dir) + "/" + stamp;
    std::istringstream incoming(git_.Line({"diff", "--name-only", "--diff-filter=A", "-z", "HEAD", upstream}));
    std::string path;
    int copied = 0;
    while (std::getline(incoming, path, '\0')) {
      fs::path p = fs::path(o_.dir) / path;
      std::error_code ec;
      if (!fs::exists(p, ec)) continue;
      fs::create_directories((fs::path(backup_root) / path).parent_path(), ec);
      fs::copy(p, fs::path(backup_root) / path, fs::copy_options::overwrite_existing | fs::copy_options::recursive, ec);
      if (ec) {
        Fail("git_failed", "cannot back up " + path + ": " + ec.message());
        return;
      }
      ++copied;
    }
    if (copied > 0) {
      r_.backups.push_back(backup_root);
      Step("copied " + std::to_string(copied) + " untracked file(s) the reset overwrites to " + backup_root);
    }
    Git::Out reset = git_.Run({"reset", "--hard", "-q", upstream});
    if (!reset.ok()) {
      Fail("git_failed", "git reset --hard: " + FoldLines(reset.out));
      return;
    }
    Step("reset " + ShortCommit(local) + " to " + ShortCommit(upstream));
    r_.changed = true;
  }

  const SyncOptions& o_;
  Git git_;
  SyncResult r_;
  std::string git_dir_;
  std::string stash_;
  bool restore_after_reset_ = false;  // ResetTo keeps edits, whatever the strategy
};

}  // namespace

Status CheckGitName(const std::string& what, const std::string& value) {
  bool clean = !value.empty() && value.size() <= 255 && value[0] != '-';
  for (unsigned char c : value) clean = clean && c > 0x20 && c != 0x7f;
  if (clean) return Status::Ok();
  std::string shown = value.substr(0, 60);
  for (auto& c : shown) c = (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return Status::Error("the " + what + " '" + shown + "' is not usable: it must not be empty or start with '-', " +
                       "nor hold spaces or control characters");
}

Status CheckNames(const SyncOptions& options) {
  if (Status s = CheckGitName("remote", options.remote); !s.ok()) return s;
  return CheckGitName("branch", options.branch);
}

SyncResult Sync(const SyncOptions& options) { return Syncer(options).Run(); }

SyncResult ResetTo(const SyncOptions& options, const std::string& revision) {
  return Syncer(options).RunResetTo(revision);
}

std::string DescribeCommit(const SyncOptions& options, const std::string& revision) {
  return Syncer(options).Describe(revision);
}

RepoState Inspect(const SyncOptions& o) {
  RepoState s;
  if (Status bad = CheckNames(o); !bad.ok()) {
    s.error_kind = "bad_argument";
    s.error = bad.message();
    return s;
  }
  Git git(o);
  const std::string tracking = git.TrackingRef();
  // Idle checks are most checks, and a git process costs 5-20 ms of CPU
  // here: `status --porcelain=v2 --branch` answers HEAD, the branch, its
  // upstream and how far apart they are, with the uncommitted edits. A
  // checkout at +0 -0 from <remote>/<branch> has that tracking ref at HEAD.
  std::string known, git_dir;
  Git::Out st = git.Run({"status", "--porcelain=v2", "--branch", "--untracked-files=no"});
  if (st.ok()) {
    std::string upstream, ab;
    std::istringstream in(st.out);
    auto value = [](const std::string& line, const std::string& key, std::string* out) {
      if (line.rfind(key, 0) != 0) return false;
      *out = line.substr(key.size());
      return true;
    };
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (line[0] != '#') {
        s.dirty = true;  // 1/2/u: a changed, renamed or unmerged tracked file
      } else if (!value(line, "# branch.oid ", &s.head) && !value(line, "# branch.head ", &s.branch) &&
                 !value(line, "# branch.upstream ", &upstream)) {
        value(line, "# branch.ab ", &ab);
      }
    }
    if (s.head == "(initial)") s.head.clear();
    if (s.branch == "(detached)") s.branch.clear();
    if (!s.head.empty() && upstream == o.remote + "/" + o.branch && ab == "+0 -0") known = s.head;
    std::error_code ec;
    if (fs::is_directory(o.dir + "/.git", ec)) git_dir = o.dir + "/.git";
  }
  if (git_dir.empty()) git_dir = git.Line({"rev-parse", "--absolute-git-dir"});
  if (git_dir.empty()) {
    s.error_kind = "not_a_repository";
    s.error = o.dir + " is not a git checkout";
    return s;
  }
  if (!st.ok()) {  // a damaged index: the refs can still be read
    s.branch = git.Line({"symbolic-ref", "-q", "--short", "HEAD"});
    s.head = git.Line({"rev-parse", "--verify", "-q", "HEAD"});
  }
  if (known.empty()) known = git.Line({"rev-parse", "--verify", "-q", tracking});
  s.leftovers = fs::exists(git_dir + "/index.lock") || fs::exists(git_dir + "/MERGE_HEAD") ||
                fs::exists(git_dir + "/rebase-merge") || fs::exists(git_dir + "/rebase-apply") ||
                fs::exists(git_dir + "/CHERRY_PICK_HEAD");
  // Most checks find nothing new: ask the remote where its branch is (one
  // ref, about half the cost of a fetch here) and fetch only when it moved.
  bool current = false;
  if (!known.empty()) {
    Git::Out ls = git.Run({"ls-remote", "--", o.remote, "refs/heads/" + o.branch});
    current = ls.ok() && ls.out.find(known + "\trefs/heads/" + o.branch + "\n") != std::string::npos;
  }
  if (!current) {
    Git::Out fetch = git.Fetch();
    if (!fetch.ok()) {
      s.error_kind = "remote_unreachable";
      s.error = "git fetch " + o.remote + ": " + FoldLines(fetch.out, 200);
      return s;
    }
  }
  s.upstream = current ? known : git.Line({"rev-parse", "--verify", "-q", tracking});
  if (s.upstream.empty()) {
    s.error_kind = "remote_branch_missing";
    s.error = o.remote + " has no branch " + o.branch;
    return s;
  }
  if (s.head == s.upstream) return s;  // in step: nothing ahead or behind, no rev-list to run
  std::istringstream counts(git.Line({"rev-list", "--left-right", "--count", "HEAD..." + s.upstream}));
  counts >> s.ahead >> s.behind;
  return s;
}

std::string SyncResultJson(const SyncResult& r) {
  nlohmann::json j = {{"result", r.result},
                      {"error_kind", r.error_kind.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error_kind)},
                      {"message", r.message},
                      {"head_before", r.head_before},
                      {"head_after", r.head_after},
                      {"backups", r.backups},
                      {"steps", r.steps}};
  return JsonText(j, 2);
}

}  // namespace redundancy::git
