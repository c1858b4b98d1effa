// redundancyd under PM2, for hosts without systemd:
//   pm2 start deploy/pm2/ecosystem.config.js && pm2 save
// Paths are relative to this file; REDUNDANCY_CONFIG overrides the config.
const path = require('path');
const root = path.resolve(__dirname, '..', '..');

module.exports = {
  apps: [
    {
      name: 'redundancyd',
      script: path.join(root, 'build', 'bin', 'redundancyd'),
      args: ['--config', process.env.REDUNDANCY_CONFIG || path.join(root, 'examples', 'demo', 'redundancy.yaml'), '--foreground'],
      interpreter: 'none',
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      // redundancyd stops its agents on SIGTERM within stop_grace; give it time.
      kill_timeout: 15000,
      restart_delay: 1000,
      exp_backoff_restart_delay: 1000,
      max_restarts: 50,
      min_uptime: '5s',
    },
  ],
};
