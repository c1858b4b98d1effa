#include "agents/netlify/netlify_agent.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/inotify.h"
#include "common/paths.h"
#include "common/probe.h"
#include "common/process/git_head.h"
#include "common/process/process.h"

namespace redundancy::netlify {
namespace fs = std::filesystem;

NetlifyAgent::~NetlifyAgent() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

Status NetlifyAgent::Configure(const AgentContext& ctx) {
  ctx_ = ctx;
  poison_.Open(ctx.state_dir + "/netlify", clock_->WallMs());
  NetlifySettings settings = ParseSettings(ctx.settings, ctx.workspace);
  dir_ = settings.dir;
  manifest_ = settings.manifest;
  functions_dir_ = settings.functions_dir;
  regenerate_ = settings.regenerate;
  base_url_ = settings.base_url;
  probes_ = settings.probes;
  std::error_code ec;
  fs::create_directories(ctx.state_dir + "/netlify", ec);
  seen_.clear();
  std::ifstream in(CountPath());
  for (std::string name; std::getline(in, name);) {
    if (!name.empty()) seen_.insert(name);
  }
  Watch();
  return fs::is_directory(dir_) ? Status::Ok() : Status::Error("netlify.dir " + dir_ + " is not a directory");
}

std::string NetlifyAgent::ManifestPath() const {
  return manifest_.empty() ? dir_ + "/.netlify/functions/manifest.json" : manifest_;
}

// inotify on the project (netlify.toml) and the functions directory with its
// direct subfolders (directory functions), re-armed after each discovery.
void NetlifyAgent::Watch() {
  if (inotify_fd_ < 0) inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return;
  // Adding a watched path again returns its watch: only new folders get one;
  // the kernel drops watches of folders that are gone (IN_IGNORED).
  const uint32_t mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB;
  auto add = [&](const std::string& p) {
    int wd = inotify_add_watch(inotify_fd_, p.c_str(), mask);
    std::lock_guard lock(mu_);
    if (wd >= 0) watches_[wd] = p;
  };
  add(dir_);
  add(fs::path(ManifestPath()).parent_path().string());  // a manifest deleted or rewritten by hand
  if (!last_.functions_dir_abs.empty()) {
    add(last_.functions_dir_abs);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(last_.functions_dir_abs, ec)) {
      if (e.is_directory(ec) && e.path().filename() != "node_modules") add(e.path().string());
    }
  }
}

std::vector<int> NetlifyAgent::WatchedFds() {
  if (inotify_fd_ < 0) return {};
  return {inotify_fd_};
}

bool NetlifyAgent::OnReadable(int fd) {
  bool relevant = false;
  for (const auto& e : ReadInotifyEvents(fd)) {
    std::string watched;
    {
      std::lock_guard lock(mu_);
      if (e.mask & IN_IGNORED) watches_.erase(e.wd);
      auto w = watches_.find(e.wd);
      if (w != watches_.end()) watched = w->second;
    }
    // The project folder: only netlify.toml and the functions folder matter, not our own .netlify output.
    bool project = watched == dir_;
    if (!project || e.name == "netlify.toml" || e.name == "netlify" || e.name == "netlify-automatic-functions" ||
        (!last_.functions_dir.empty() && last_.functions_dir.rfind(e.name, 0) == 0)) {
      relevant = true;
    }
  }
  return relevant;
}

