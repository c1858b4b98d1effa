#include "tests/integration/fleet_harness.h"

#include <filesystem>

#include "common/process/process.h"

namespace redundancy::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool EtcdAvailable() { return process::ResolveExe("etcd").ok(); }

EtcdServer::EtcdServer(std::string dir) : dir_(std::move(dir)) {
  client_port_ = FreePort();
  do {
    peer_port_ = FreePort();
  } while (peer_port_ == client_port_);
}

EtcdServer::~EtcdServer() { Stop(); }

bool EtcdServer::Start() {
  fs::create_directories(dir_);
  std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
  std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  process::SpawnSpec spec;
  spec.exe = process::ResolveExe("etcd").value();
  spec.args = {"--name",
               "test",
               "--data-dir",
               dir_ + "/data",
               "--listen-client-urls",
               client,
               "--advertise-client-urls",
               client,
               "--listen-peer-urls",
               peer,
               "--initial-advertise-peer-urls",
               peer,
               "--initial-cluster",
               "test=" + peer};
  spec.output_file = dir_ + "/etcd.out";
  auto pid = process::Spawn(spec);
  if (!pid.ok()) {
    ADD_FAILURE() << pid.error();
    return false;
  }
  pid_ = *pid;
  EtcdClient c = Client();
  bool up = WaitUntil([&] { return c.Get("/ping").ok() || !IsRunning(pid_); }, 15s) && IsRunning(pid_);
  if (!up) ADD_FAILURE() << "etcd did not start: " << ReadFile(dir_ + "/etcd.out");
  return up;
}

void EtcdServer::Stop() {
  if (pid_ <= 0) return;
  process::Signal(pid_, SIGTERM);
  if (!WaitUntil([&] { return !IsRunning(pid_); }, 5s)) process::Signal(pid_, SIGKILL);
  WaitUntil([&] { return !IsRunning(pid_); }, 5s);
  process::ReapAll();
  pid_ = 0;
}

EtcdClient EtcdServer::Client() const { return EtcdClient({.endpoints = {endpoint()}, .timeout = Millis(1000)}); }

std::vector<std::vector<EtcdKv>> EtcdServer::Revisions(const std::string& prefix) const {
  EtcdClient c = Client();
  std::vector<std::vector<EtcdKv>> out;
  auto now = c.Get("/");
  if (!now.ok()) return out;
  std::vector<std::string> last;
  for (int64_t rev = 1; rev <= now->revision; ++rev) {
    auto at = c.Get(prefix, true, rev);
    if (!at.ok()) continue;
    std::vector<std::string> keys;
    for (const auto& kv : at->kvs) keys.push_back(kv.key + "=" + kv.value);
    if (keys == last) continue;
    last = keys;
    out.push_back(at->kvs);
  }
  return out;
}

FleetHost::FleetHost(const std::string& root, const std::string& remote, FleetHostSpec spec) : spec_(std::move(spec)) {
  dir_ = root + "/" + spec_.name;
  deploy_ = dir_ + "/deploy";
  alerts_ = dir_ + "/alerts.jsonl";
  port_ = FreePort();
  fs::create_directories(dir_);
  Sh("git clone -q " + remote + " " + deploy_);
  Sh("cd " + deploy_ + " && " + NpmTestEnvPrefix(root) + "npm ci --no-audit --no-fund >/dev/null 2>&1");
  WriteFile(dir_ + "/ecosystem.config.js", "module.exports = {apps: [{name: 'web', script: 'server.js', cwd: '" +
                                               deploy_ + "', autorestart: true, env: {PORT: '" + std::to_string(port_) +
                                               "'}}]};\n");
  pm2_ = std::make_unique<Pm2Home>(dir_ + "/pm2");
  std::string fast = spec_.quiet ? "60s" : "300ms", checks = spec_.quiet ? "60s" : "1s";
  if (spec_.quiet) spec_.lease = "10s";
  daemon_ = std::make_unique<Daemon>(
      "  git: {interval: " + fast + ", dir: " + deploy_ +
          ", strategy: pull}\n"
          "  build: {interval: " +
          checks + ", dir: " + deploy_ +
          ", validate: \"npm run build\", validate_interval: 1h}\n"
          "  pm2: {interval: " +
          checks + ", pm2_home: " + pm2_->home() + ", ecosystem: " + dir_ +
          "/ecosystem.config.js, reload_wait: 300ms}\n",
      (spec_.quiet ? std::string("http: {listen: \"\"}\n") : FastOrchestratorYaml()) +
          "pipeline: {rollback: true, step_timeout: 60s}\n" +
          (spec_.etcd.empty() ? ""
                              : "fleet: {etcd: [" + spec_.etcd + "], name: " + spec_.name + ", group: " + spec_.group +
                                    ", lease: " + spec_.lease + ", rollout: " + spec_.rollout + "}\n") +
          "alerts: {settle: 500ms, channels: [{type: file, path: " + alerts_ + "}]}\n");
}

