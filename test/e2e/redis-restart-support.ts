/**
 * What the Redis restart tests need besides test/support/system.ts: a redis-server with an AOF
 * under a given fsync policy, a power loss emulated on it, and readers that record what the
 * application was handed between resets.
 *
 * A SIGKILL of redis-server loses nothing under `everysec`: what Redis wrote is in the kernel's
 * page cache and reaches the file anyway. What `everysec` can lose is what a power loss or a
 * kernel crash takes: the writes since the last fsync, up to a second (two when an fsync
 * stalls). `watchAofSize` and `cutAof` emulate that: it cuts the AOF back to the size it had `lostMs` before
 * the kill (`cutAof`), which is what an fsync at that moment made durable. Redis loads a cut AOF
 * (`aof-load-truncated yes`, the default) up to its last whole command, dropping a transaction
 * cut in half, as after a real crash.
 */
import { readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { type Chunk, SpoolClient, type SpoolStream } from '@spool/client';
import { type RedisServer, startRedisServer, type TestRedis } from '@spool/testing';

export type Fsync = 'always' | 'everysec';

export async function startAofRedis(
  fsync: Fsync,
): Promise<{ server: RedisServer; redis: TestRedis }> {
  const server = await startRedisServer({ appendOnly: true, appendFsync: fsync });
  const keyPrefix = `t:${Math.random().toString(16).slice(2, 14)}:`;
  return {
    server,
    redis: { url: server.url, keyPrefix, source: 'process', stop: () => server.stop() },
  };
}

/** The AOF file Redis appends to (Redis 7: the newest `*.incr.aof` of `appendonlydir/`). */
async function incrementalAof(dir: string): Promise<string> {
  const aofDir = join(dir, 'appendonlydir');
  const files = (await readdir(aofDir)).filter((name) => name.endsWith('.incr.aof'));
  const newest = files.sort((a, b) => sequence(b) - sequence(a))[0];
  if (newest === undefined) throw new Error(`No incremental AOF in ${aofDir}`);
  return join(aofDir, newest);
}

function sequence(name: string): number {
  return Number(/\.(\d+)\.incr\.aof$/.exec(name)?.[1] ?? 0);
}

/** Samples the AOF's size every 50 ms, so a power loss can cut it back to an earlier moment. */
export function watchAofSize(server: RedisServer): {
  sizeAt: (msAgo: number) => number;
  stop: () => void;
} {
  const samples: { at: number; size: number }[] = [];
  const timer = setInterval(() => {
    incrementalAof(server.dir)
      .then((file) => stat(file))
      .then((info) => samples.push({ at: Date.now(), size: info.size }))
      .catch(() => {});
  }, 50);
  return {
    sizeAt(msAgo) {
      const when = Date.now() - msAgo;
      const before = samples.filter((sample) => sample.at <= when);
      return before.at(-1)?.size ?? 0;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The AOF of a killed server cut back to `size` bytes: what an fsync made durable, all a power
 * loss leaves. Restart the server after it.
 */
export async function cutAof(server: RedisServer, size: number): Promise<void> {
  await truncate(await incrementalAof(server.dir), size);
}

/** One reader of one stream through the SDK: the chunks since its last reset, and its resets. */
export class RecordingReader {
  readonly stream: SpoolStream;
  chunks: Chunk[] = [];
  /** Offset after the last chunk handed over. */
  held = 0;
  readonly done: Promise<void>;
  #paused: Promise<void> | undefined;
  #resume: (() => void) | undefined;

  constructor(input: {
    client: SpoolClient;
    id: string;
    highWaterMark?: number;
    /** Stop taking chunks once this many items are held, until `resume()`. */
    pauseAt?: number;
  }) {
    this.stream = input.client.stream(input.id, { highWaterMark: input.highWaterMark ?? 64 });
    this.stream.on('reset', () => {
      this.chunks = [];
      this.held = 0;
    });
    if (input.pauseAt !== undefined) {
      this.#paused = new Promise((resolve) => {
        this.#resume = resolve;
      });
    }
    this.done = this.#read(input.pauseAt);
  }

  get resets(): number {
    return this.stream.resets;
  }

  resume(): void {
    this.#resume?.();
  }

  async #read(pauseAt: number | undefined): Promise<void> {
    for await (const chunk of this.stream) {
      this.chunks.push(chunk);
      this.held = chunk.kind === 'tokens' ? chunk.to : chunk.item.offset + 1;
      if (pauseAt !== undefined && this.held >= pauseAt && this.#paused) {
        await this.#paused;
        this.#paused = undefined;
      }
    }
  }
}

/** Every offset the chunks hold, in order. */
export function offsetsOf(chunks: readonly Chunk[]): number[] {
  return chunks.flatMap((chunk) =>
    chunk.kind === 'tokens'
      ? Array.from({ length: chunk.to - chunk.from }, (_, index) => chunk.from + index)
      : [chunk.item.offset],
  );
}

export function textOf(chunks: readonly Chunk[]): string {
  return chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('');
}

export function sdkClient(gateways: string[], transport: 'ws' | 'sse'): SpoolClient {
  return new SpoolClient({
    baseUrl: gateways,
    transport,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: 100 },
  });
}
