// A background worker that ticks.
setInterval(() => console.log('tick', new Date().toISOString()), 5000);
