import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Last-resort cleanup for a test process that ends without stopping what it started, in two
 * layers:
 * - an 'exit' handler (normal end, process.exit, uncaught exception) SIGKILLs every tracked
 *   child still alive and removes every tracked directory;
 * - a watchdog process (exit-watchdog.mjs) holding a pipe from this process does the same
 *   when this process dies without 'exit': a signal, a SIGKILL, a terminated worker thread.
 *   Seen in practice: vitest's threads pool and killed workers skip 'exit'.
 */
const children = new Set<ChildProcess>();
const directories = new Set<string>();
let watchdog: Socket | undefined;
let installed = false;

/** Kills the child when this process ends, unless it has exited by then. */
export function killOnExit(child: ChildProcess): void {
  install();
  const pid = child.pid;
  if (pid === undefined) return;
  children.add(child);
  tellWatchdog(`+p ${pid}`);
  child.once('exit', () => {
    children.delete(child);
    tellWatchdog(`-p ${pid}`);
  });
}

/** Removes the directory when this process ends; `forget` it once removed normally. */
export function removeOnExit(directory: string): { forget(): void } {
  install();
  directories.add(directory);
  tellWatchdog(`+d ${directory}`);
  return {
    forget: () => {
      directories.delete(directory);
      tellWatchdog(`-d ${directory}`);
    },
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanUp);
  watchdog = startWatchdog();
}

function cleanUp(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const directory of directories) {
    try {
      // A just-killed server may still be writing into it: retry on ENOTEMPTY.
      rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
    } catch {
      // Best effort: a leftover temporary directory must not hide the original failure.
    }
  }
  directories.clear();
}

/** Starts the watchdog; undefined if it cannot run (the 'exit' handler still does its part). */
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

function tellWatchdog(line: string): void {
  if (watchdog !== undefined && !watchdog.destroyed) watchdog.write(`${line}\n`);
}
