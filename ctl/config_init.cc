#include "ctl/config_init.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agents/netlify/functions.h"
#include "common/config.h"
#include "common/file_util.h"
#include "common/process/process.h"

namespace redundancy::ctl {
namespace {

namespace fs = std::filesystem;

bool Exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// `git -C dir ARGS`: its first output line, "" on any failure.
std::string Git(const std::string& dir, const std::vector<std::string>& args) {
  process::SpawnSpec spec;
  spec.exe = "git";
  spec.args = {"-C", dir};
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  spec.env = {{"GIT_TERMINAL_PROMPT", "0"}};
  auto r = process::RunCapture(spec, std::chrono::seconds(10), 4096);
  if (!r.ok() || r->timed_out || r->exit.code != 0) return "";
  std::string out = r->output.substr(0, r->output.find('\n'));
  return out;
}

std::string Quote(const std::string& s) { return nlohmann::json(s).dump(); }  // a YAML double-quoted scalar

}  // namespace

int InitConfig(const std::string& dir_arg) {
  std::error_code ec;
  fs::path dir = fs::absolute(dir_arg.empty() ? "." : dir_arg, ec).lexically_normal();
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "redundancyctl: " << dir.string() << " is not a directory\n";
    return 2;
  }
  fs::path file = dir / "redundancy.yaml";
  if (Exists(file)) {
    std::cerr << "redundancyctl: " << file.string() << " exists; config init never writes over it\n";
    return 1;
  }
  std::ostringstream y;
  std::vector<std::string> systems;
  y << "# redundancy.yaml for " << dir.filename().string() << ", written by `redundancyctl config init`.\n"
    << "# Every key, with its default: /usr/share/doc/redundancy/redundancy.example.yaml.\n"
    << "# Check it with `redundancyctl config validate redundancy.yaml`; start with\n"
    << "# `redundancyctl --config redundancy.yaml start` (or the systemd unit / PM2 ecosystem file).\n"
    << "workspace: .\n"
    << "state_dir: .redundancy        # history, backups, sockets (add it to .gitignore)\n"
    << "http: {listen: 127.0.0.1:9464}  # /metrics, /healthz and the status page\n"
    << "systems:\n";
  // git: the checkout follows its remote.
  if (Exists(dir / ".git")) {
    std::string branch = Git(dir, {"symbolic-ref", "--short", "HEAD"});
    std::string remote = branch.empty() ? "" : Git(dir, {"config", "branch." + branch + ".remote"});
    if (remote.empty()) remote = Git(dir, {"remote"});
    if (!remote.empty() && !branch.empty()) {
      y << "  # The deployed checkout follows " << remote << "/" << branch
        << "; local edits are kept aside, never lost.\n"
        << "  git: {interval: 60s, remote: " << Quote(remote) << ", branch: " << Quote(branch) << ", strategy: pull}\n";
      systems.push_back("git");
    } else {
      y << "  # git: a checkout without a remote to follow (add one, then a git: system).\n";
    }
  }
  // build: package.json.
  fs::path package = dir / "package.json";
  if (Exists(package)) {
    auto pkg = nlohmann::json::parse(ReadWholeFile(package.string()), nullptr, false);
    bool has_build = !pkg.is_discarded() && pkg.contains("scripts") && pkg["scripts"].is_object() &&
                     pkg["scripts"].contains("build");
    std::string lock = Exists(dir / "package-lock.json")     ? "package-lock.json"
                       : Exists(dir / "npm-shrinkwrap.json") ? "npm-shrinkwrap.json"
                                                             : "";
    y << "  # node_modules against " << (lock.empty() ? "package.json (no lock file: consider committing one)" : lock)
      << (Exists(dir / ".nvmrc") ? ", node against .nvmrc" : "") << (has_build ? ", and `npm run build`" : "") << ".\n"
      << "  build: {interval: 10m" << (has_build ? ", validate: \"npm run build --if-present\"" : "") << "}\n";
    systems.push_back("build");
  }
  // pm2: an ecosystem file.
  for (const char* eco :
       {"ecosystem.config.js", "ecosystem.config.cjs", "ecosystem.config.json", "ecosystem.json", "pm2.config.js"}) {
    if (!Exists(dir / eco)) continue;
    const char* home = std::getenv("PM2_HOME");
    y << "  # The apps of " << eco << " under PM2 (" << (home && *home ? "PM2_HOME " + std::string(home) : "~/.pm2")
      << "): crashed apps restarted, a dead PM2 daemon brought back.\n"
      << "  pm2: {interval: 30s, ecosystem: " << Quote(eco)
      << (home && *home ? ", pm2_home: " + Quote(home) : std::string()) << "}\n";
    systems.push_back("pm2");
    break;
  }
  // netlify: netlify.toml or a functions directory.
  netlify::Discovery d = netlify::Discover(dir.string());
  if (Exists(dir / "netlify.toml") || !d.functions_dir.empty()) {
    y << "  # Netlify functions (" << d.functions.size() << " now) and their manifest.\n"
      << "  netlify: {interval: 10m" << (d.functions_dir.empty() ? "" : ", functions_dir: " + Quote(d.functions_dir))
      << ", regenerate_manifest: true}\n";
    systems.push_back("netlify");
  }
  // workflows: .github/workflows with a workflow in it.
  fs::path wf = dir / ".github" / "workflows";
  bool any_workflow = false;
  if (fs::is_directory(wf, ec)) {
    for (const auto& e : fs::directory_iterator(wf, ec)) {
      std::string ext = e.path().extension().string();
      any_workflow = any_workflow || ext == ".yml" || ext == ".yaml";
    }
  }
  if (any_workflow) {
    y << "  # Broken or deleted workflows restored from git.\n"
      << "  workflows: {interval: 5m, dir: .github/workflows, restore: true}\n";
    systems.push_back("workflows");
  }
  if (systems.empty()) y << "  {}  # nothing found to watch: see the example for the systems and custom checks\n";
  y << "# Your own services (database, proxy, disk, certificates) as custom systems:\n"
    << "#  database:\n#    kind: custom\n#    checks: [{name: port, tcp: 127.0.0.1:5432}]\n"
    << "#    recover: [{exec: [systemctl, restart, postgresql]}]\n"
    << "# Alerts: alerts: {channels: [{type: slack, url: \"${SLACK_WEBHOOK_URL}\"}]}\n";
  std::string text = y.str();
  auto parsed = ParseConfig(text, file.string(), dir.string());
  if (!parsed.ok()) {
    std::cerr << "redundancyctl: the configuration made for " << dir.string() << " does not validate (a bug):\n"
              << parsed.error() << "\n";
    return 1;
  }
  // O_EXCL: a file that appeared meanwhile is not overwritten either.
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::cerr << "redundancyctl: cannot write " << file.string() << ": " << std::strerror(errno) << "\n";
    if (fd >= 0) close(fd);
    return 1;
  }
  close(fd);
  std::string list;
  for (const auto& s : systems) list += (list.empty() ? "" : ", ") + s;
  std::cout << "wrote " << file.string() << " (" << (list.empty() ? "no systems" : list) << ")\n";
  return 0;
}

}  // namespace redundancy::ctl
