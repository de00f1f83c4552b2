import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type ExitResource, watchExitCleanup } from '@spool/launcher';

/**
 * The launcher's exit cleanup runs on 'exit' only. A test process often dies without it (a
 * signal, a SIGKILL, a terminated worker thread — vitest's threads pool does that), so the
 * harness adds a watchdog process (exit-watchdog.mjs) holding a pipe from this process: when
 * the pipe closes, it SIGKILLs the processes and removes the directories it was told about.
 */
let armed = false;
let watchdog: Socket | undefined;
let started = false;

/** Follows everything the launcher tracks from now on (and already tracks). Idempotent. */
export function armExitWatchdog(): void {
  if (armed) return;
  armed = true;
  watchExitCleanup({
    tracked: (resource) => tell(`+${line(resource)}`),
    forgotten: (resource) => tell(`-${line(resource)}`),
  });
}

function line(resource: ExitResource): string {
  return 'process' in resource ? `p ${resource.process}` : `d ${resource.directory}`;
}

function tell(text: string): void {
  if (!started) {
    // Started with the first resource: a test file that starts nothing pays nothing.
    started = true;
    watchdog = startWatchdog();
  }
  if (watchdog !== undefined && !watchdog.destroyed) watchdog.write(`${text}\n`);
}

/** Starts the watchdog; undefined if it cannot run (the 'exit' cleanup still does its part). */
function startWatchdog(): Socket | undefined {
  const script = fileURLToPath(new URL('./exit-watchdog.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: false,
    env: {},
  });
  child.on('error', () => {});
  // Neither the watchdog nor its pipe may keep this process alive.
  child.unref();
  const stdin = child.stdin as Socket | null;
  if (stdin === null) return undefined;
  stdin.on('error', () => {});
  stdin.unref();
  return stdin;
}
