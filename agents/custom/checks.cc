#include "agents/custom/checks.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "agents/custom/plugin_output.h"
#include "agents/runtime/agent.h"
#include "common/file_util.h"
#include "common/probe.h"

namespace redundancy::custom {
namespace {

std::string Size(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream o;
  o.precision(v == static_cast<double>(static_cast<uint64_t>(v)) ? 0 : 1);
  o << std::fixed << v << " " << units[u];
  return o.str();
}

v1::CheckResult ExecCheck(const CheckSpec& c, const std::string& target) {
  auto ran = RunCommand(c.exec, /*keep_head=*/true);  // the first line is the plugin's summary
  if (!ran.ok()) return MakeCheck(target, v1::HEALTH_UNKNOWN, "cannot run: " + ran.error());
  const process::Captured& out = *ran;
  if (out.timed_out) {
    return MakeCheck(target, v1::HEALTH_FAILED,
                     "timed out after " + FormatDuration(c.exec.timeout) + " (killed with what it started)",
                     FoldLines(out.output, 2000));
  }
  PluginOutput parsed = ParsePluginOutput(out.output);
  int code = out.exit.signal ? -1 : out.exit.code;
  v1::HealthStatus status = StatusOfExitCode(code);
  std::string summary = FoldLines(parsed.summary, 300);
  if (summary.empty()) summary = std::string(ServiceStateName(code)) + " (" + out.exit.Describe() + ", no output)";
  if ((code == 126 || code == 127) && !c.exec.shell) summary = "cannot run " + c.exec.argv[0] + ": " + summary;
  std::string details = parsed.long_text.substr(0, 4000);
  for (const auto& p : parsed.problems) details += (details.empty() ? "" : "\n") + p;
  for (const auto& p : parsed.perfdata) {
    if (p.warn().empty() && p.crit().empty()) continue;
    details += (details.empty() ? "" : "\n") + p.label() + ": warn " + (p.warn().empty() ? "-" : p.warn()) + ", crit " +
               (p.crit().empty() ? "-" : p.crit());
  }
  v1::CheckResult r = MakeCheck(target, status, summary, details);
  (*r.mutable_metrics())["exit_code"] = code;
  for (auto& p : parsed.perfdata) *r.add_perfdata() = std::move(p);
  r.mutable_labels()->insert({"state", ServiceStateName(code)});
  return r;
}

v1::CheckResult TcpCheck(const CheckSpec& c, const std::string& target) {
  ProbeResult p = ProbeTcp(c.tcp, c.timeout);
  v1::CheckResult r = MakeCheck(target, p.ok ? v1::HEALTH_OK : v1::HEALTH_FAILED,
                                p.ok ? c.tcp + " accepts connections" : c.tcp + ": " + p.error);
  if (p.ok) (*r.mutable_metrics())["latency_ms"] = p.latency_ms;
  return r;
}

v1::CheckResult HttpCheck(const CheckSpec& c, const std::string& target) {
  double latency = 0;
  const HttpSpec& h = c.http;
  HttpResponse resp = HttpGet(h.url, h.headers, c.timeout, HttpOptions{h.verify_tls, &latency});
  auto fail = [&](const std::string& why) {
    v1::CheckResult r = MakeCheck(target, v1::HEALTH_FAILED, why);
    if (resp.status) (*r.mutable_metrics())["http_status"] = resp.status;
    return r;
  };
  if (resp.status == 0) return fail(h.url + ": " + (resp.error.empty() ? "no response" : resp.error));
  bool status_ok = h.expect_status ? resp.status == h.expect_status : resp.status >= 200 && resp.status < 400;
  if (!status_ok)
    return fail(h.url + ": status " + std::to_string(resp.status) +
                (h.expect_status ? " (expected " + std::to_string(h.expect_status) + ")" : ""));
  if (!h.expect_body.empty() && resp.body.find(h.expect_body) == std::string::npos)
    return fail(h.url + ": the body does not contain '" + h.expect_body.substr(0, 80) + "'");
  if (!h.expect_body_regex.empty()) {
    bool found = false;
    try {
      // Bounded: std::regex recurses per character.
      std::string_view body(resp.body);
      body = body.substr(0, 64 * 1024);
      found = std::regex_search(body.begin(), body.end(), std::regex(h.expect_body_regex));
    } catch (const std::exception& e) {
      return fail(h.url + ": expect_body_regex: " + e.what());
    }
    if (!found) return fail(h.url + ": the body does not match /" + h.expect_body_regex.substr(0, 80) + "/");
  }
  v1::CheckResult r = MakeCheck(
      target, v1::HEALTH_OK,
      h.url + ": " + std::to_string(resp.status) + " in " + std::to_string(static_cast<int>(latency)) + " ms");
  (*r.mutable_metrics())["latency_ms"] = latency;
  (*r.mutable_metrics())["http_status"] = resp.status;
  return r;
}

v1::CheckResult FileCheck(const CheckSpec& c, const std::string& target, const Clock& clock) {
  const FileSpec& f = c.file;
  struct stat st;
  if (stat(f.path.c_str(), &st) != 0) return MakeCheck(target, v1::HEALTH_FAILED, f.path + " is missing");
  int64_t mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  int64_t age_ms = std::max<int64_t>(0, clock.WallMs() - mtime_ms);
  auto result = [&](v1::HealthStatus s, const std::string& summary) {
    v1::CheckResult r = MakeCheck(target, s, summary);
    (*r.mutable_metrics())["age_seconds"] = static_cast<double>(age_ms) / 1000.0;
    (*r.mutable_metrics())["size_bytes"] = static_cast<double>(st.st_size);
    return r;
  };
  if (f.max_age.count() > 0 && age_ms > f.max_age.count())
    return result(v1::HEALTH_FAILED, f.path + " is " + FormatDuration(Millis(age_ms / 1000 * 1000)) + " old (max_age " +
                                         FormatDuration(f.max_age) + ")");
  if (f.min_size > 0 && static_cast<uint64_t>(st.st_size) < f.min_size)
    return result(v1::HEALTH_FAILED,
                  f.path + " is " + Size(static_cast<uint64_t>(st.st_size)) + " (min_size " + Size(f.min_size) + ")");
  if (!f.contains.empty()) {
    if (!S_ISREG(st.st_mode)) return result(v1::HEALTH_FAILED, f.path + " is not a file");
    bool ok = false;
    std::string text = ReadWholeFile(f.path, &ok);
    if (!ok) return result(v1::HEALTH_FAILED, f.path + ": " + Unreadable(f.path));
    if (text.find(f.contains) == std::string::npos)
      return result(v1::HEALTH_FAILED, f.path + " does not contain '" + f.contains.substr(0, 80) + "'");
  }
  return result(v1::HEALTH_OK, f.path + ": " + Size(static_cast<uint64_t>(st.st_size)) + ", " +
                                   FormatDuration(Millis(age_ms / 1000 * 1000)) + " old");
}

// Resident memory of `pid` in bytes (0 when unknown).
uint64_t RssOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

// Running processes called `name` (comm, which the kernel cuts at 15 bytes,
// or argv[0]'s base name).
std::vector<pid_t> ProcessesNamed(const std::string& name) {
  std::vector<pid_t> found;
  DIR* d = opendir("/proc");
  if (!d) return found;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end) continue;
    std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream comm_in(dir + "/comm");
    std::string comm;
    std::getline(comm_in, comm);
    bool match = comm == name || (name.size() > 15 && comm == name.substr(0, 15));
    if (!match) {
      std::ifstream cmd_in(dir + "/cmdline");
      std::string argv0;
      std::getline(cmd_in, argv0, '\0');
      match = !argv0.empty() && argv0.substr(argv0.rfind('/') + 1) == name;
    }
    if (match && process::IsRunning(static_cast<pid_t>(pid))) found.push_back(static_cast<pid_t>(pid));
  }
  closedir(d);
  return found;
}

