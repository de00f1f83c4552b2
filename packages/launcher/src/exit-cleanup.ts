import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * What this process started and must not leave behind: children to SIGKILL and directories to
 * remove when it exits ('exit': a normal end, process.exit, an uncaught exception). A death
 * without 'exit' — a fatal signal, a SIGKILL — runs no code here; whoever must cover that too
 * (the test harness's watchdog process) follows the same list through `watchExitCleanup`.
 */
export type ExitResource = { process: number } | { directory: string };

export interface ExitCleanupWatcher {
  tracked(resource: ExitResource): void;
  forgotten(resource: ExitResource): void;
}

const children = new Set<ChildProcess>();
const directories = new Set<string>();
const watchers = new Set<ExitCleanupWatcher>();
let installed = false;

/** Kills the child when this process ends, unless it has exited by then. */
export function killOnExit(child: ChildProcess): void {
  install();
  const pid = child.pid;
  if (pid === undefined) return;
  children.add(child);
  tell('tracked', { process: pid });
  child.once('exit', () => {
    children.delete(child);
    tell('forgotten', { process: pid });
  });
}

/** Removes the directory when this process ends; `forget` it once removed normally. */
export function removeOnExit(directory: string): { forget(): void } {
  install();
  directories.add(directory);
  tell('tracked', { directory });
  return {
    forget: () => {
      directories.delete(directory);
      tell('forgotten', { directory });
    },
  };
}

/** Follows every resource tracked from now on, and is told at once of those tracked already. */
export function watchExitCleanup(watcher: ExitCleanupWatcher): void {
  watchers.add(watcher);
  for (const child of children)
    if (child.pid !== undefined) watcher.tracked({ process: child.pid });
  for (const directory of directories) watcher.tracked({ directory });
}

function tell(change: keyof ExitCleanupWatcher, resource: ExitResource): void {
  for (const watcher of watchers) watcher[change](resource);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanUp);
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
