// `redundancyctl git sync` against real repositories: a bare remote, a
// developer clone that pushes, and the deployed clone that is synced.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agents/git/sync.h"
#include "tests/integration/harness.h"

namespace redundancy::testing {
namespace {

namespace fs = std::filesystem;

class GitSyncTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    remote_ = dir_.path() + "/remote.git";
    dev_ = dir_.path() + "/dev";
    deploy_ = dir_.path() + "/deploy";
    Sh("git init -q --bare -b main " + remote_);
    Sh("git clone -q " + remote_ + " " + dev_);
    Write(dev_, "a.txt", "a1\n");
    Write(dev_, "b.txt", "b1\n");
    Write(dev_, ".gitignore", ".env\nnode_modules/\n");
    Commit(dev_, "initial");
    Sh("git -C " + dev_ + " push -q origin HEAD:main");
    Sh("git clone -q " + remote_ + " " + deploy_);
    Write(deploy_, ".env", "SECRET=1\n");
    Write(deploy_, "node_modules/x/index.js", "module.exports = 1;\n");
  }
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  static void Write(const std::string& repo, const std::string& path, const std::string& text) {
    WriteFile(repo + "/" + path, text);
  }
  static std::string Read(const std::string& path) { return ReadFile(path); }
  void Push(const std::string& file, const std::string& text, const std::string& msg = "upstream change") {
    Write(dev_, file, text);
    Commit(dev_, msg);
    Sh("git -C " + dev_ + " push -q origin HEAD:main");
  }
  std::string Head(const std::string& repo) const { return Trim(Sh("git -C " + repo + " rev-parse HEAD")); }
  std::string Upstream() const { return Trim(Sh("git -C " + remote_ + " rev-parse main")); }
  std::string Status() const { return Trim(Sh("git -C " + deploy_ + " status --porcelain --untracked-files=no")); }
  int Stashes() const {
    std::string out = Trim(Sh("git -C " + deploy_ + " stash list"));
    return out.empty() ? 0 : static_cast<int>(std::count(out.begin(), out.end(), '\n')) + 1;
  }
  // Every worktree file (outside .git) with its content.
  std::map<std::string, std::string> Tree() const {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(deploy_); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) out[fs::relative(it->path(), deploy_).string()] = Read(it->path().string());
    }
    return out;
  }
  nlohmann::json Sync(const std::string& strategy, int want_exit = -1) {
    std::string out;
    int rc = RunShell(
        BinDir() + "/redundancyctl git sync " + deploy_ + " --strategy " + strategy + " --json 2>/dev/null", &out);
    auto j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    if (want_exit >= 0) {
      EXPECT_EQ(rc, want_exit) << out;
    }
    return j;
  }
  void ExpectKeptIgnoredFiles() {
    EXPECT_EQ(Read(deploy_ + "/.env"), "SECRET=1\n");
    EXPECT_TRUE(fs::exists(deploy_ + "/node_modules/x/index.js"));
  }

  TempDir dir_;
  std::string remote_, dev_, deploy_;
};

TEST_P(GitSyncTest, UpToDateIsATrueNoOp) {
  Write(deploy_, "a.txt", "local edit\n");
  auto before = Tree();
  auto mtime = fs::last_write_time(deploy_ + "/b.txt");
  auto j = Sync(GetParam(), 0);
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["head_before"], j["head_after"]);
  EXPECT_TRUE(j["steps"].empty()) << j.dump();
  EXPECT_EQ(Tree(), before);
  EXPECT_EQ(fs::last_write_time(deploy_ + "/b.txt"), mtime);
  EXPECT_EQ(Stashes(), 0);
}

TEST_P(GitSyncTest, UnreachableRemoteChangesNothing) {
  Push("b.txt", "b2\n");
  Write(deploy_, "a.txt", "local edit\n");
  Sh("git -C " + deploy_ + " remote set-url origin " + dir_.path() + "/nowhere.git");
  auto before = Tree();
  std::string head = Head(deploy_);
  auto j = Sync(GetParam(), 1);
  EXPECT_EQ(j["result"], "error");
  EXPECT_EQ(j["error_kind"], "remote_unreachable");
  EXPECT_EQ(Tree(), before);
  EXPECT_EQ(Head(deploy_), head);
  EXPECT_EQ(Stashes(), 0);
}