v1::CheckResult ProcessCheck(const CheckSpec& c, const std::string& target) {
  const ProcessSpec& p = c.process;
  std::vector<pid_t> pids;
  std::string what;
  if (!p.pidfile.empty()) {
    bool ok = false;
    std::string text = ReadWholeFile(p.pidfile, &ok);
    if (!ok) return MakeCheck(target, v1::HEALTH_FAILED, "pidfile " + p.pidfile + " is missing");
    char* end = nullptr;
    long pid = std::strtol(text.c_str(), &end, 10);
    while (end && (*end == '\n' || *end == ' ' || *end == '\r')) ++end;
    if (pid <= 0 || pid > (1L << 22) || !end || *end)
      return MakeCheck(target, v1::HEALTH_FAILED, "pidfile " + p.pidfile + " holds no pid");
    what = "pid " + std::to_string(pid) + " (" + p.pidfile + ")";
    if (!process::IsRunning(static_cast<pid_t>(pid)))
      return MakeCheck(target, v1::HEALTH_FAILED, what + " is not running");
    pids.push_back(static_cast<pid_t>(pid));
  } else {
    pids = ProcessesNamed(p.name);
    what = std::to_string(pids.size()) + " " + p.name + " process" + (pids.size() == 1 ? "" : "es");
    if (static_cast<int>(pids.size()) < p.min_count)
      return MakeCheck(target, v1::HEALTH_FAILED, what + " running (min_count " + std::to_string(p.min_count) + ")");
  }
  uint64_t rss = 0;
  for (pid_t pid : pids) rss = std::max(rss, RssOf(pid));
  v1::HealthStatus status = v1::HEALTH_OK;
  std::string summary = what + " running, " + Size(rss) + " resident" + (pids.size() > 1 ? " at most" : "");
  if (p.max_rss && rss > p.max_rss) {
    status = v1::HEALTH_DEGRADED;
    summary += " (max_rss " + Size(p.max_rss) + ")";
  }
  v1::CheckResult r = MakeCheck(target, status, summary);
  (*r.mutable_metrics())["rss_bytes"] = static_cast<double>(rss);
  (*r.mutable_metrics())["processes"] = static_cast<double>(pids.size());
  return r;
}

}  // namespace

