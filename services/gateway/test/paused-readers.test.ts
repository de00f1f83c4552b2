/**
 * Backpressure in the operating system's terms: 300 readers (ten on each of 30 streams) connect
 * to a real gateway process, take their first message and stop reading while a producer appends
 * as fast as it can; then they read on. What the gateway spends meanwhile is measured on the
 * process itself (resident memory, CPU from /proc), against a run with no readers and against
 * the same readers on streams three times as long, so the bounds are ratios, not machine figures.
 *
 * With an ack channel (WebSocket, or SSE with a durable subscription) a paused reader costs its
 * window and no more. Plain SSE has no acks: what the kernel's socket buffers take counts as
 * taken (the gateway's send queue, which Linux lets grow to `tcp_wmem`'s third figure, 4 MB by
 * default, and the reader's receive queue), so there the bound is the kernel's: on streams several
 * times longer than that, the gateway stops once the buffers are full, and a stream three times as
 * long sends the readers nothing more.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NewItem } from '@spool/protocol';
import { serviceEnv, startService } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PausedReader, pausedReader, type ReaderKind } from './paused-readers.ts';

const GATEWAY_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const NODE_FLAGS = JSON.parse(
  readFileSync(new URL('../node-flags.json', import.meta.url), 'utf8'),
) as string[];
const STREAMS = 30;
const READERS_PER_STREAM = 10;
const WINDOW = 256;
const SHORT = 2_000;
const LONG = 6_000;
/**
 * Plain SSE against the kernel's buffers: one stream × 10 readers of 100-byte tokens, each reader
 * owed three and then nine times what the kernel may buffer for one connection: the most the
 * gateway's send queue may grow to (`tcp_wmem`'s third figure) and the reader's receive queue,
 * which starts at `tcp_rmem`'s second and does not grow while nothing is read.
 */
function kernelBound() {
  const figure = (name: string, index: number) =>
    Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[index]);
  const tokenBytes = 100;
  const perConnection = figure('tcp_wmem', 2) + figure('tcp_rmem', 1);
  const short = Math.ceil((3 * perConnection) / tokenBytes);
  return { streams: 1, tokenBytes, short, long: 3 * short };
}

const redis = redisPerFile();
let client: ReturnType<typeof connectRedis>;
let log: RedisTokenLog;

beforeAll(() => {
  client = connectRedis(redis().url);
  log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
});
afterAll(async () => {
  await log.close();
  client.disconnect();
});

interface Usage {
  rssMb: number;
  cpuSeconds: number;
}

function usage(pid: number): Usage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return {
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024,
    // utime + stime, in clock ticks of 1/100 s.
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
  };
}

interface PausedRun {
  rssGrowthMb: number;
  cpuSeconds: number;
  itemsSentWhilePaused: number;
  /** Items in all the streams together. */
  itemsProduced: number;
  /** Per reader: the offsets it got, and how many items its stream holds. */
  readers: { offsets: number[]; length: number }[];
}

async function produce(streamId: string, tokens: number, tokenBytes: number): Promise<number> {
  const items: NewItem[] = [{ type: 'block_start', block: 0, kind: 'text' }];
  for (let index = 0; index < tokens; index++)
    items.push({ type: 'token', block: 0, text: ` t${index}`.padEnd(tokenBytes, '.') });
  items.push({ type: 'block_end', block: 0 }, { type: 'end', finish_reason: 'stop' });
  // The first item is in already (the readers took it); the rest as fast as a model goes.
  for (let at = 1; at < items.length; at += 32) {
    await log.append({ streamId, attempt: 1, at, items: items.slice(at, at + 32) });
  }
  return items.length;
}

