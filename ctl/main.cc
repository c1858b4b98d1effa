// redundancyctl: the control CLI of redundancyd, and offline tools.
// Exit codes: 0 ok, 1 unhealthy / problems found, 2 usage or config error,
// 3 daemon unreachable.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <thread>

#include "agents/git/sync.h"
#include "agents/netlify/functions.h"
#include "common/closest.h"
#include "common/config.h"
#include "common/constants.h"
#include "common/duration.h"
#include "common/json_text.h"
#include "common/paths.h"
#include "common/process/process.h"
#include "common/status_render.h"
#include "common/transport/transport.h"
#include "ctl/alert_cmds.h"
#include "ctl/cli_util.h"
#include "ctl/completion.h"
#include "ctl/config_init.h"
#include "ctl/daemon_cmds.h"
#include "ctl/fleet_cmds.h"
#include "ctl/log_cmds.h"
#include "ctl/report_cmd.h"
#include "ctl/watch.h"
#include "ctl/workflow_cmds.h"

namespace {

using redundancy::v1::ControlRequest;
using redundancy::v1::ControlResponse;

using redundancy::ctl::kExitOk;
using redundancy::ctl::kExitUnhealthy;
using redundancy::ctl::kExitUnreachable;
using redundancy::ctl::kExitUsage;

struct Globals {
  std::string config = "redundancy.yaml";
  std::string socket;
  bool json = false;
};

std::string Endpoint(const Globals& g) {
  if (!g.socket.empty()) return g.socket.rfind("ipc://", 0) == 0 ? g.socket : "ipc://" + g.socket;
  return redundancy::Paths(redundancy::StateDirOf(g.config)).ControlEndpoint();
}

// True (with the reason printed) when there is no config file where we
// look, and `--socket` cannot stand in for it (it can when `socket_will_do`).
bool NoConfig(const Globals& g, bool socket_will_do) {
  std::error_code ec;
  if ((socket_will_do && !g.socket.empty()) || std::filesystem::is_regular_file(g.config, ec)) return false;
  std::cerr << "redundancyctl: no config file at " << g.config << " (give --config FILE, set REDUNDANCY_CONFIG"
            << (socket_will_do ? ", or --socket PATH)\n" : ")\n");
  return true;
}

// Sends one request; prints errors; returns the response or the exit code.
int Call(const Globals& g, const ControlRequest& req, ControlResponse* out,
         std::chrono::milliseconds timeout = redundancy::kControlTimeout) {
  // No config where we look: say that, not that the daemon is unreachable.
  if (NoConfig(g, /*socket_will_do=*/true)) return kExitUsage;
  auto resp = redundancy::transport::Call(Endpoint(g), req, timeout);
  if (!resp.ok()) {
    std::cerr << "redundancyctl: " << resp.error() << "\n";
    return kExitUnreachable;
  }
  *out = *resp;
  if (!out->error().empty()) std::cerr << "redundancyctl: " << out->error() << "\n";
  if (!out->message().empty() && !g.json) std::cout << out->message() << "\n";
  return out->exit_code();
}

// A caller that prints nothing (a live view, completion): the exit code only.
redundancy::ctl::Caller QuietCaller(const Globals& g, std::chrono::milliseconds timeout) {
  return [&g, timeout](const ControlRequest& req, ControlResponse* resp) {
    auto r = redundancy::transport::Call(Endpoint(g), req, timeout);
    if (!r.ok()) return kExitUnreachable;
    *resp = *r;
    return kExitOk;
  };
}

bool Unhealthy(const redundancy::v1::StatusSnapshot& s) {
  for (const auto& sys : s.systems()) {
    if (sys.health() == redundancy::v1::HEALTH_FAILED || sys.health() == redundancy::v1::HEALTH_BLOCKED) return true;
  }
  for (const auto& a : s.agents()) {
    if (a.state() == "gave_up") return true;
  }
  return false;
}

int PrintStatus(const Globals& g, const ControlResponse& resp, int code) {
  if (g.json) {
    std::cout << redundancy::JsonText(redundancy::StatusToJson(resp.status()), 2) << "\n";
  } else {
    std::cout << redundancy::StatusToTable(resp.status(), redundancy::WantColor());
  }
  return code;
}

int Simple(const Globals& g, ControlRequest::Op op, const std::string& arg) {
  ControlRequest req;
  req.set_op(op);
  req.set_arg(arg);
  ControlResponse resp;
  int code = Call(g, req, &resp,
                  op == ControlRequest::CHECK || op == ControlRequest::RECOVER
                      ? redundancy::kCheckTimeout + std::chrono::seconds(5)
                      : redundancy::kControlTimeout);
  if (code == kExitUnreachable) return code;
  if ((op == ControlRequest::CHECK || op == ControlRequest::RECOVER) && resp.has_status()) {
    return PrintStatus(g, resp, code);
  }
  return code;
}

int History(const Globals& g, const std::string& since, int limit) {
  ControlRequest req;
  req.set_op(ControlRequest::HISTORY);
  req.set_limit(static_cast<uint32_t>(limit));
  if (!since.empty()) {
    auto from = redundancy::ctl::SinceEpochMs(since);
    if (!from) return kExitUsage;
    req.set_since_ms(*from);
  }
  ControlResponse resp;
  if (int code = Call(g, req, &resp); code != 0) return code;
  if (g.json) {
    std::cout << redundancy::JsonText(redundancy::HistoryToJson(resp.history()), 2) << "\n";
  } else {
    std::cout << redundancy::HistoryToTable(resp.history());
  }
  return kExitOk;
}

int GitSync(redundancy::git::SyncOptions o, bool json) {
  if (o.strategy != "pull" && o.strategy != "hardreset" && o.strategy != "rebase") {
    std::cerr << "redundancyctl: --strategy must be pull, hardreset or rebase\n";
    return kExitUsage;
  }
  if (auto s = redundancy::git::CheckNames(o); !s.ok()) {
    std::cerr << "redundancyctl: git sync: " << s.message() << "\n";
    return kExitUsage;
  }
  redundancy::git::SyncResult r = redundancy::git::Sync(o);
  if (json) {
    std::cout << redundancy::git::SyncResultJson(r) << "\n";
  } else {
    for (const auto& s : r.steps) std::cout << "  " << s << "\n";
    for (const auto& b : r.backups) std::cout << "  backup: " << b << "\n";
    std::cout << r.result << (r.error_kind.empty() ? "" : " (" + r.error_kind + ")") << ": " << r.message << "\n";
  }
  return r.result == "ok" ? kExitOk : kExitUnhealthy;
}

// `netlify functions DIR`: the function list and problems (exit 1 on an error).
int NetlifyFunctions(const std::string& dir, const redundancy::netlify::DiscoverOptions& options, bool json) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "redundancyctl: " << dir << " is not a directory\n";
    return kExitUsage;
  }
  auto d = redundancy::netlify::Discover(dir, options);
  if (json) {
    std::cout << redundancy::JsonText(redundancy::netlify::DiscoveryJson(d), 2) << "\n";
  } else {
    std::cout << "functions directory: " << (d.functions_dir.empty() ? "(none)" : d.functions_dir) << "\n";
    for (const auto& f : d.functions) {
      std::cout << "  " << f.name << "  " << redundancy::netlify::ApiLabel(f) << f.runtime << "  " << f.main_file
                << (f.schedule.empty() ? "" : "  schedule " + f.schedule)
                << (f.invocation_mode.empty() ? "" : "  " + f.invocation_mode);
      for (const auto& r : f.routes) std::cout << "  " << r;
      for (const auto& r : f.excluded_routes) std::cout << "  !" << r;
      if (!f.methods.empty()) {
        std::cout << "  [";
        for (size_t i = 0; i < f.methods.size(); ++i) std::cout << (i ? " " : "") << f.methods[i];
        std::cout << "]";
      }
      std::cout << "\n";
    }
    for (const auto& p : d.problems) {
      std::cout << p.file << (p.line ? ":" + std::to_string(p.line) : "") << (p.col ? ":" + std::to_string(p.col) : "")
                << ": " << p.severity << ": " << p.message << " [" << p.rule << "]\n";
    }
  }
  return d.HasErrors() ? kExitUnhealthy : kExitOk;
}