FleetHost::~FleetHost() {
  // Stopped as an operator stops it (it leaves the fleet on purpose), not killed.
  daemon_->Kill(SIGTERM);
  daemon_->WaitExit(10s);
  daemon_.reset();
  pm2_.reset();
}

bool FleetHost::Start() {
  std::string out;
  if (pm2_->Pm2("start " + dir_ + "/ecosystem.config.js", &out) != 0) {
    ADD_FAILURE() << out;
    return false;
  }
  if (!WaitUntil([&] { return !Serving().empty(); }, 10s)) return false;
  return daemon_->Start(NpmTestEnv(dir_)) && daemon_->WaitAllReady(10s);
}

std::string FleetHost::Head() const { return GitHead(deploy_); }

v1::FleetStatus FleetHost::Fleet() const {
  auto s = daemon_->Status();
  return s.ok() ? s->fleet() : v1::FleetStatus();
}

FleetSite::FleetSite() {
  root_ = dir_.path();
  remote_ = root_ + "/remote.git";
  dev_ = root_ + "/dev";
}

bool FleetSite::Start(int hosts, const std::string& rollout, bool fleet, bool quiet) {
  etcd_ = std::make_unique<EtcdServer>(root_ + "/etcd");
  if (fleet && !etcd_->Start()) return false;
  // The site: a web app serving what src/index.js says (as loaded when it
  // started: a reload brings new code in) and a build that fails on BUILD_FAIL.
  WriteFile(dev_ + "/package.json",
            "{\"name\": \"fleet-site\", \"version\": \"1.0.0\", \"private\": true,\n"
            " \"scripts\": {\"build\": \"node build.js\"}}\n");
  // BUILD_FAIL in the commit breaks it everywhere; a host's own BREAK_ON
  // (beside its checkout) breaks the build of the message it names there only.
  WriteFile(dev_ + "/build.js",
            "const fs = require('fs');\n"
            "if (fs.existsSync(__dirname + '/BUILD_FAIL')) { console.error('the build is broken'); process.exit(1); }\n"
            "const here = __dirname + '/../BREAK_ON';\n"
            "if (fs.existsSync(here) && fs.readFileSync(here, 'utf8').trim() === require('./src/index.js')()) {\n"
            "  console.error('the build is broken on this host'); process.exit(1);\n}\n");
  WriteFile(dev_ + "/src/index.js", "module.exports = () => 'v1';\n");
  fs::copy(std::string(SOURCE_DIR) + "/tests/fixtures/build/server.js", dev_ + "/server.js");
  Sh("cd " + dev_ + " && " + NpmTestEnvPrefix(root_) + "npm install --no-audit --no-fund >/dev/null 2>&1");
  Sh("git init -q --bare -b main " + remote_);
  Sh("cd " + dev_ + " && git init -q -b main && git remote add origin " + remote_);
  first_ = Commit(dev_, "initial");
  Sh("git -C " + dev_ + " push -q origin main");
  for (int i = 1; i <= hosts; ++i) {
    FleetHostSpec spec{.name = "web-" + std::to_string(i), .group = "site", .etcd = fleet ? etcd_->endpoint() : ""};
    spec.quiet = quiet;
    if (!rollout.empty()) spec.rollout = rollout;
    hosts_.push_back(std::make_unique<FleetHost>(root_, remote_, spec));
  }
  for (auto& h : hosts_) {
    if (!h->Start()) return false;
  }
  return true;
}

std::string FleetSite::Push(const std::string& message, bool broken) { return PushMessage(dev_, message, broken); }

std::string FleetSite::Dump() {
  std::string out;
  for (auto& h : hosts_) {
    out += "==== " + h->name() + " (HEAD " + h->Head().substr(0, 12) + ", serving " + h->Serving() + ")\n";
    out += h->daemon().Ctl("fleet status").output;
    out += h->History();
  }
  if (!hosts_.empty()) out += "==== fleet history\n" + hosts_[0]->daemon().Ctl("fleet history -n 100").output;
  return out;
}

}  // namespace redundancy::testing