async function itemsSent(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^spool_items_sent_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

interface RunShape {
  streams?: number;
  tokenBytes?: number;
  /** Read on to the end after the pause (default); else the readers just disconnect. */
  resume?: boolean;
}

async function pausedRun(
  kind: ReaderKind | 'none',
  tokens: number,
  shape: RunShape = {},
): Promise<PausedRun> {
  const { streams = STREAMS, tokenBytes = 0, resume = true } = shape;
  const gateway = await startService({
    name: `gateway-${kind}-${tokens}`,
    entry: GATEWAY_ENTRY,
    env: {
      ...serviceEnv(redis()),
      SPOOL_PORT: '0',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_WINDOW: String(WINDOW),
      // Paused for the whole test: not a slow consumer to close.
      SPOOL_STALL_TIMEOUT_MS: '10m',
    },
    readyMessage: 'gateway ready',
    // The V8 settings production runs the gateway with (node-flags.json).
    nodeFlags: NODE_FLAGS,
  });
  try {
    const url = String((await gateway.waitForLog((line) => line.msg === 'gateway ready')).address);
    const streamIds: string[] = [];
    for (let index = 0; index < streams; index++) {
      const streamId = newStreamId();
      await log.create({ id: streamId });
      await log.append({
        streamId,
        attempt: 1,
        at: 0,
        items: [{ type: 'block_start', block: 0, kind: 'text' }],
      });
      streamIds.push(streamId);
    }
    const readers: { streamId: string; reader: PausedReader }[] = [];
    if (kind !== 'none') {
      for (const streamId of streamIds) {
        const ten = Array.from({ length: READERS_PER_STREAM }, () =>
          pausedReader(kind, url, streamId),
        );
        for (const reader of await Promise.all(ten)) readers.push({ streamId, reader });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = usage(gateway.pid);
    let peakRss = before.rssMb;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, usage(gateway.pid).rssMb);
    }, 50);
    const lengths = await Promise.all(
      streamIds.map((streamId) => produce(streamId, tokens, tokenBytes)),
    );
    // What the gateway does with the last appends, before the readers move again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    clearInterval(sampler);
    const after = usage(gateway.pid);
    const itemsSentWhilePaused = await itemsSent(url);
    const lengthOf = new Map(streamIds.map((streamId, index) => [streamId, lengths[index] ?? 0]));
    let read: PausedRun['readers'] = [];
    if (resume) {
      read = await Promise.all(
        readers.map(async ({ streamId, reader }) => ({
          offsets: await reader.resume(),
          length: lengthOf.get(streamId) ?? 0,
        })),
      );
    } else {
      for (const { reader } of readers) reader.close();
    }
    return {
      rssGrowthMb: Math.max(peakRss, after.rssMb) - before.rssMb,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      itemsSentWhilePaused,
      itemsProduced: lengths.reduce((sum, length) => sum + length, 0),
      readers: read,
    };
  } finally {
    await gateway.stop();
  }
}

function expectWholeStreams(run: PausedRun): void {
  expect(run.readers).toHaveLength(STREAMS * READERS_PER_STREAM);
  for (const { offsets, length } of run.readers) {
    expect(offsets).toEqual(Array.from({ length }, (_, offset) => offset));
  }
}

describe.skipIf(process.platform !== 'linux')(
  'paused readers (linux: measured through /proc)',
  () => {
    let idle: PausedRun;

    beforeAll(async () => {
      idle = await pausedRun('none', SHORT);
    }, 60_000);

    it.each(['ws', 'subscription'] as const)(
      'over %s cost their window: no more items, flat memory, CPU that does not grow with the stream',
      async (kind) => {
        const short = await pausedRun(kind, SHORT);
        const long = await pausedRun(kind, LONG);
        const readers = STREAMS * READERS_PER_STREAM;
        for (const run of [short, long]) {
          expectWholeStreams(run);
          expect(run.itemsSentWhilePaused).toBeLessThanOrEqual(readers * WINDOW);
          expect(run.rssGrowthMb).toBeLessThanOrEqual(idle.rssGrowthMb + 40);
        }
        // Three times the stream, and the paused readers' cost stays what their windows cost.
        expect(long.cpuSeconds).toBeLessThanOrEqual(2 * short.cpuSeconds + 0.3);
      },
      120_000,
    );

    it('over plain SSE still get their whole streams once they read on', async () => {
      expectWholeStreams(await pausedRun('sse', SHORT));
    }, 120_000);

    it('over plain SSE cost what the kernel buffers hold: a longer stream sends them no more', async () => {
      const { streams, tokenBytes, short: shortTokens, long: longTokens } = kernelBound();
      const shape = { streams, tokenBytes, resume: false };
      const short = await pausedRun('sse', shortTokens, shape);
      const long = await pausedRun('sse', longTokens, shape);
      const owed = short.itemsProduced * READERS_PER_STREAM;
      console.info(
        `paused plain SSE, ${streams * READERS_PER_STREAM} readers: items sent while paused ` +
          `${short.itemsSentWhilePaused} of ${owed}, ${long.itemsSentWhilePaused} ` +
          `of ${long.itemsProduced * READERS_PER_STREAM} (3× the stream); gateway CPU ` +
          `${short.cpuSeconds.toFixed(2)} s, ${long.cpuSeconds.toFixed(2)} s; RSS growth ${short.rssGrowthMb.toFixed(0)} MB, ${long.rssGrowthMb.toFixed(0)} MB`,
      );
      // The gateway stopped long before the end: the kernel's buffers pushed back...
      expect(short.itemsSentWhilePaused).toBeLessThan(owed / 2);
      // ...and three times the stream moved nothing more to them, and held no more memory...
      expect(long.itemsSentWhilePaused).toBeLessThanOrEqual(1.5 * short.itemsSentWhilePaused);
      expect(long.rssGrowthMb).toBeLessThanOrEqual(short.rssGrowthMb + 40);
      // Nor CPU: the stream is unsubscribed soon after its readers stopped taking, so its later
      // messages do not reach the gateway at all.
      expect(long.cpuSeconds).toBeLessThanOrEqual(1.5 * short.cpuSeconds + 0.3);
    }, 120_000);
  },
);