TEST_P(GitSyncTest, MissingRemoteBranchChangesNothing) {
  Sh("git -C " + dev_ + " push -q origin HEAD:other && git -C " + remote_ + " symbolic-ref HEAD refs/heads/other");
  Sh("git -C " + dev_ + " push -q origin :main");
  Write(deploy_, "a.txt", "local edit\n");
  auto before = Tree();
  auto j = Sync(GetParam(), 1);
  EXPECT_EQ(j["error_kind"], "remote_branch_missing");
  EXPECT_EQ(Tree(), before);
}

TEST_P(GitSyncTest, NewCommitsArriveAndEditsUntrackedAndIgnoredFilesSurvive) {
  Push("b.txt", "b2\n");
  Write(deploy_, "a.txt", "local edit\n");
  Write(deploy_, "notes.txt", "untracked\n");
  auto j = Sync(GetParam(), 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_EQ(Head(deploy_), Upstream());
  EXPECT_EQ(Read(deploy_ + "/b.txt"), "b2\n");
  EXPECT_EQ(Read(deploy_ + "/notes.txt"), "untracked\n");
  ExpectKeptIgnoredFiles();
  if (GetParam() == "hardreset") {
    EXPECT_EQ(Read(deploy_ + "/a.txt"), "a1\n") << "hardreset: tracked files are exactly the remote tip";
    EXPECT_EQ(Stashes(), 1) << "...and the edit was saved first";
    EXPECT_NE(Trim(Sh("git -C " + deploy_ + " stash show -p")).find("local edit"), std::string::npos);
  } else {
    EXPECT_EQ(Read(deploy_ + "/a.txt"), "local edit\n");
    EXPECT_EQ(Stashes(), 0);
  }
}

TEST_P(GitSyncTest, WrongBranchOrDetachedHeadGoesBackToTheBranch) {
  Sh("git -C " + deploy_ + " checkout -q -b feature");
  Write(deploy_, "c.txt", "feature\n");
  Commit(deploy_, "feature work");
  std::string feature = Head(deploy_);
  Push("b.txt", "b2\n");
  auto j = Sync(GetParam(), 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " symbolic-ref --short HEAD")), "main");
  EXPECT_EQ(Head(deploy_), Upstream());
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " rev-parse feature")), feature) << "the other branch is untouched";
  Sh("git -C " + deploy_ + " checkout -q --detach HEAD~1");
  EXPECT_EQ(Sync(GetParam(), 0)["result"], "ok");
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " symbolic-ref --short HEAD")), "main");
}

