/**
 * A Spool service (gateway, worker) as a real OS process, for `pnpm start` and (through
 * @spool/testing) end-to-end and fault tests: started with this process's Node, its JSON log
 * lines collected, killed by its own PID.
 */
import {
  type ProcessExit,
  type SpawnedProcess,
  signalAndWait,
  spawnProcess,
  terminate,
} from './spawn-process.ts';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface ServiceProcess {
  readonly pid: number;
  readonly name: string;
  /** Every JSON log line so far (lines that are not JSON are kept as `{ msg: line }`). */
  readonly logs: LogLine[];
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first log line (past or future) matching; rejects on exit or timeout. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal (default SIGKILL) by PID and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** Sends a signal and returns at once (SIGSTOP / SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ProcessExit>;
  outputTail(): string;
}

export interface StartServiceOptions {
  name: string;
  /** The script to run, e.g. `services/worker/src/main.ts` (absolute, or relative to cwd). */
  entry: string;
  env: Record<string, string | undefined>;
  /** The log message that means the service is up (e.g. `worker ready`). */
  readyMessage: string;
  cwd?: string;
  readyTimeoutMs?: number;
  /** Called with every log line as it comes (`pnpm start` prints them: see logPrinter). */
  onLog?: (line: LogLine, text: string) => void;
  /** Keep every line in `logs` (default true; a long-running launcher turns it off). */
  keepLogs?: boolean;
  /** See SpawnProcessOptions.ownProcessGroup. */
  ownProcessGroup?: boolean;
  /** Node flags before the entry, e.g. `--expose-gc`. */
  nodeFlags?: string[];
}

export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const logs: LogLine[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  let partial = '';
  const onStdout = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      const line = parseLine(text);
      if (options.keepLogs !== false) logs.push(line);
      options.onLog?.(line, text);
      for (const watcher of watchers) watcher(line);
    }
  };
  const spawned = await spawnProcess({
    command: process.execPath,
    args: [...(options.nodeFlags ?? []), options.entry],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    ownProcessGroup: options.ownProcessGroup,
    onStdout,
  });
  const service = wrap(options.name, spawned, logs, watchers);
  try {
    const ready = (line: LogLine) => line.msg === options.readyMessage;
    await service.waitForLog(ready, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    await signalAndWait(spawned, 'SIGKILL');
    throw error;
  }
  return service;
}

function parseLine(text: string): LogLine {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') return value as LogLine;
  } catch {
    // Not JSON: keep it as a message.
  }
  return { msg: text };
}

function wrap(
  name: string,
  spawned: SpawnedProcess,
  logs: LogLine[],
  watchers: Set<(line: LogLine) => void>,
): ServiceProcess {
  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = logs.find(predicate);
      if (found) return resolve(found);
      const done = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        watchers.delete(watcher);
        if (error) reject(error);
        else resolve(line as LogLine);
      };
      const watcher = (line: LogLine) => predicate(line) && done(undefined, line);
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `${name}: no matching log line within ${timeoutMs} ms\n${spawned.outputTail()}`,
            ),
          ),
        timeoutMs,
      );
      watchers.add(watcher);
      void spawned.exited.then((exit) =>
        done(
          new Error(`${name} exited (${exit.code ?? exit.signal}) first\n${spawned.outputTail()}`),
        ),
      );
    });
  return {
    pid: spawned.pid,
    name,
    logs,
    exited: spawned.exited,
    waitForLog,
    kill: (signal = 'SIGKILL') => signalAndWait(spawned, signal),
    signal: (signal) => {
      if (!spawned.hasExited()) process.kill(spawned.pid, signal);
    },
    stop: (graceMs = 10_000) => terminate(spawned, graceMs),
    outputTail: () => spawned.outputTail(),
  };
}
