// redundancyd as a PM2 app, for hosts without systemd:
//   REDUNDANCY_CONFIG=/path/to/redundancy.yaml pm2 start ecosystem.config.js && pm2 save
// The binary is found next to this file: build/bin/ in a source tree
// (deploy/pm2/ -> ../../build/bin), bin/ in an installed prefix
// (share/redundancy/ -> ../../bin); REDUNDANCYD_BIN overrides both.
//
// redundancy never owns what it watches: `pm2 stop|restart|delete
// redundancyd` stops redundancyd and its agents only. The PM2 daemon the
// agent watches (this one or, better, a private one: systems.pm2.pm2_home)
// and its apps keep running; redundancyd never restores or kills itself.
const fs = require('fs');
const path = require('path');

const config = process.env.REDUNDANCY_CONFIG;
if (!config) {
  throw new Error('redundancy: set REDUNDANCY_CONFIG to the absolute path of your redundancy.yaml ' +
                  '(e.g. REDUNDANCY_CONFIG=/etc/redundancy/redundancy.yaml pm2 start ' + __filename + ')');
}
const root = path.resolve(__dirname, '..', '..');
const candidates = [process.env.REDUNDANCYD_BIN, path.join(root, 'build', 'bin', 'redundancyd'),
                    path.join(root, 'bin', 'redundancyd')].filter(Boolean);
const bin = candidates.find((p) => fs.existsSync(p));
if (!bin) throw new Error('redundancy: redundancyd not found (looked at ' + candidates.join(', ') + '); set REDUNDANCYD_BIN');

module.exports = {
  apps: [
    {
      name: 'redundancyd',
      script: bin,
      args: ['--config', path.resolve(config), '--foreground'],
      interpreter: 'none',
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      // Exit 2 is a broken config: starting it again fixes nothing. (Not 0:
      // PM2 reports a kill -9 as exit code 0, and that must be restarted.)
      stop_exit_codes: [2],
      // Info lines go to stdout (PM2's out log), warnings and errors to
      // stderr (its error log). Time stamps are redundancyd's own.
      // redundancyd stops its agents on SIGTERM within stop_grace; give it time.
      kill_timeout: 15000,
      restart_delay: 1000,
      exp_backoff_restart_delay: 1000,
      max_restarts: 50,
      min_uptime: '5s',
    },
  ],
};