Result<process::Captured> RunCommand(const ExecSpec& exec, bool keep_head) {
  process::SpawnSpec spec;
  if (exec.shell) {
    spec.exe = "/bin/sh";
    spec.args = {"-c", exec.argv.empty() ? "" : exec.argv[0]};
  } else {
    spec.exe = exec.argv.at(0);
    spec.args.assign(exec.argv.begin() + 1, exec.argv.end());
  }
  spec.env = exec.env;
  spec.cwd = exec.cwd;
  spec.user = exec.user;
  spec.minimal_env = true;
  spec.own_process_group = true;
  struct stat st;
  if (!exec.cwd.empty() && (stat(exec.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    return Result<process::Captured>::Error("cwd " + exec.cwd + " is not a directory");
  auto ran = process::RunCapture(spec, exec.timeout, exec.max_output, keep_head);
  if (ran.ok() && ran->output_held) {
    ran->output +=
        "\n(something it started still holds its output: redirect that output, e.g. > /dev/null 2>&1, or "
        "it may die of SIGPIPE)";
  }
  return ran;
}

v1::CheckResult RunCheck(const CheckSpec& check, const std::string& system, const Clock& clock) {
  std::string target = system + ":" + check.name;
  v1::CheckResult r;
  SteadyTime t0 = clock.Now();
  switch (check.kind) {
    case CheckSpec::Kind::kExec:
      r = ExecCheck(check, target);
      break;
    case CheckSpec::Kind::kTcp:
      r = TcpCheck(check, target);
      break;
    case CheckSpec::Kind::kHttp:
      r = HttpCheck(check, target);
      break;
    case CheckSpec::Kind::kFile:
      r = FileCheck(check, target, clock);
      break;
    case CheckSpec::Kind::kProcess:
      r = ProcessCheck(check, target);
      break;
  }
  (*r.mutable_metrics())["duration_ms"] =
      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - t0).count());
  r.mutable_labels()->insert({"kind", KindName(check.kind)});
  r.set_restore(check.restore);
  return r;
}

}  // namespace redundancy::custom
