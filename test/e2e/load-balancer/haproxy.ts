/**
 * Debian's haproxy running the load balancer configuration of docker-compose.yml — the file
 * itself, not a copy: only the addresses come from the environment, as they do in compose.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one load balancer configuration (repo-relative); compose mounts the same path. */
export const HAPROXY_CONFIG = 'infra/haproxy/haproxy.cfg';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where Debian installs it (`/usr/sbin` is not on every user's PATH), else on PATH. */
export function findHaproxy(): string | undefined {
  const folders = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':')];
  return folders.map((folder) => join(folder, 'haproxy')).find((path) => existsSync(path));
}

/** The environment the configuration reads (see its header). */
export interface HaproxyEnvironment {
  LB_PORT: string;
  LB_STATS_PORT: string;
  LB_GATEWAYS: string;
  LB_DNS: string;
  LB_MAX_GATEWAYS: string;
}

export interface ServerState {
  /** Slot name, e.g. `gateway1`. */
  name: string;
  /** `UP`, `DOWN`, `MAINT` (an empty slot), `no check`… */
  status: string;
  /** `ip:port`, or empty for an empty slot. */
  address: string;
}

export interface Haproxy {
  readonly pid: number;
  readonly url: string;
  /** The gateways' slots as HAProxy sees them now (its stats page, CSV). */
  servers(): Promise<ServerState[]>;
  output(): string;
  stop(): Promise<void>;
}

/** Checks the configuration (`haproxy -c`); resolves with its output, rejects when invalid. */
export function checkConfig(binary: string, env: HaproxyEnvironment): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-c', '-f', join(REPO_ROOT, HAPROXY_CONFIG)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(output))));
  });
}

export async function startHaproxy(binary: string, env: HaproxyEnvironment): Promise<Haproxy> {
  // -db: stay in the foreground, logs on stdout (the configuration's `log stdout`).
  const child = spawn(binary, ['-db', '-f', join(REPO_ROOT, HAPROXY_CONFIG)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killAtExit = () => child.kill('SIGKILL');
  process.once('exit', killAtExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${env.LB_PORT}`;
  const statsUrl = `http://127.0.0.1:${env.LB_STATS_PORT}`;
  await waitUntil(
    async () => (await fetch(`${statsUrl}/healthz`)).ok,
    child,
    () => output,
  );
  return {
    pid: child.pid ?? -1,
    url,
    servers: async () => parseStats(await (await fetch(`${statsUrl}/stats;csv`)).text()),
    output: () => output,
    stop: async () => {
      process.off('exit', killAtExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitUntil(
  ready: () => Promise<boolean>,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited at start:\n${output()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`haproxy did not answer within 10 s:\n${output()}`);
}

/** The `gateways` backend's servers from HAProxy's CSV stats. */
function parseStats(csv: string): ServerState[] {
  const [head, ...rows] = csv.trim().split('\n');
  const columns = (head ?? '').replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  return rows
    .map((row) => row.split(','))
    .filter((cells) => cells[at('pxname')] === 'gateways')
    .filter((cells) => !['BACKEND', 'FRONTEND'].includes(cells[at('svname')] ?? ''))
    .map((cells) => ({
      name: cells[at('svname')] ?? '',
      status: cells[at('status')] ?? '',
      address: cells[at('addr')] ?? '',
    }));
}