// `netlify manifest DIR [--out FILE]`: writes the manifest (the old one kept as .bak).
int NetlifyManifest(const std::string& dir, const redundancy::netlify::DiscoverOptions& options, std::string out) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "redundancyctl: " << dir << " is not a directory\n";
    return kExitUsage;
  }
  auto d = redundancy::netlify::Discover(dir, options);
  if (out.empty()) out = d.project_dir + "/.netlify/functions/manifest.json";
  int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string err = redundancy::netlify::WriteManifest(out, redundancy::netlify::Manifest(d, now));
  if (!err.empty()) {
    std::cerr << "redundancyctl: " << err << "\n";
    return kExitUnhealthy;
  }
  std::cout << "wrote " << out << " (" << d.functions.size() << " function(s))\n";
  for (const auto& p : d.problems) {
    if (p.severity == "error")
      std::cerr << p.file << (p.line ? ":" + std::to_string(p.line) : "") << ": error: " << p.message << " [" << p.rule
                << "]\n";
  }
  return d.HasErrors() ? kExitUnhealthy : kExitOk;
}

int ValidateConfig(const std::string& file, bool json) {
  auto c = redundancy::LoadConfig(file);
  if (json) {
    nlohmann::json j = {{"file", file}, {"valid", c.ok()}, {"errors", nlohmann::json::array()}};
    if (!c.ok()) {
      std::istringstream lines(c.error());
      for (std::string l; std::getline(lines, l);) j["errors"].push_back(l);
    } else {
      for (const auto& s : c->systems) j["systems"].push_back(s.name);
      j["warnings"] = c->warnings;
    }
    std::cout << redundancy::JsonText(j, 2) << "\n";
  } else if (!c.ok()) {
    std::cerr << c.error() << "\n";
  } else {
    for (const auto& w : c->warnings) std::cerr << w << " [warning]\n";
    std::cout << file << ": ok (" << c->systems.size() << " system(s))\n";
  }
  return c.ok() ? kExitOk : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"redundancyctl: control redundancyd, and offline tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("redundancyctl ") + redundancy::kVersion);
  Globals g;
  if (const char* env = std::getenv("REDUNDANCY_CONFIG")) g.config = env;
  app.add_option("-c,--config", g.config, "configuration file (default ./redundancy.yaml, or $REDUNDANCY_CONFIG)");
  app.add_option("--socket", g.socket, "control socket path (instead of the config's)");
  app.add_flag("--json", g.json, "machine-readable output");

  auto* status = app.add_subcommand("status", "agents and systems at a glance");
  bool watch = false;
  std::string watch_every = "1s";
  status->add_flag("-w,--watch", watch, "a live view, redrawn in place (q quits); plain output when not a terminal");
  status->add_option("--interval", watch_every, "how often --watch redraws (default 1s)");
  std::string system, target, agent, since;
  int limit = 200;
  bool debug = false;
  auto* check = app.add_subcommand("check", "run checks now and report (exit 1 if unhealthy)");
  check->add_option("system", system, "one system (default: all)");
  auto* recover = app.add_subcommand("recover", "ask an agent to recover a target now");
  recover->add_option("target", target, "e.g. pm2:api")->required();
  auto* restart = app.add_subcommand("restart-agent", "restart an agent process (also after gave_up)");
  restart->add_option("name", agent)->required();
  auto* pause = app.add_subcommand("pause", "pause checks and recovery of a system");
  pause->add_option("system", system)->required();
  auto* resume = app.add_subcommand("resume", "resume a paused system");
  resume->add_option("system", system)->required();
  auto* reload = app.add_subcommand("reload", "re-read the configuration (a broken one is rejected)");
  auto* stop = app.add_subcommand("stop", "stop redundancyd and its agents");
  auto* start = app.add_subcommand("start", "start redundancyd in the background (pid file in state_dir/run)");
  start->add_flag("--debug", debug);
  auto* restart_daemon = app.add_subcommand(
      "restart", "restart redundancyd: through systemctl or pm2 when they started it, else stop and start");
  restart_daemon->add_flag("--debug", debug);
  auto* report = app.add_subcommand(
      "report", "availability, incidents, time to detect and to recover per system and target, from the history");
  std::string report_since = "7d";
  report->add_option("--since", report_since, "the window (default 7d)");
  auto* fleet = app.add_subcommand("fleet", "the hosts of this host's fleet (fleet: in the config)");
  fleet->require_subcommand(1);
  auto* fleet_status = fleet->add_subcommand("status", "every host: state, commit, lease age; the rollout");
  auto* fleet_history = fleet->add_subcommand("history", "the fleet's recent events (rollouts, lost hosts...)");
  int fleet_limit = 50;
  fleet_history->add_option("-n,--limit", fleet_limit, "how many (default 50)");
  auto* history = app.add_subcommand("history", "what happened");
  history->add_option("--since", since, "e.g. 1h, 30m");
  history->add_option("--limit", limit, "at most this many rows (newest)");
  auto* alerts = app.add_subcommand(
      "alerts", "firing and recent alerts, silences, pending notifications (exit 1 while one fires)");
  std::string alert_id, silence_for = "1h";
  auto* ack = alerts->add_subcommand("ack", "acknowledge an alert: no more repeats or escalation");
  ack->add_option("id", alert_id)->required();
  auto* silence = alerts->add_subcommand("silence", "hold back a target's (or a system's) notifications for a while");
  silence->add_option("target", target, "e.g. pm2:api, or pm2 for all its targets")->required();
  silence->add_option("--for", silence_for, "how long (default 1h)");
  auto* unsilence = alerts->add_subcommand("unsilence", "lift a silence");
  unsilence->add_option("target", target)->required();
  auto* logs =
      app.add_subcommand("logs", "the last lines of redundancyd's log, an agent's or a PM2 app's (no daemon needed)");
  int log_lines = 50;
  bool follow = false;
  logs->add_option("system", system, "an agent's log instead (git, build, pm2, netlify, workflows), or a PM2 app's");
  logs->add_option("-n,--lines", log_lines, "how many lines (default 50)");
  logs->add_flag("-f,--follow", follow, "keep printing new lines, across rotations");
  std::string log_since, log_grep;
  logs->add_option("--since", log_since, "only lines from this long ago on (e.g. 1h, 30m)");
  logs->add_option("--grep", log_grep, "only lines matching this regular expression");
  auto* config = app.add_subcommand("config", "configuration tools");
  config->require_subcommand(1);
  std::string file;
  auto* validate = config->add_subcommand("validate", "check a configuration file (exit 0 valid, 2 not)");
  std::string init_dir = ".";
  auto* init = config->add_subcommand(
      "init", "write DIR/redundancy.yaml for the project in DIR (never over an existing one), with its systems");
  init->add_option("dir", init_dir, "the project (default .)");
  validate->add_option("file", file)->required();
  auto* git = app.add_subcommand("git", "git tools");
  git->require_subcommand(1);
  redundancy::git::SyncOptions sync;
  auto* git_sync = git->add_subcommand(
      "sync", "sync a checkout onto <remote>/<branch>, as the git agent does (exit 0 ok, 1 error/conflict)");
  git_sync->add_option("dir", sync.dir, "the checkout")->required();
  git_sync->add_option("--remote", sync.remote, "default origin");
  git_sync->add_option("--branch", sync.branch, "default main");
  git_sync->add_option("--strategy", sync.strategy, "pull | hardreset | rebase")->required();
  git_sync->add_option("--backup-dir", sync.backup_dir,
                       "where overwritten untracked files are copied (default <git-dir>/redundancy/backups)");
  auto* netlify = app.add_subcommand("netlify", "Netlify functions tools");
  netlify->require_subcommand(1);
  std::string netlify_dir, manifest_out;
  redundancy::netlify::DiscoverOptions netlify_options;
  auto* nf = netlify->add_subcommand("functions",
                                     "list the functions as Netlify finds them, with problems (exit 1 on errors)");
  nf->add_option("dir", netlify_dir, "the project (where netlify.toml is)")->required();
  auto* nm =
      netlify->add_subcommand("manifest", "write .netlify/functions/manifest.json (the previous one kept as .bak)");
  nm->add_option("dir", netlify_dir, "the project")->required();
  nm->add_option("--out", manifest_out, "where to write it");
  for (auto* sub : {nf, nm}) {
    sub->add_option("--functions-dir", netlify_options.functions_dir,
                    "the site's functions directory as set in Netlify's UI (netlify.toml beats it)");
  }
  auto* lint = app.add_subcommand(
      "lint-workflow",
      "lint GitHub Actions workflows: FILE:LINE:COL: message [rule] (exit 0 clean, 1 errors, 2 unreadable)");
  std::vector<std::string> lint_files;
  std::vector<std::string> labels;
  lint->add_option("files", lint_files, "workflow files or directories of them")->required();
  lint->add_option("--runner-label", labels, "a self-hosted runner label to accept (repeatable)");
  auto* workflow = app.add_subcommand("workflow", "workflow tools");
  workflow->require_subcommand(1);
  std::string run_file, run_job, run_workspace;
  auto* wrun = workflow->add_subcommand(
      "run", "run a workflow's run: steps here, jobs in needs order (exit 1 when a job fails)");
  wrun->add_option("file", run_file)->required();
  wrun->add_option("--job", run_job, "only this job (and the jobs it needs)");
  wrun->add_option("--workspace", run_workspace, "where steps run (default: the repository of the file, else .)");
  auto* completion = app.add_subcommand(
      "completion", "a completion script: eval \"$(redundancyctl completion bash)\" (or zsh), names from the daemon");
  std::string shell;
  completion->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  auto* names = app.add_subcommand("__names", "system or target names of the running daemon (for completion)");
  names->group("");
  std::string names_of;
  names->add_option("what", names_of)->required()->check(CLI::IsMember({"systems", "targets"}));
  for (auto* sub :
       {status, check, history, validate, git_sync, nf, lint, wrun, alerts, logs, report, fleet_status, fleet_history})
    sub->add_flag("--json", g.json, "machine-readable output");
  for (auto* sub : app.get_subcommands({})) {
    sub->add_option("-c,--config", g.config, "configuration file");
    sub->add_option("--socket", g.socket, "control socket path");
  }
  for (auto* sub : {ack, silence, unsilence, fleet_status, fleet_history}) {
    sub->add_option("-c,--config", g.config, "configuration file");
    sub->add_option("--socket", g.socket, "control socket path");
  }

  // An unknown command (or subcommand: `config valdate`): name the closest
  // one (CLI11 would say "A subcommand is required").
  {
    CLI::App* level = &app;
    std::string path = "redundancyctl";
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "-c" || a == "--config" || a == "--socket") {
        ++i;
        continue;
      }
      if (a.empty() || a[0] == '-') continue;
      std::vector<std::string> names;  // offered (hidden ones, like __names, are known but not offered)
      bool known = false;
      for (const auto* sub : level->get_subcommands({})) {
        if (!sub->get_group().empty()) names.push_back(sub->get_name());
        known = known || sub->get_name() == a;
      }
      if (level->get_subcommands({}).empty()) break;  // a command's own arguments from here on
      if (known) {
        level = level->get_subcommand(std::string(a));
        path += " " + std::string(a);
        continue;
      }
      std::vector<std::string_view> views(names.begin(), names.end());
      std::string near = redundancy::Closest(a, views, 3);
      std::cerr << "redundancyctl: unknown command '" << (path == "redundancyctl" ? "" : path.substr(14) + " ")
                << a.substr(0, 60) << "'"
                << (near.empty()
                        ? ""
                        : " (did you mean '" + (path == "redundancyctl" ? "" : path.substr(14) + " ") + near + "'?)")
                << "; `" << path << " --help` lists them\n";
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*completion) {
    std::cout << redundancy::ctl::CompletionScript(app, shell);
    return kExitOk;
  }
  if (*names) {
    return redundancy::ctl::PrintNames(QuietCaller(g, std::chrono::milliseconds(1000)), names_of);
  }
  if (*status && watch) {
    auto every = redundancy::ParseDuration(watch_every);
    if (!every.ok() || every->count() < 100) {
      std::cerr << "redundancyctl: --interval: " << (every.ok() ? "at least 100ms" : every.error()) << "\n";
      return kExitUsage;
    }
    if (NoConfig(g, /*socket_will_do=*/true)) return kExitUsage;
    return redundancy::ctl::WatchStatus(QuietCaller(g, std::chrono::milliseconds(3000)), *every);
  }
  if (*status) {
    ControlRequest req;
    req.set_op(ControlRequest::STATUS);
    ControlResponse resp;
    if (int code = Call(g, req, &resp); code != 0) return code;
    return PrintStatus(g, resp, Unhealthy(resp.status()) ? kExitUnhealthy : kExitOk);
  }
  if (*check) return Simple(g, ControlRequest::CHECK, system);
  if (*recover) return Simple(g, ControlRequest::RECOVER, target);
  if (*restart) return Simple(g, ControlRequest::RESTART_AGENT, agent);
  if (*pause) return Simple(g, ControlRequest::PAUSE, system);
  if (*resume) return Simple(g, ControlRequest::RESUME, system);
  if (*reload) return Simple(g, ControlRequest::RELOAD, "");
  if (*stop || *start || *restart_daemon) {
    // stop needs only the socket; start and restart (which may start) need the config.
    if (NoConfig(g, /*socket_will_do=*/static_cast<bool>(*stop))) return kExitUsage;
    redundancy::ctl::DaemonTarget t{g.config, Endpoint(g)};
    if (*stop) return redundancy::ctl::StopDaemon(t);
    if (*start) return redundancy::ctl::StartDaemon(t, debug);
    return redundancy::ctl::RestartDaemon(t, debug);
  }
  if (*history) return History(g, since, limit);
  if (*fleet) {
    auto call = [&g](const ControlRequest& req, ControlResponse* resp) { return Call(g, req, resp); };
    if (*fleet_status) return redundancy::ctl::FleetStatusCmd(call, g.config, g.json);
    return redundancy::ctl::FleetHistoryCmd(call, fleet_limit, g.json);
  }
  if (*report)
    return redundancy::ctl::ShowReport(
        [&g](const ControlRequest& req, ControlResponse* resp) {
          return Call(g, req, resp, redundancy::kCheckTimeout);
        },
        report_since, g.json);
  if (*logs) {
    redundancy::ctl::LogFilter filter;
    filter.grep = log_grep;
    filter.json = g.json;
    if (!log_since.empty()) {
      auto from = redundancy::ctl::SinceEpochMs(log_since);
      if (!from) return kExitUsage;
      filter.since_ms = *from;
    }
    return redundancy::ctl::ShowLogs(redundancy::LogDirOf(g.config), system, log_lines, follow,
                                     redundancy::Pm2LogDirOf(g.config), filter);
  }
  if (*alerts) {
    redundancy::ctl::Caller caller = [&g](const ControlRequest& req, ControlResponse* resp) {
      return Call(g, req, resp);
    };
    if (*ack) return redundancy::ctl::AckAlert(caller, alert_id);
    if (*silence) return redundancy::ctl::SilenceAlerts(caller, target, silence_for);
    if (*unsilence) return redundancy::ctl::UnsilenceAlerts(caller, target);
    return redundancy::ctl::ListAlerts(caller, g.json);
  }
  if (*validate) return ValidateConfig(file, g.json);
  if (*init) return redundancy::ctl::InitConfig(init_dir);
  if (*git_sync) return GitSync(sync, g.json);
  if (*lint) return redundancy::ctl::LintWorkflows(lint_files, {labels.begin(), labels.end()}, g.json);
  if (*wrun) return redundancy::ctl::RunWorkflow(run_file, run_job, run_workspace, g.json);
  if (*nf) return NetlifyFunctions(netlify_dir, netlify_options, g.json);
  if (*nm) return NetlifyManifest(netlify_dir, netlify_options, manifest_out);
  return kExitUsage;
}
