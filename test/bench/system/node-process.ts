/**
 * Node processes the harness starts: services with a ready log line (gateways, workers, the
 * baseline servers) through @spool/testing's `startService`, and load processes that speak the
 * stdio protocol of `client-process.ts` (ready → start line → progress → report).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ServiceProcess, startService } from '@spool/testing';
import type { ProgressLine, ReleaseLine, StartLine } from '../shared/assignment.ts';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface RunningService {
  name: string;
  service: ServiceProcess;
  url: string;
  /** `host:port` of its gRPC service, when its ready line names one (gateways with SPOOL_GRPC_PORT). */
  grpcTarget?: string | undefined;
  pid: number;
}

/** A service whose ready line (`{msg: readyMessage, address}`) says where it listens. */
export async function startNodeService(input: {
  name: string;
  entry: string;
  env: Record<string, string>;
  readyMessage: string;
  nodeFlags?: string[];
  /** Working directory (another checkout's root, with `--system-root`). */
  cwd?: string;
}): Promise<RunningService> {
  let address = '';
  let grpcPort: unknown;
  const service = await startService({
    name: input.name,
    entry: input.entry,
    cwd: input.cwd,
    env: input.env,
    readyMessage: input.readyMessage,
    keepLogs: false,
    nodeFlags: input.nodeFlags,
    onLog: (line) => {
      if (line.msg !== input.readyMessage) return;
      if (line.address) address = String(line.address);
      grpcPort = line.grpcPort;
    },
  });
  const grpcTarget = typeof grpcPort === 'number' ? `127.0.0.1:${grpcPort}` : undefined;
  return { name: input.name, service, url: address, grpcTarget, pid: service.pid };
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface LoadProcess {
  name: string;
  pid: number;
  ready: Promise<void>;
  start(line: StartLine): void;
  /** A later line on its stdin (`release`). */
  send(line: ReleaseLine): void;
  /** The `report` line, parsed; rejects if the process exits without one. */
  report: Promise<Record<string, unknown>>;
  /** SIGKILL (a process that did not report in time). */
  kill(): void;
}

/** Spawns `entry <assignment file>` and follows its stdio protocol. */
export function spawnLoadProcess(input: {
  name: string;
  entry: string;
  assignment: unknown;
  env: Record<string, string>;
  onProgress?: (progress: ProgressLine) => void;
}): LoadProcess {
  const file = join(tmpdir(), `spool-bench-${process.pid}-${input.name}.json`);
  writeFileSync(file, JSON.stringify(input.assignment));
  const child = spawn(process.execPath, [input.entry, file], {
    cwd: BENCH_DIR,
    env: { ...process.env, ...input.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  // A line written after the child died must not take the harness down (EPIPE).
  child.stdin?.on('error', () => undefined);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const report = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({
      input: child.stdout as NodeJS.ReadableStream,
      crlfDelay: Infinity,
    });
    let result: Record<string, unknown> | undefined;
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const message = JSON.parse(line) as Record<string, unknown>;
      if (message.type === 'ready') onReady();
      else if (message.type === 'progress') input.onProgress?.(message as unknown as ProgressLine);
      else if (message.type === 'report') result = message;
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (result) resolve(result);
      else
        reject(new Error(`${input.name} exited (${code ?? signal}) without a report\n${stderr}`));
    });
  });
  return {
    name: input.name,
    pid: child.pid ?? 0,
    ready: Promise.race([ready, report.then(() => undefined)]),
    start: (line) => child.stdin?.write(`${JSON.stringify(line)}\n`),
    send: (line) => {
      if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(line)}\n`);
    },
    report,
    kill: () => child.kill('SIGKILL'),
  };
}
