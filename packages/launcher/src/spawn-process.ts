import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { killOnExit } from './exit-cleanup.ts';

/** How much of the combined stdout/stderr to keep for error messages. */
const OUTPUT_TAIL_CHARACTERS = 4_000;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited; never rejects. */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** The last few KiB of stdout and stderr, interleaved, for error messages. */
  outputTail(): string;
}

export interface SpawnProcessOptions {
  command: string;
  args: string[];
  cwd?: string;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * Start the child in its own process group, so a Ctrl-C at the terminal reaches only its
   * supervisor, which then stops it in order (it is still killed when this process exits).
   */
  ownProcessGroup?: boolean;
  /** Called with every chunk of stdout (it is drained either way). */
  onStdout?: (chunk: Buffer) => void;
}

/**
 * Spawns a child that is attached to this process (`detached: false` unless it gets its own
 * process group), SIGKILLed if this process exits first (see exit-cleanup.ts), and whose
 * output is always drained — a full pipe would block it.
 * Rejects with a readable error when the command cannot be started (e.g. not installed).
 */
export async function spawnProcess(options: SpawnProcessOptions): Promise<SpawnedProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: options.ownProcessGroup ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARACTERS);
  };
  child.stdout?.on('data', keep);
  if (options.onStdout) child.stdout?.on('data', options.onStdout);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) {
    const [error] = (await once(child, 'error')) as [Error];
    throw new Error(`Cannot start ${options.command}: ${error.message}`, { cause: error });
  }
  killOnExit(child);
  // A failed kill() is reported as 'error'; without a listener it would crash this process.
  child.on('error', (error) => keep(Buffer.from(`\n[spawn error] ${error.message}\n`)));
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  return { child, pid, exited, hasExited: () => exit !== undefined, outputTail: () => tail };
}

/** Sends the signal unless the process has already exited, then waits for the exit. */
export async function signalAndWait(
  spawned: SpawnedProcess,
  signal: NodeJS.Signals,
): Promise<ProcessExit> {
  if (!spawned.hasExited()) spawned.child.kill(signal);
  return spawned.exited;
}

/**
 * Asks the process to exit with SIGTERM and escalates to SIGKILL when it has not exited
 * within `graceMs`.
 */
export async function terminate(spawned: SpawnedProcess, graceMs = 5_000): Promise<ProcessExit> {
  if (spawned.hasExited()) return spawned.exited;
  spawned.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([spawned.exited, timedOut]);
  clearTimeout(timer);
  return outcome === 'timeout' ? signalAndWait(spawned, 'SIGKILL') : outcome;
}
