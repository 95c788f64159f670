// Preloaded with `node -r` by bench/footprint.ts: when the process exits, writes the CPU time it
// used since it started (user + system, from getrusage, in microseconds) to file descriptor 3.
const { writeSync } = require('node:fs');

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(3, `${user + system}\n`);
});
