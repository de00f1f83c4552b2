import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from './exit-cleanup.ts';
import { type FreePortOptions, findFreePort } from './free-port.ts';
import { probeRedis } from './probe-redis.ts';
import { type SpawnedProcess, signalAndWait, spawnProcess, terminate } from './spawn-process.ts';

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 5;
const POLL_INTERVAL_MS = 20;

export interface RedisServerOptions {
  /** Append-only file on (`--appendonly yes`), so `kill()` + `restart()` keeps the data. */
  appendOnly?: boolean;
  /** `--appendfsync`; `always` makes every acknowledged write survive a SIGKILL. */
  appendFsync?: 'always' | 'everysec' | 'no';
  /** Appended after the defaults, so they can override them. */
  extraArgs?: string[];
  /** How to pick the port, e.g. cluster nodes need their bus port (port + 10000) free too. */
  freePort?: FreePortOptions;
  /** How long a start or restart may take until PING answers. */
  startTimeoutMs?: number;
  /** See SpawnProcessOptions.ownProcessGroup (`pnpm start` stops Redis last, itself). */
  ownProcessGroup?: boolean;
}

/** A redis-server child process on 127.0.0.1 with its own data directory. */
export interface RedisServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The data directory (AOF, cluster nodes.conf); kept across kill/restart, removed by stop. */
  readonly dir: string;
  /** The current process; a restart changes it. */
  readonly pid: number;
  /** SIGTERM, wait for the exit, remove the data directory. Idempotent. */
  stop(): Promise<void>;
  /** Sends the signal (default SIGKILL) and waits for the exit; the data directory stays. */
  kill(signal?: TerminatingSignal): Promise<void>;
  /**
   * Starts a new server on the same port and directory (with AOF it reloads the data) and
   * waits for PING. A server still running is shut down (SIGTERM) first.
   */
  restart(): Promise<void>;
}

/** Signals after which `kill()` can wait for an exit (SIGSTOP, say, would wait forever). */
export type TerminatingSignal = 'SIGKILL' | 'SIGTERM' | 'SIGINT' | 'SIGQUIT';

/**
 * Starts redis-server on a free loopback port with a fresh temporary directory and resolves
 * once it answers PING. If the chosen port is taken in the meantime, it retries on another.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-redis-'));
  const cleanup = removeOnExit(dir);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(options.freePort);
      const args = serverArgs({ port, dir, options });
      try {
        const spawned = await launch({
          args,
          port,
          dir,
          timeoutMs: options.startTimeoutMs,
          ownProcessGroup: options.ownProcessGroup,
        });
        return new RedisServerProcess({ port, dir, args, spawned, cleanup, options });
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    cleanup.forget();
    throw error;
  }
}

function serverArgs(input: { port: number; dir: string; options: RedisServerOptions }): string[] {
  const { port, dir, options } = input;
  return [
    ...['--port', String(port), '--bind', HOST, '--save', ''],
    ...['--appendonly', options.appendOnly ? 'yes' : 'no'],
    ...['--appendfsync', options.appendFsync ?? 'everysec'],
    ...['--dir', dir, '--daemonize', 'no', '--maxmemory-policy', 'noeviction'],
    ...(options.extraArgs ?? []),
  ];
}

class PortTakenError extends Error {}

interface RedisServerProcessInput {
  port: number;
  dir: string;
  args: string[];
  spawned: SpawnedProcess;
  cleanup: { forget(): void };
  options: RedisServerOptions;
}

class RedisServerProcess implements RedisServer {
  readonly host = HOST;
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly #input: RedisServerProcessInput;
  #spawned: SpawnedProcess;
  #stopped = false;

  constructor(input: RedisServerProcessInput) {
    this.#input = input;
    this.port = input.port;
    this.dir = input.dir;
    this.url = `redis://${HOST}:${input.port}`;
    this.#spawned = input.spawned;
  }

  get pid(): number {
    return this.#spawned.pid;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await terminate(this.#spawned);
    await rm(this.dir, { recursive: true, force: true });
    this.#input.cleanup.forget();
  }

  async kill(signal: TerminatingSignal = 'SIGKILL'): Promise<void> {
    await signalAndWait(this.#spawned, signal);
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`redis-server on port ${this.port} was stopped`);
    await terminate(this.#spawned);
    const { args, port, dir, options } = this.#input;
    // Same port on purpose: clients hold the URL. If the port was taken meanwhile, this fails.
    this.#spawned = await launch({
      args,
      port,
      dir,
      timeoutMs: options.startTimeoutMs,
      ownProcessGroup: options.ownProcessGroup,
    });
  }
}

interface LaunchInput {
  args: string[];
  port: number;
  dir: string;
  timeoutMs: number | undefined;
  ownProcessGroup: boolean | undefined;
}

/** Spawns redis-server and waits until it, and not some other server on the port, answers. */
async function launch(input: LaunchInput): Promise<SpawnedProcess> {
  const spawned = await spawnProcess({
    command: 'redis-server',
    args: input.args,
    cwd: input.dir,
    ownProcessGroup: input.ownProcessGroup,
  });
  const deadline = Date.now() + (input.timeoutMs ?? 5_000);
  while (Date.now() < deadline) {
    const probe = await probeRedis({ host: HOST, port: input.port });
    if (spawned.hasExited()) break;
    if (probe?.ready && probe.pid === spawned.pid) return spawned;
    await sleep(POLL_INTERVAL_MS);
  }
  const exitedEarly = spawned.hasExited();
  const exit = await signalAndWait(spawned, 'SIGKILL');
  const output = spawned.outputTail();
  const reason = exitedEarly ? 'exited' : `did not answer within ${input.timeoutMs ?? 5_000} ms`;
  const message =
    `redis-server on ${HOST}:${input.port} ${reason} before answering PING ` +
    `(exit code ${exit.code}, signal ${exit.signal}). Output tail:\n${output}`;
  if (/Address already in use/i.test(output)) throw new PortTakenError(message);
  throw new Error(message);
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