TEST_P(GitSyncTest, CrashedGitLeftoversAreCleanedFirst) {
  Push("b.txt", "b2\n");
  std::ofstream(deploy_ + "/.git/index.lock") << "";
  auto j = Sync(GetParam(), 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_FALSE(fs::exists(deploy_ + "/.git/index.lock"));
  EXPECT_EQ(Head(deploy_), Upstream());
}

TEST_P(GitSyncTest, SubmodulesFollowTheNewGitlinks) {
  std::string lib_remote = dir_.path() + "/lib.git", lib_dev = dir_.path() + "/libdev";
  Sh("git init -q --bare -b main " + lib_remote + " && git clone -q " + lib_remote + " " + lib_dev);
  Write(lib_dev, "lib.txt", "v1\n");
  Commit(lib_dev, "lib v1");
  Sh("git -C " + lib_dev + " push -q origin HEAD:main");
  Sh("git -C " + dev_ + " -c protocol.file.allow=always submodule add -q " + lib_remote + " lib");
  Commit(dev_, "add lib");
  Sh("git -C " + dev_ + " push -q origin HEAD:main");
  EXPECT_EQ(Sync(GetParam(), 0)["result"], "ok");
  EXPECT_EQ(Read(deploy_ + "/lib/lib.txt"), "v1\n");
  Write(lib_dev, "lib.txt", "v2\n");
  Commit(lib_dev, "lib v2");
  Sh("git -C " + lib_dev + " push -q origin HEAD:main");
  Sh("git -C " + dev_ + "/lib pull -q origin main && git -C " + dev_ + " add lib");
  Commit(dev_, "bump lib");
  Sh("git -C " + dev_ + " push -q origin HEAD:main");
  EXPECT_EQ(Sync(GetParam(), 0)["result"], "ok");
  EXPECT_EQ(Read(deploy_ + "/lib/lib.txt"), "v2\n");
  EXPECT_EQ(Status(), "") << "no ' M lib' left behind";
}

INSTANTIATE_TEST_SUITE_P(Strategies, GitSyncTest, ::testing::Values("pull", "rebase", "hardreset"));

// The git agent's check: `git status --porcelain=v2 --branch` answers HEAD,
// the branch, the edits and (in step with remote/branch) the tracking ref; a
// checkout that is behind, never fetched, detached or unborn is asked piece
// by piece and reads the same.
class GitInspectTest : public GitSyncTest {};

TEST_F(GitInspectTest, ReadsTheCheckoutWhateverIsMissing) {
  git::SyncOptions o;
  o.dir = deploy_;
  git::RepoState s = git::Inspect(o);
  EXPECT_EQ(s.error_kind, "") << s.error;
  EXPECT_EQ(s.branch, "main");
  EXPECT_EQ(s.head, Head(deploy_));
  EXPECT_EQ(s.upstream, Upstream());
  EXPECT_EQ(s.ahead + s.behind, 0);
  EXPECT_FALSE(s.dirty);
  EXPECT_FALSE(s.leftovers);

  Push("a.txt", "a2\n");
  Write(deploy_, "b.txt", "edited\n");
  Sh("git -C " + deploy_ + " update-ref -d refs/remotes/origin/main");  // as if never fetched
  s = git::Inspect(o);
  EXPECT_EQ(s.error_kind, "") << s.error;
  EXPECT_EQ(s.upstream, Upstream()) << "the missing tracking ref is fetched";
  EXPECT_EQ(s.behind, 1);
  EXPECT_TRUE(s.dirty);

  Sh("git -C " + deploy_ + " checkout -q --detach");
  s = git::Inspect(o);
  EXPECT_EQ(s.branch, "") << "detached";
  EXPECT_EQ(s.head, Head(deploy_));
  EXPECT_EQ(s.behind, 1);

  Sh("git -C " + deploy_ + " checkout -q --orphan unborn");
  s = git::Inspect(o);
  EXPECT_EQ(s.error_kind, "") << s.error;
  EXPECT_EQ(s.branch, "unborn");
  EXPECT_EQ(s.head, "");
  EXPECT_EQ(s.upstream, Upstream());

  // From a folder inside the checkout, the git dir is still found: a crashed
  // git's lock is seen.
  fs::create_directories(deploy_ + "/sub");
  WriteFile(deploy_ + "/.git/index.lock", "");
  o.dir = deploy_ + "/sub";
  s = git::Inspect(o);
  EXPECT_EQ(s.error_kind, "") << s.error;
  EXPECT_TRUE(s.leftovers);

  o.dir = dir_.path();
  EXPECT_EQ(git::Inspect(o).error_kind, "not_a_repository");
}

// Local work meeting upstream work: per strategy.
class GitSyncLocalWorkTest : public GitSyncTest {};

TEST_F(GitSyncLocalWorkTest, EditsThatConflictWithTheNewHeadStayInTheStash) {
  for (const char* strategy : {"pull", "rebase"}) {
    SCOPED_TRACE(strategy);
    Push("a.txt", std::string("upstream ") + strategy + "\n");
    Write(deploy_, "a.txt", "my edit\n");
    auto j = Sync(strategy, 1);
    EXPECT_EQ(j["result"], "conflict") << j.dump();
    EXPECT_EQ(Head(deploy_), Upstream());
    EXPECT_EQ(Status(), "") << "a clean tree at the new head";
    EXPECT_EQ(Stashes(), 1);
    EXPECT_NE(Sh("git -C " + deploy_ + " stash show -p").find("my edit"), std::string::npos);
    Sh("git -C " + deploy_ + " stash drop -q");
  }
}

TEST_F(GitSyncLocalWorkTest, DivergedHistoryPullMergesCleanly) {
  Write(deploy_, "c.txt", "local commit\n");
  Commit(deploy_, "local");
  Push("b.txt", "b2\n");
  auto j = Sync("pull", 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " rev-list --parents -n1 HEAD")).size(), 3u * 40 + 2) << "a merge commit";
  EXPECT_EQ(Read(deploy_ + "/b.txt"), "b2\n");
  EXPECT_EQ(Read(deploy_ + "/c.txt"), "local commit\n");
}

