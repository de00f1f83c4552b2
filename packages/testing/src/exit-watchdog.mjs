// Runs beside a test process (see exit-watchdog.ts) and outlives it by a moment: when the
// test process dies in any way, even by SIGKILL, the kernel closes this script's stdin, and
// it SIGKILLs the processes and removes the directories it was told about. Lines on stdin:
// `+p <pid>` / `-p <pid>` track or forget a process, `+d <path>` / `-d <path>` a directory.
import { rmSync } from 'node:fs';

const tracked = { p: new Set(), d: new Set() };
let pending = '';

// Signals aimed at the whole process group must not end the watchdog before its parent.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline = pending.indexOf('\n');
  while (newline !== -1) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    const set = tracked[line[1]];
    if (set !== undefined) set[line[0] === '+' ? 'add' : 'delete'](line.slice(3));
    newline = pending.indexOf('\n');
  }
});

process.stdin.once('close', () => {
  for (const pid of tracked.p) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Give the killed servers a moment to stop writing into their directories.
  setTimeout(() => {
    for (const directory of tracked.d) rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  }, 200);
});