std::vector<v1::CheckResult> NetlifyAgent::Check() {
  DiscoverOptions options;
  options.cache = &syntax_cache_;
  options.functions_dir = functions_dir_;
  // Poison-input isolation: a tree whose discovery killed this process is
  // reported until netlify.toml or the functions directory changes.
  std::string fingerprint = FileFingerprint(dir_ + "/netlify.toml") + "|" +
                            FileFingerprint(dir_ + "/netlify/functions") + "|" +
                            (functions_dir_.empty() ? "" : FileFingerprint(dir_ + "/" + functions_dir_));
  if (!poison_.Enter("netlify:count", fingerprint)) return {poison_.Failed("netlify:count")};
  last_ = Discover(dir_, options);
  poison_.Leave();
  Watch();
  std::vector<v1::CheckResult> out;
  // Per function: its own problems.
  std::map<std::string, std::vector<const Problem*>> by_file;
  std::vector<const Problem*> toml_problems;
  for (const auto& p : last_.problems) {
    if (p.file == "netlify.toml" || p.file == "functions_dir")
      toml_problems.push_back(&p);
    else
      by_file[p.file].push_back(&p);
  }
  std::string fdir = last_.functions_dir.empty() ? "" : last_.functions_dir + "/";
  std::map<std::string, const ProbeTarget*> probe_of;
  for (const auto& p : probes_) probe_of[p.function] = &p;
  std::set<std::string> now;
  for (const auto& f : last_.functions) {
    now.insert(f.name);
    v1::CheckResult c;
    c.set_target("netlify:" + f.name);
    std::string facts = ApiLabel(f) + f.runtime + " " + f.main_file +
                        (f.schedule.empty() ? "" : ", schedule " + f.schedule) +
                        (f.invocation_mode.empty() ? "" : ", " + f.invocation_mode);
    for (const auto& r : f.routes) facts += ", " + r;
    v1::HealthStatus st = v1::HEALTH_OK;
    std::string first, details;
    // Problems of its main file, or of any file of a directory function.
    std::string own = fdir + f.main_file;
    std::string own_dir = fdir + f.name + "/";
    for (const auto& [file, ps] : by_file) {
      if (file != own && file.rfind(own_dir, 0) != 0) continue;
      for (const Problem* p : ps) {
        if (p->rule == "duplicate") continue;  // about the shadowed file, not this function
        v1::HealthStatus s = p->severity == "error" ? v1::HEALTH_FAILED : v1::HEALTH_DEGRADED;
        if (s > st) st = s;
        std::string line =
            p->file + (p->line ? ":" + std::to_string(p->line) : "") + ": " + p->message + " [" + p->rule + "]";
        if (first.empty() || s == v1::HEALTH_FAILED) first = first.empty() || st != s ? line : first;
        details += line + "\n";
      }
    }
    if (auto pit = probe_of.find(f.name); pit != probe_of.end() && !base_url_.empty()) {
      const ProbeTarget& p = *pit->second;
      ProbeResult r = ProbeHttp(base_url_ + p.path, p.timeout, p.expect_status);
      (*c.mutable_metrics())["latency_ms"] = r.latency_ms;
      (*c.mutable_metrics())["http_status"] = r.http_status;
      if (!r.ok) {
        st = v1::HEALTH_FAILED;
        first = "probe " + p.path + ": " + r.error;
      } else {
        facts += ", probe " + std::to_string(r.http_status) + " in " + std::to_string(static_cast<int>(r.latency_ms)) +
                 " ms";
      }
    }
    c.set_status(st);
    c.set_gave_up(st == v1::HEALTH_FAILED);  // the code or the deploy needs a person; nothing to restart here
    c.set_summary(first.empty() ? facts : first);
    c.set_details(details);
    out.push_back(std::move(c));
  }
  // The count: functions seen before and gone now. git is the source of
  // truth: one HEAD no longer has was deleted by a commit and is accepted;
  // one HEAD still has drifted from it and is restored from HEAD.
  std::vector<std::string> missing;
  for (const auto& n : seen_) {
    if (!now.count(n)) missing.push_back(n);
  }
  restorable_.clear();
  if (!missing.empty()) {
    auto head = HeadFunctions();
    // A pull deletes files before it moves HEAD: let git finish, then ask again.
    if (head && std::any_of(missing.begin(), missing.end(), [&](const std::string& m) { return head->count(m); })) {
      git_head::Settled(*clock_, dir_);
      head = HeadFunctions();
    }
    std::vector<std::string> still;
    for (const auto& m : missing) {
      if (!head) {
        still.push_back(m);
      } else if (auto it = head->find(m); it != head->end()) {
        restorable_[m] = it->second;
        still.push_back(m);
      } else {
        seen_.erase(m);
        if (ctx_.emit)
          ctx_.emit("netlify:" + m, events::kFunctionRetired,
                    m + " was deleted by a commit (HEAD does not have it): accepted");
      }
    }
    if (still.size() != missing.size()) SaveSeen();
    missing = still;
  }
  v1::CheckResult count;
  count.set_target("netlify:count");
  (*count.mutable_metrics())["functions"] = static_cast<double>(now.size());
  if (missing.empty()) {
    count.set_status(v1::HEALTH_OK);
    count.set_summary(std::to_string(now.size()) + " function(s) in " +
                      (last_.functions_dir.empty() ? "(no functions directory)" : last_.functions_dir));
  } else {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    count.set_status(v1::HEALTH_FAILED);
    // Restored from HEAD when committed there; else until it is back, or an
    // operator accepts the loss (recover netlify:count).
    count.set_gave_up(restorable_.size() != missing.size());
    count.set_restore(!restorable_.empty());
    // Restoring from HEAD ends it (or a pull under way is deleting it): an
    // alert only if it outlasts the grace.
    if (!restorable_.empty() && restorable_.size() == missing.size()) (*count.mutable_labels())["transient"] = "true";
    count.set_summary(std::to_string(missing.size()) + " function(s) disappeared: " + names + " (" +
                      std::to_string(now.size()) + " left)");
  }
  out.push_back(count);
  // Remember every function seen (across restarts), so a later drop is noticed.
  size_t before = seen_.size();
  seen_.insert(now.begin(), now.end());
  if (seen_.size() != before) SaveSeen();
  // netlify.toml
  if (!toml_problems.empty()) {
    v1::HealthStatus st = v1::HEALTH_DEGRADED;
    std::string details;
    for (const Problem* p : toml_problems) {
      if (p->severity == "error") st = v1::HEALTH_FAILED;
      details += p->file + ":" + std::to_string(p->line) + ": " + p->message + " [" + p->rule + "]\n";
    }
    auto c =
        MakeCheck("netlify:toml", st,
                  details.substr(0, details.find('\n')) +
                      (toml_problems.size() > 1 ? " (+" + std::to_string(toml_problems.size() - 1) + " more)" : ""),
                  details);
    c.set_gave_up(st == v1::HEALTH_FAILED);  // a person fixes netlify.toml
    out.push_back(std::move(c));
  }
  // The manifest.
  stale_ = ManifestStaleness(ManifestPath(), last_);
  out.push_back(MakeCheck("netlify:manifest",
                          stale_.empty() ? v1::HEALTH_OK
                          : regenerate_  ? v1::HEALTH_FAILED
                                         : v1::HEALTH_DEGRADED,
                          stale_.empty()
                              ? "up to date with " + std::to_string(now.size()) + " function(s)"
                              : "manifest " + stale_ + (regenerate_ ? "" : " (regenerate_manifest is off)")));
  if (!stale_.empty() && regenerate_) (*out.back().mutable_labels())["transient"] = "true";  // regenerated next
  return out;
}