TEST_F(GitSyncLocalWorkTest, DivergedHistoryRebaseReplaysLocalCommitsOnTop) {
  Write(deploy_, "c.txt", "local commit\n");
  Commit(deploy_, "local");
  Push("b.txt", "b2\n");
  auto j = Sync("rebase", 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " rev-parse HEAD~1")), Upstream()) << "linear, local commit on top";
  EXPECT_EQ(Read(deploy_ + "/b.txt"), "b2\n");
  EXPECT_EQ(Read(deploy_ + "/c.txt"), "local commit\n");
}

TEST_F(GitSyncLocalWorkTest, ConflictingHistoryIsAbortedAndHeadStays) {
  Write(deploy_, "b.txt", "local b\n");
  Commit(deploy_, "local b");
  Push("b.txt", "upstream b\n");
  std::string head = Head(deploy_);
  auto pull = Sync("pull", 1);
  EXPECT_EQ(pull["error_kind"], "merge_conflict") << pull.dump();
  EXPECT_EQ(Head(deploy_), head);
  EXPECT_FALSE(fs::exists(deploy_ + "/.git/MERGE_HEAD"));
  EXPECT_EQ(Status(), "");
  auto rebase = Sync("rebase", 1);
  EXPECT_EQ(rebase["error_kind"], "rebase_conflict") << rebase.dump();
  EXPECT_EQ(Head(deploy_), head);
  EXPECT_FALSE(fs::exists(deploy_ + "/.git/rebase-merge"));
  EXPECT_FALSE(fs::exists(deploy_ + "/.git/rebase-apply"));
}

TEST_F(GitSyncLocalWorkTest, AfterAForcePushPullRefusesAndRebaseKeepsOnlyLocalCommits) {
  Push("b.txt", "doomed upstream commit\n", "doomed");
  EXPECT_EQ(Sync("pull", 0)["result"], "ok");  // the deployed checkout has the doomed commit
  Write(deploy_, "c.txt", "local\n");
  Commit(deploy_, "local");
  std::string head = Head(deploy_);
  // Upstream rewrites history: the doomed commit is gone.
  Sh("git -C " + dev_ + " reset -q --hard HEAD~1");
  Write(dev_, "e.txt", "rewritten\n");
  Commit(dev_, "rewritten");
  Sh("git -C " + dev_ + " push -q -f origin HEAD:main");
  auto pull = Sync("pull", 1);
  EXPECT_EQ(pull["error_kind"], "upstream_rewritten") << pull.dump();
  EXPECT_EQ(Head(deploy_), head);
  auto rebase = Sync("rebase", 0);
  EXPECT_EQ(rebase["result"], "ok") << rebase.dump();
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " rev-parse HEAD~1")), Upstream());
  EXPECT_EQ(Read(deploy_ + "/b.txt"), "b1\n") << "the commit upstream rewrote away did not come back";
  EXPECT_EQ(Read(deploy_ + "/c.txt"), "local\n");
}

