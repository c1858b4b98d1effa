// PM2 apps of the demo project.
module.exports = {
  apps: [
    {name: 'api', script: 'apps/api.js', env: {PORT: 3101}, max_memory_restart: '200M'},
    {name: 'worker', script: 'apps/worker.js', restart_delay: 1000},
  ],
};
