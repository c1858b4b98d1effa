// The workflows agent and GitHub: the latest run of each workflow through the
// REST API (rate limits honoured, the token never logged), and local runs of
// scheduled workflows GitHub does not run (local_fallback).
#include <nlohmann/json.hpp>

#include "agents/workflows/runner.h"
#include "agents/workflows/workflows_agent.h"
#include "common/cron.h"
#include "common/event_kinds.h"
#include "common/probe.h"

namespace redundancy::workflows {

namespace {

// "2026-11-22T10:00:00Z" -> epoch seconds (0 when unreadable).
std::time_t ParseIso(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

}  // namespace

void WorkflowsAgent::PollGitHub(const std::vector<std::string>& files, std::vector<v1::CheckResult>* out) {
  std::time_t now = static_cast<std::time_t>(clock_->WallMs() / 1000);
  std::vector<std::string> headers = {"Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28"};
  if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
  for (const auto& file : files) {
    RunState& st = runs_[file];
    if (now >= rate_limited_until_) {
      HttpResponse r = HttpGet(api_url_ + "/repos/" + repo_ + "/actions/workflows/" + file + "/runs?per_page=1",
                               headers, Millis(15000));
      auto header = [&](const char* h) { return r.headers.count(h) ? r.headers.at(h) : std::string(); };
      if (header("x-ratelimit-remaining") == "0" || r.status == 429 ||
          (r.status == 403 && !header("retry-after").empty())) {
        std::time_t reset = std::atoll(header("x-ratelimit-reset").c_str());
        std::time_t retry = std::atoll(header("retry-after").c_str());
        rate_limited_until_ = retry > 0 ? now + retry : reset > now ? reset : now + 60;
      }
      if (!r.error.empty()) {
        st.error = "GitHub API unreachable: " + r.error;
      } else if (r.status == 404) {
        st = RunState{};
        st.error = "GitHub does not know " + file + " in " + repo_ + " (HTTP 404)";
      } else if (r.status != 200) {
        st.error = "GitHub API answered HTTP " + std::to_string(r.status);
      } else {
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        st = RunState{};
        if (!j.is_object() || !j.contains("workflow_runs") || !j["workflow_runs"].is_array()) {
          st.error = "unexpected answer from the GitHub API";
        } else if (j["workflow_runs"].empty()) {
          st.absent = true;
        } else {
          const auto& run = j["workflow_runs"][0];
          auto s = [&](const char* k) {
            return run.contains(k) && run[k].is_string() ? run[k].get<std::string>() : std::string();
          };
          st.conclusion = s("conclusion"), st.status = s("status"), st.url = s("html_url"),
          st.created_at = s("created_at");
        }
      }
    }
    // Scheduled: no run within twice the longest gap of its crons.
    int64_t gap = 0;
    for (const auto& cron : schedules_[file]) {
      if (!gap_minutes_.count(cron)) gap_minutes_[cron] = CronLongestGapMinutes(cron, now);
      gap = std::max(gap, gap_minutes_[cron]);
    }
    std::string target = "workflow-run:" + file;
    bool stale = gap > 0 && !st.absent && !st.created_at.empty() && now - ParseIso(st.created_at) > 2 * gap * 60;
    if (gap > 0 && (st.absent || stale)) {
      st.absent = true;
      std::string why = st.created_at.empty() ? "no run on GitHub" : "last run " + st.created_at;
      out->push_back(MakeCheck(target, v1::HEALTH_DEGRADED,
                               "scheduled workflow has not run for more than twice its period (" + why +
                                   "); GitHub disables schedules of inactive repositories"));
    } else if (!st.error.empty()) {
      out->push_back(MakeCheck(target, v1::HEALTH_UNKNOWN, st.error));
    } else if (st.absent) {
      out->push_back(MakeCheck(target, v1::HEALTH_OK, "no runs yet"));
    } else if (st.conclusion == "failure" || st.conclusion == "timed_out" || st.conclusion == "startup_failure") {
      auto c = MakeCheck(target, v1::HEALTH_FAILED, "latest run " + st.conclusion + ": " + st.url,
                         "started " + st.created_at);
      c.set_gave_up(true);  // a person looks at the run; it is re-checked every interval
      out->push_back(std::move(c));
    } else {
      out->push_back(MakeCheck(target, v1::HEALTH_OK,
                               "latest run " + (st.conclusion.empty() ? st.status : st.conclusion) + ": " + st.url));
    }
  }
  if (rate_limited_until_ > now) {
    out->push_back(MakeCheck(
        "workflow-run:rate-limit", v1::HEALTH_DEGRADED,
        "GitHub API rate limit reached; polling resumes in " + std::to_string(rate_limited_until_ - now) + " s"));
  }
}

// Listed scheduled workflows run here on their cron while GitHub reports them
// failing or absent (or while no github: monitoring is configured).
void WorkflowsAgent::LocalFallback(std::vector<v1::CheckResult>* out) {
  std::time_t now = static_cast<std::time_t>(clock_->WallMs() / 1000);
  std::time_t from = last_fallback_check_ ? last_fallback_check_ : now - 60;
  last_fallback_check_ = now;
  for (const auto& file : local_fallback_) {
    std::string target = "workflow-local:" + file;
    const RunState& st = runs_[file];
    bool needed = repo_.empty() || st.absent || st.conclusion == "failure" || st.conclusion == "timed_out" ||
                  st.conclusion == "startup_failure";
    // Did one of its crons fire since the last look (at most a day back)?
    bool due = false;
    for (std::time_t t = std::max(from, now - 86400) / 60 * 60 + 60; t <= now && !due; t += 60) {
      std::tm tm{};
      gmtime_r(&t, &tm);
      for (const auto& cron : schedules_[file]) due = due || CronMatches(cron, tm);
    }
    bool forced = force_local_.erase(file) > 0;  // `redundancyctl recover workflow-local:<file>`
    if ((needed && due) || forced) {
      RunOptions o;
      o.workspace = RepoRoot();
      o.event_name = "schedule";
      auto r = RunWorkflowFile(dir_ + "/" + file, o);
      std::string summary = r.error.empty() ? "" : r.error;
      std::string output;
      for (const auto& j : r.jobs) {
        summary += (summary.empty() ? "" : ", ") + j.id + " " + j.result;
        for (const auto& s : j.steps) output += "== " + j.id + " / " + s.name + ": " + s.outcome + "\n" + s.output;
      }
      if (output.size() > 4000) output = "..." + output.substr(output.size() - 4000);
      local_ok_[file] = r.ok();
      local_results_[file] = summary;
      ctx_.emit(target, r.ok() ? events::kWorkflowLocalRun : events::kWorkflowLocalRunFailed,
                "ran " + file + " locally (" +
                    (forced          ? "asked by an operator"
                     : repo_.empty() ? "no GitHub monitoring"
                     : st.absent     ? "GitHub did not run it"
                                     : "its GitHub run failed") +
                    "): " + summary + "\n" + output);
    }
    if (!local_results_.count(file)) {
      out->push_back(
          MakeCheck(target, v1::HEALTH_OK, needed ? "waiting for its schedule" : "not needed: GitHub runs it"));
    } else {
      auto c = MakeCheck(target, local_ok_[file] ? v1::HEALTH_OK : v1::HEALTH_FAILED,
                         "last local run: " + local_results_[file]);
      c.set_gave_up(!local_ok_[file]);
      out->push_back(std::move(c));
    }
  }
}

}  // namespace redundancy::workflows