TEST_F(GitSyncLocalWorkTest, HardResetSavesEverythingItDrops) {
  Write(deploy_, "c.txt", "local commit\n");
  Commit(deploy_, "local");
  std::string local = Head(deploy_);
  Write(deploy_, "a.txt", "uncommitted\n");
  Write(deploy_, "notes.txt", "mine\n");
  Write(dev_, "new.txt", "from upstream\n");
  Push("b.txt", "b2\n");
  Write(deploy_, "new.txt", "untracked, in the way\n");
  auto j = Sync("hardreset", 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_EQ(Head(deploy_), Upstream());
  EXPECT_EQ(Status(), "");
  EXPECT_EQ(Trim(Sh("git -C " + deploy_ + " diff " + Upstream())), "");
  EXPECT_EQ(Read(deploy_ + "/new.txt"), "from upstream\n");
  EXPECT_EQ(Read(deploy_ + "/notes.txt"), "mine\n") << "other untracked files are never touched";
  ExpectKeptIgnoredFiles();
  // What it dropped is all recoverable.
  EXPECT_NE(Sh("git -C " + deploy_ + " stash show -p").find("uncommitted"), std::string::npos);
  std::string refs =
      Sh("git -C " + deploy_ + " for-each-ref --format='%(objectname) %(refname)' refs/redundancy/backup/");
  EXPECT_NE(refs.find(local), std::string::npos) << refs;
  std::string copy;
  for (const auto& b : j["backups"]) {
    if (fs::exists(b.get<std::string>() + "/new.txt")) copy = Read(b.get<std::string>() + "/new.txt");
  }
  EXPECT_EQ(copy, "untracked, in the way\n") << j.dump();
}

TEST_F(GitSyncLocalWorkTest, MergeLeftInProgressIsAbortedBeforeSyncing) {
  Write(deploy_, "b.txt", "local b\n");
  Commit(deploy_, "local b");
  Push("b.txt", "upstream b\n");
  Sh("git -C " + deploy_ + " fetch -q && (git -C " + deploy_ + " merge origin/main >/dev/null 2>&1 || true)");
  ASSERT_TRUE(fs::exists(deploy_ + "/.git/MERGE_HEAD"));
  Sh("git -C " + deploy_ + " reset -q --merge && git -C " + deploy_ + " reset -q --hard origin/main~1");
  // A crashed merge: MERGE_HEAD without a live git.
  Push("a.txt", "a2\n");
  Sh("git -C " + deploy_ + " fetch -q && (git -C " + deploy_ +
     " merge --no-commit --no-ff origin/main >/dev/null 2>&1 || true)");
  ASSERT_TRUE(fs::exists(deploy_ + "/.git/MERGE_HEAD"));
  auto j = Sync("pull", 0);
  EXPECT_EQ(j["result"], "ok") << j.dump();
  EXPECT_FALSE(fs::exists(deploy_ + "/.git/MERGE_HEAD"));
  EXPECT_EQ(Head(deploy_), Upstream());
}

using namespace std::chrono_literals;

constexpr char kGitTarget[] = "git:origin/main";

// The git agent, through the real daemon.
class GitAgentTest : public GitSyncTest {
 protected:
  void StartDaemon(const std::string& strategy) {
    d_ = std::make_unique<Daemon>("  git: {interval: 300ms, dir: " + deploy_ + ", strategy: " + strategy + "}\n");
    ASSERT_TRUE(d_->Start());
    ASSERT_TRUE(d_->WaitAllReady(10s));
  }
  std::optional<v1::CheckStatus> GitCheck() const {
    auto s = d_->Status();
    if (!s.ok() || s->systems_size() == 0 || s->systems(0).checks_size() == 0) return std::nullopt;
    return s->systems(0).checks(0);
  }
  int Events(const std::string& kind) const {
    auto h = d_->Control(v1::ControlRequest::HISTORY);
    int n = 0;
    for (const auto& r : h->history()) n += r.kind() == "event:" + kind;
    return n;
  }
  std::unique_ptr<Daemon> d_;
};

TEST_F(GitAgentTest, FollowsPushesAndRecordsEachSync) {
  StartDaemon("pull");
  ASSERT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
  EXPECT_EQ(GitCheck()->target(), "git:origin/main");
  Write(deploy_, "a.txt", "local edit\n");
  Push("b.txt", "b2\n");
  // Done means the sync event is recorded: the stash is restored by then.
  ASSERT_TRUE(WaitUntil([&] { return Events("sync_ok") >= 1; }, 10s)) << d_->Ctl("history").output;
  EXPECT_EQ(Head(deploy_), Upstream());
  EXPECT_EQ(Read(deploy_ + "/a.txt"), "local edit\n");
  ExpectKeptIgnoredFiles();
  EXPECT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
  EXPECT_GE(Events("sync_ok"), 1);
  EXPECT_NE(d_->Ctl("history").output.find("fast-forwarded"), std::string::npos);
}

// Idle checks ask the remote for its branch (git ls-remote) and fetch only
// when it moved: nothing is fetched while nothing changes, a push is.
TEST_F(GitAgentTest, AnUnchangedRemoteIsAskedNotFetched) {
  StartDaemon("pull");
  ASSERT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
  const std::string fetch_head = deploy_ + "/.git/FETCH_HEAD";
  auto stamp = [&] {
    std::error_code ec;
    auto t = fs::last_write_time(fetch_head, ec);
    return ec ? std::string("absent") : std::to_string(t.time_since_epoch().count());
  };
  const std::string before = stamp();
  // Three more checks (300 ms apart) with the remote as it was.
  ASSERT_TRUE(d_->WaitReports("git", 3, 10s));
  EXPECT_EQ(stamp(), before) << "an idle check fetched";
  Push("b.txt", "b2\n");
  ASSERT_TRUE(WaitUntil([&] { return Head(deploy_) == Upstream(); }, 10s)) << d_->Ctl("history").output;
  EXPECT_NE(stamp(), before) << "the push was not fetched";
}

TEST_F(GitAgentTest, HardresetBackupsAreInTheHistory) {
  Write(deploy_, "c.txt", "local commit\n");
  Commit(deploy_, "local");
  Push("b.txt", "b2\n");
  StartDaemon("hardreset");
  ASSERT_TRUE(WaitUntil([&] { return Head(deploy_) == Upstream(); }, 10s)) << d_->Ctl("history").output;
  ASSERT_TRUE(WaitUntil([&] { return Events("backup") >= 1; }, 5s));
  EXPECT_NE(d_->Ctl("history").output.find("refs/redundancy/backup/"), std::string::npos);
}

TEST_F(GitAgentTest, UnreachableRemoteIsDegradedAndTouchesNothing) {
  Sh("git -C " + deploy_ + " remote set-url origin " + dir_.path() + "/nowhere.git");
  Write(deploy_, "a.txt", "local edit\n");
  auto before = Tree();
  StartDaemon("hardreset");
  ASSERT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_DEGRADED, 10s));
  EXPECT_NE(GitCheck()->summary().find("cannot reach origin"), std::string::npos);
  EXPECT_EQ(Tree(), before);
}

