#include "agents/workflows/workflows_agent.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agents/workflows/lint.h"
#include "common/event_kinds.h"
#include "common/file_util.h"
#include "common/inotify.h"
#include "common/paths.h"
#include "common/process/git_head.h"
#include "common/process/process.h"
#include "common/yaml_bounded.h"

namespace redundancy::workflows {
namespace fs = std::filesystem;

namespace {

std::string Stamp(int64_t wall_ms) {
  std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A workflow written less than this long ago may still be being written (an
// editor, a redirect, a copy): it is not judged broken, nor restored, yet.
constexpr int64_t kEditSettleMs = 2000;

// How long ago the file was last written, in ms (a large number when unknown).
int64_t WrittenAgoMs(const std::string& path, int64_t now_ms) {
  int64_t ns = MtimeNs(path);
  return ns < 0 ? INT64_MAX : now_ms - ns / 1'000'000;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

WorkflowsAgent::~WorkflowsAgent() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

Status WorkflowsAgent::Configure(const AgentContext& ctx) {
  ctx_ = ctx;
  poison_.Open(ctx.state_dir + "/workflows", clock_->WallMs());
  WorkflowsSettings settings = ParseSettings(ctx.settings, ctx.workspace);
  dir_ = settings.dir;
  restore_ = settings.restore;
  secrets_known_ = settings.secrets.has_value();
  secrets_ = settings.secrets.value_or(std::set<std::string>{});
  if (!settings.secrets_file.empty()) {
    // One name per line, or NAME=value lines (values are never read into memory beyond the line).
    std::ifstream in(settings.secrets_file);
    if (!in) return Status::Error("workflows.secrets_file " + settings.secrets_file + " cannot be read");
    secrets_known_ = true;
    for (std::string line; std::getline(in, line);) {
      std::string name = line.substr(0, line.find('='));
      while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.pop_back();
      if (!name.empty() && name[0] != '#') secrets_.insert(name);
    }
  }
  vars_known_ = settings.vars.has_value();
  vars_ = settings.vars.value_or(std::set<std::string>{});
  labels_ = settings.runner_labels;
  repo_ = settings.repo;
  token_ = settings.token;
  api_url_ = settings.api_url;
  local_fallback_ = settings.local_fallback;
  std::error_code ec;
  fs::create_directories(ctx.state_dir + "/workflows/good", ec);
  fs::create_directories(ctx.state_dir + "/workflows/broken", ec);
  Watch();
  if (fs::exists(dir_) && !fs::is_directory(dir_))
    return Status::Error("workflows.dir " + dir_ + " is not a directory");
  return Status::Ok();
}

std::string WorkflowsAgent::RepoRoot() const {
  std::string d = fs::path(dir_).lexically_normal().string();
  while (!d.empty() && d.back() == '/') d.pop_back();
  const std::string suffix = "/.github/workflows";
  return d.size() > suffix.size() && d.compare(d.size() - suffix.size(), suffix.size(), suffix) == 0
             ? d.substr(0, d.size() - suffix.size())
             : ctx_.workspace;
}

// Tests only: a process that dies on one input, for poison-input isolation
// (REDUNDANCY_TEST_CRASH_MARKER set and found in the file).
static void CrashForTests(const std::string& text) {
  static const char* marker = std::getenv("REDUNDANCY_TEST_CRASH_MARKER");
  if (marker && *marker && text.find(marker) != std::string::npos) std::abort();
}

// Workflows present, plus those we keep a good copy of (a deleted one is still ours to report).
std::vector<std::string> WorkflowsAgent::Files() const {
  std::set<std::string> names;
  std::error_code ec;
  for (const std::string& d : {dir_, ctx_.state_dir + "/workflows/good"}) {
    for (const auto& e : fs::directory_iterator(d, ec)) {
      std::string ext = e.path().extension().string();
      // Not only regular files: a FIFO or a link to a device named *.yml is
      // a workflow that cannot be read, and is reported as such.
      if (!e.is_directory(ec) && (ext == ".yml" || ext == ".yaml")) names.insert(e.path().filename().string());
    }
  }
  return {names.begin(), names.end()};
}

std::vector<v1::CheckResult> WorkflowsAgent::Check() {
  Watch();
  recheck_in_.reset();
  std::vector<v1::CheckResult> out;
  std::vector<std::string> present;
  schedules_.clear();
  std::vector<std::string> files = Files();
  std::optional<std::set<std::string>> head;
  bool head_asked = false;
  std::error_code dir_ec;
  const std::vector<std::string> roots = {ctx_.workspace, RepoRoot(), fs::canonical(dir_, dir_ec).string()};
  for (const auto& file : files) {
    std::string path = dir_ + "/" + file, target = "workflow:" + file;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      if (!head_asked) {  // once per check, and only when a file is missing
        head = HeadWorkflows();
        // A pull deletes files before it moves HEAD: one HEAD still has may be
        // on its way out. Let git finish, then ask HEAD again.
        if (head && head->count(file)) {
          git_head::Settled(*clock_, RepoRoot());
          head = HeadWorkflows();
        }
        head_asked = true;
      }
      if (head && !head->count(file)) {
        // Deleted by a commit: what HEAD says goes. Not restored, no check.
        Retire(file);
        continue;
      }
      auto c = MakeCheck(target, v1::HEALTH_FAILED,
                         "deleted" + std::string(restore_ ? " (will be restored)" : " (restore is off)"),
                         "the last good copy is in " + GoodPath(file));
      c.set_gave_up(!restore_);
      out.push_back(std::move(c));
      continue;
    }
    present.push_back(file);
    LintOptions o;
    o.repo_root = RepoRoot();
    o.runner_labels = labels_;
    // Poison-input isolation: a file that killed this process before is skipped while it stays the same.
    if (!poison_.Enter(target, FileFingerprint(path))) {
      out.push_back(poison_.Failed(target));
      continue;
    }
    // Nothing outside the checkout is read through a link (its lint messages would quote it).
    std::string outside = OutsideOf(path, roots);
    auto read = !outside.empty()
                    ? Result<std::string>::Error("links outside the checkout (to " + outside + "); not read")
                    : ReadFileBounded(path, YamlLimits{}.max_bytes);
    std::string text = read.ok() ? *read : "";
    CrashForTests(text);
    LintResult r = read.ok() ? LintWorkflow(text, o) : LintResult{};
    poison_.Leave();
    if (!read.ok()) r.problems.push_back({1, 1, "the file " + read.error(), "syntax-check", "error"});
    std::string details;
    int errors = 0, warnings = 0;
    for (const auto& p : r.problems) {
      details += FormatProblem(file, p) + "\n";
      (p.severity == "error" ? errors : warnings)++;
    }
    std::set<std::string> missing;
    if (secrets_known_) {
      for (const auto& s : r.facts.secrets) {
        if (!secrets_.count(s)) missing.insert(s);
      }
      for (const auto& s : missing)
        details += file + ": warning: secret " + s + " is referenced but not configured [secrets]\n";
    }
    std::set<std::string> missing_vars;
    if (vars_known_) {
      for (const auto& v : r.facts.vars) {
        if (!vars_.count(v)) missing_vars.insert(v);
      }
      for (const auto& v : missing_vars)
        details += file + ": warning: variable " + v + " is referenced but not configured [vars]\n";
    }
    schedules_[file] = r.facts.schedules;
    v1::HealthStatus st = errors                                                    ? v1::HEALTH_FAILED
                          : (warnings || !missing.empty() || !missing_vars.empty()) ? v1::HEALTH_DEGRADED
                                                                                    : v1::HEALTH_OK;
    std::string summary;
    if (errors) {
      summary = std::to_string(errors) + " error(s): " + details.substr(0, details.find('\n'));
    } else {
      summary = r.facts.name.empty() ? "valid" : "valid: " + r.facts.name;
      if (warnings) summary += ", " + std::to_string(warnings) + " warning(s)";
      if (!missing.empty()) summary += ", missing secret(s): " + Join(missing);
      if (!missing_vars.empty()) summary += ", missing variable(s): " + Join(missing_vars);
      // The last known good copy.
      if (ReadWholeFile(GoodPath(file)) != text) WriteFileAtomic(GoodPath(file), text);
    }
    bool restorable = restore_ && (fs::exists(GoodPath(file)) || !FromHead(file).empty());
    auto c = MakeCheck(target, st, summary, details);
    c.set_gave_up(errors > 0 && !restorable);  // a person fixes it
    if (int64_t ago = errors ? WrittenAgoMs(path, clock_->WallMs()) : INT64_MAX;
        ago >= -kEditSettleMs && ago < kEditSettleMs) {
      // Perhaps half written: judged again once it has been still for a moment;
      // nothing is restored (nor alerted) before.
      int64_t wait = kEditSettleMs - std::max<int64_t>(ago, 0);
      c.set_retry_in_ms(wait);
      (*c.mutable_labels())["transient"] = "true";
      c.set_summary("just written, checked again in " + FormatDuration(Millis(wait)) + ": " + summary);
      recheck_in_ = recheck_in_ ? std::min(*recheck_in_, Millis(wait)) : Millis(wait);
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) {
    // No workflow (or the last ones just retired). None committed either (a
    // commit removed the last one): as it should be.
    if (!head_asked) head = HeadWorkflows();
    bool as_committed = head && head->empty();
    out.push_back(MakeCheck("workflows:dir", as_committed ? v1::HEALTH_OK : v1::HEALTH_DEGRADED,
                            "no workflows in " + dir_ + (as_committed ? " (none committed)" : "")));
    return out;
  }
  if (!repo_.empty()) PollGitHub(present, &out);
  if (!local_fallback_.empty()) LocalFallback(&out);
  return out;
}

std::optional<std::set<std::string>> WorkflowsAgent::HeadWorkflows() const {
  std::string root = RepoRoot();
  std::error_code ec;
  std::string rel = fs::relative(dir_, root, ec).string();
  if (ec) return std::nullopt;
  auto entries = git_head::Entries(root, rel);
  if (!entries) return std::nullopt;
  std::set<std::string> out;
  for (const auto& e : *entries) {
    std::string ext = fs::path(e).extension().string();
    if (ext == ".yml" || ext == ".yaml") out.insert(fs::path(e).filename().string());
  }
  return out;
}

void WorkflowsAgent::Retire(const std::string& file) {
  std::error_code ec;
  std::string aside = ctx_.state_dir + "/workflows/retired/" + file + "." + Stamp(clock_->WallMs());
  fs::create_directories(fs::path(aside).parent_path(), ec);
  fs::rename(GoodPath(file), aside, ec);
  if (ec) fs::remove(GoodPath(file), ec);
  ctx_.emit(
      "workflow:" + file, events::kWorkflowRetired,
      file + " was deleted by a commit (HEAD does not have it): left deleted; its last good copy is kept as " + aside);
}

// The file as committed at HEAD, when that version lints without errors ("" otherwise).
std::string WorkflowsAgent::FromHead(const std::string& file) const {
  std::string root = RepoRoot();
  std::error_code ec;
  std::string rel = fs::relative(dir_ + "/" + file, root, ec).string();
  if (ec) return "";
  auto text = git_head::File(root, rel, 4 << 20);
  if (!text) return "";
  LintOptions o;
  o.repo_root = root;
  o.runner_labels = labels_;
  return LintWorkflow(*text, o).HasErrors() ? "" : *text;
}

std::string WorkflowsAgent::Restore(const std::string& file) {
  std::string path = dir_ + "/" + file;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    // A pull that deletes it removes the file before it moves HEAD: never
    // restore while git works on the checkout, and ask HEAD once it is done.
    if (!git_head::Settled(*clock_, RepoRoot())) return "git is updating the checkout; trying again shortly";
    if (auto head = HeadWorkflows(); head && !head->count(file)) {
      Retire(file);
      return "";
    }
    if (fs::exists(path, ec)) return "";  // it is back
  }
  std::string broken_copy;
  if (fs::exists(path, ec)) {
    // Written a moment ago: perhaps not finished. The next check judges it.
    if (WrittenAgoMs(path, clock_->WallMs()) < kEditSettleMs) return "";
    broken_copy = ctx_.state_dir + "/workflows/broken/" + file + "." + Stamp(clock_->WallMs());
    fs::create_directories(fs::path(broken_copy).parent_path(), ec);
    fs::remove(broken_copy, ec);
    // Kept aside as the same file (a hard link), not a copy: a writer that
    // still has it open goes on writing into the kept version; nothing it
    // writes is lost. A copy only across file systems.
    if (link(path.c_str(), broken_copy.c_str()) != 0) {
      fs::copy_file(path, broken_copy, fs::copy_options::overwrite_existing, ec);
      if (ec) return "cannot save the broken version aside (" + ec.message() + "); not restoring";
    }
  }
  std::string text = FromHead(file), source = "git HEAD";
  if (text.empty()) {
    text = ReadWholeFile(GoodPath(file));
    source = "the last good copy";
  }
  if (text.empty()) return "no valid version in git HEAD nor a last good copy";
  fs::create_directories(dir_, ec);  // the whole folder may have gone
  Status s = WriteFileAtomic(path, text);
  if (!s.ok()) return s.message();
  ctx_.emit("workflow:" + file, events::kWorkflowRestored,
            "restored " + file + " from " + source +
                (broken_copy.empty() ? " (it had been deleted)" : "; the broken version is kept as " + broken_copy));
  return "";
}

Status WorkflowsAgent::Recover(const std::string& target, bool forced) {
  if (forced) poison_.Clear(target);
  std::vector<std::string> files;
  if (target.empty()) {
    files = Files();
  } else if (target.rfind("workflow:", 0) == 0) {
    files.push_back(target.substr(9));
  } else if (target.rfind("workflow-local:", 0) == 0) {
    std::string file = target.substr(15);
    if (std::find(local_fallback_.begin(), local_fallback_.end(), file) == local_fallback_.end()) {
      return Status::Error(file + " is not in workflows.local_fallback");
    }
    force_local_.insert(file);  // the check that follows runs it
    return Status::Ok();
  } else {
    return Status::Error("nothing to do for " + target + " (a person fixes the workflow or the failing run)");
  }
  if (!restore_)
    return Status::Error("restore is off: fix " + (files.empty() ? std::string("the workflow") : files[0]) +
                         " by hand");
  std::string errors;
  for (const auto& f : files) {
    std::error_code ec;
    if (target.empty() && fs::exists(dir_ + "/" + f, ec) && !LintWorkflow(ReadWholeFile(dir_ + "/" + f)).HasErrors())
      continue;
    std::string e = Restore(f);
    if (!e.empty()) errors += (errors.empty() ? "" : "; ") + f + ": " + e;
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

void WorkflowsAgent::Watch() {
  if (inotify_fd_ < 0) inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return;
  inotify_add_watch(inotify_fd_, dir_.c_str(),
                    IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB);
}

std::vector<int> WorkflowsAgent::WatchedFds() {
  if (inotify_fd_ < 0) return {};
  return {inotify_fd_};
}

bool WorkflowsAgent::OnReadable(int fd) {
  bool relevant = false;
  for (const auto& e : ReadInotifyEvents(fd)) {
    const std::string& n = e.name;
    relevant |= (n.size() > 4 && n.compare(n.size() - 4, 4, ".yml") == 0) ||
                (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0);
  }
  return relevant;
}

}  // namespace redundancy::workflows