void NetlifyAgent::SaveSeen() {
  std::string tmp = CountPath() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& n : seen_) out << n << "\n";
  }
  std::error_code ec;
  fs::rename(tmp, CountPath(), ec);
}

std::optional<std::map<std::string, std::string>> NetlifyAgent::HeadFunctions() const {
  if (last_.functions_dir.empty()) return std::nullopt;
  std::error_code ec;
  fs::path abs = fs::path(last_.functions_dir).is_absolute() ? fs::path(last_.functions_dir)
                                                             : fs::path(dir_) / last_.functions_dir;
  std::string rel = fs::relative(abs, dir_, ec).string();
  if (ec || rel.empty() || rel.rfind("..", 0) == 0) return std::nullopt;
  auto entries = git_head::Entries(dir_, rel);
  if (!entries) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& e : *entries) out.emplace(fs::path(e).stem().string(), e);  // hello.js, hello/ -> hello
  return out;
}

Status NetlifyAgent::Recover(const std::string& target, bool forced) {
  if (forced && (target.empty() || target == "netlify:count")) poison_.Clear("netlify:count");
  if ((target.empty() || target == "netlify:count") && !restorable_.empty()) {
    // A pull that deletes a function removes the file before it moves HEAD:
    // never restore while git works on the checkout, and ask HEAD again.
    if (!git_head::Settled(*clock_, dir_)) return Status::Error("git is updating the checkout; trying again shortly");
    std::error_code ec;
    auto head = HeadFunctions();
    std::string errors;
    for (const auto& [name, path] : restorable_) {
      if (!head || !head->count(name)) continue;  // deleted by the commit that just arrived: the next check accepts it
      if (fs::exists(dir_ + "/" + path, ec)) continue;  // back already
      // Only what is missing is written: nothing in the tree is overwritten.
      auto r = process::RunCapture({.exe = "/usr/bin/git", .args = {"-C", dir_, "checkout", "HEAD", "--", path}},
                                   std::chrono::seconds(30));
      if (!r.ok() || r->exit.code != 0) {
        errors += (errors.empty() ? "" : "; ") + name + ": " + (r.ok() ? r->output : r.error());
        continue;
      }
      if (ctx_.emit)
        ctx_.emit("netlify:" + name, events::kFunctionRestored,
                  "restored " + path + " from git HEAD (it had been deleted)");
    }
    restorable_.clear();
    if (!errors.empty()) return Status::Error(errors);
  }
  if (target == "netlify:count" && forced) {
    // An operator accepts the loss: what is there now is the new baseline.
    seen_.clear();
    for (const auto& f : last_.functions) seen_.insert(f.name);
    SaveSeen();
    if (ctx_.emit)
      ctx_.emit("netlify:count", events::kCountReset,
                std::to_string(seen_.size()) + " function(s) is the new baseline");
  }
  if ((target.empty() || target == "netlify:manifest") && regenerate_ && !stale_.empty()) {
    std::string why = stale_;
    std::string err = WriteManifest(ManifestPath(), Manifest(last_, clock_->WallMs()));
    if (!err.empty()) return Status::Error(err);
    if (ctx_.emit) {
      ctx_.emit("netlify:manifest", events::kManifestRegenerated,
                "wrote " + ManifestPath() + " with " + std::to_string(last_.functions.size()) + " function(s) (was " +
                    why + "); previous kept as " + ManifestPath() + ".bak");
    }
  }
  return Status::Ok();
}

}  // namespace redundancy::netlify