TEST_F(GitAgentTest, ConflictsAreGivenUpUntilAnOperatorRecovers) {
  Write(deploy_, "b.txt", "local b\n");
  Commit(deploy_, "local b");
  Push("b.txt", "upstream b\n");
  std::string head = Head(deploy_);
  StartDaemon("pull");
  ASSERT_TRUE(WaitUntil([&] { return Events("gave_up") == 1; }, 10s)) << d_->Ctl("history").output;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = GitCheck();
        return c && c->summary().find("gave up") != std::string::npos;
      },
      5s));
  EXPECT_FALSE(WaitUntil([&] { return Events("sync_error") > 1; }, 1500ms)) << "no retries while given up";
  EXPECT_EQ(Head(deploy_), head);
  // The operator resolves it by hand (again if the agent's own git holds index.lock at that moment), then asks.
  ASSERT_TRUE(
      WaitUntil([&] { return RunShell("git -C " + deploy_ + " reset -q --hard origin/main 2>/dev/null") == 0; }, 5s));
  CtlResult r = d_->Ctl("recover git:origin/main");
  EXPECT_NE(r.exit_code, 3) << r.output;
  EXPECT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
}

// Uncommitted edits (a hotfix on the live checkout) that conflict with new
// commits: the checkout takes the new head, the edits wait in a stash, and
// that is said (failed, a critical gave_up) until an operator has seen it.
TEST_F(GitAgentTest, EditsKeptAsideByAConflictAreSaidUntilAnOperatorRecovers) {
  StartDaemon("pull");
  ASSERT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
  Write(deploy_, "a.txt", "LOCAL HOTFIX\n");
  Push("a.txt", "upstream change\n");
  ASSERT_TRUE(WaitUntil([&] { return Events("sync_conflict") == 1; }, 10s)) << d_->Ctl("history").output;
  EXPECT_TRUE(WaitUntil([&] { return Events("gave_up") == 1; }, 5s)) << d_->Ctl("history").output;
  EXPECT_EQ(Head(deploy_), Upstream());
  EXPECT_NE(Sh("git -C " + deploy_ + " stash show -p").find("LOCAL HOTFIX"), std::string::npos) << "the edit is kept";
  ASSERT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_FAILED, 5s));
  EXPECT_NE(GitCheck()->summary().find("kept in stash"), std::string::npos) << GitCheck()->summary();
  // Still said several checks later (300 ms apart): not green by itself.
  ASSERT_TRUE(d_->WaitReports("git", 3, 10s));
  EXPECT_EQ(GitCheck()->status(), v1::HEALTH_FAILED);
  EXPECT_EQ(Events("gave_up"), 1) << "one notice for the incident";
  // An agent restart (a crash, a hang) does not forget it.
  ASSERT_EQ(d_->Ctl("restart-agent git").exit_code, 0);
  ASSERT_TRUE(d_->WaitAgentState("git", "ready", 10s));
  ASSERT_TRUE(d_->WaitReports("git", 2, 10s));
  EXPECT_EQ(GitCheck()->status(), v1::HEALTH_FAILED) << GitCheck()->summary();
  EXPECT_NE(GitCheck()->summary().find("kept in stash"), std::string::npos) << GitCheck()->summary();
  // The operator has seen it (and decides about the stash by hand).
  CtlResult r = d_->Ctl("recover git:origin/main");
  EXPECT_NE(r.exit_code, 3) << r.output;
  EXPECT_TRUE(d_->WaitCheck(kGitTarget, v1::HEALTH_OK, 10s));
  EXPECT_NE(Sh("git -C " + deploy_ + " stash show -p").find("LOCAL HOTFIX"), std::string::npos) << "still kept";
}

