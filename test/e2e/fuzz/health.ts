/**
 * The fuzzed gateway's health through the run: its process is alive (by PID), `/readyz`
 * answers 200, and its RSS (from /proc) is sampled. Problems are collected, not thrown.
 */
import { readFileSync } from 'node:fs';

export interface HealthWatch {
  problems: string[];
  /** RSS samples in bytes. */
  rss: number[];
  stop(): Promise<void>;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function watchHealth(url: string, pid: number, everyMs = 1_000): HealthWatch {
  const watch: HealthWatch = { problems: [], rss: [], stop: async () => {} };
  let checking: Promise<void> = Promise.resolve();
  const check = async () => {
    if (!alive(pid)) {
      watch.problems.push(`the gateway (pid ${pid}) is gone`);
      return;
    }
    watch.rss.push(rssOf(pid));
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (response.status !== 200) watch.problems.push(`/readyz answered ${response.status}`);
    } catch (error) {
      watch.problems.push(`/readyz: ${String(error)}`);
    }
  };
  const timer = setInterval(() => {
    checking = checking.then(check);
  }, everyMs);
  watch.stop = async () => {
    clearInterval(timer);
    await checking;
    await check();
  };
  return watch;
}