TEST(GitSyncCliTest, UsageErrors) {
  std::string out;
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl git sync /tmp --strategy merge", &out), 2) << out;
  TempDir d;
  out.clear();
  EXPECT_EQ(RunShell(BinDir() + "/redundancyctl git sync " + d.path() + " --strategy pull --json", &out), 1);
  EXPECT_NE(out.find("not_a_repository"), std::string::npos) << out;
}

// A remote or branch that git would take for an option never reaches git:
// `--upload-pack=CMD` would run CMD on fetch.
TEST(GitSyncCliTest, AnOptionAsRemoteOrBranchRunsNothing) {
  TempDir d;
  ASSERT_EQ(RunShell("cd " + d.path() +
                     " && git init -q -b main repo && cd repo && "
                     "git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m x && "
                     "git remote add origin " +
                     d.path() + "/nowhere.git"),
            0);
  const std::string mark = d.path() + "/ran";
  for (const std::string& arg :
       {"--remote=--upload-pack='touch " + mark + "'", "--branch=--upload-pack='touch " + mark + "'"}) {
    std::string out;
    EXPECT_EQ(
        RunShell(BinDir() + "/redundancyctl git sync " + d.path() + "/repo --strategy pull " + arg + " 2>&1", &out), 2)
        << out;
    EXPECT_NE(out.find("must not be empty or start with '-'"), std::string::npos) << out;
  }
  // The library refuses too, whoever calls it (the agent, with a config that skipped validation).
  git::SyncOptions o;
  o.dir = d.path() + "/repo";
  o.remote = "--upload-pack=touch " + mark;
  git::SyncResult r = git::Sync(o);
  EXPECT_EQ(r.error_kind, "bad_argument") << r.message;
  EXPECT_EQ(git::Inspect(o).error_kind, "bad_argument");
  o.remote = "origin";
  EXPECT_EQ(git::ResetTo(o, "--output=" + mark).error_kind, "bad_argument");
  EXPECT_FALSE(fs::exists(mark)) << "git ran an option given as a name";
}

}  // namespace
}  // namespace redundancy::testing
