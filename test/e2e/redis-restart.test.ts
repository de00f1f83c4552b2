/**
 * Redis SIGKILLed mid-stream and restarted on its AOF, with real gateway and worker processes
 * and SDK readers over WebSocket and SSE. Readers either go on seamlessly or are told to start
 * the message again (`reset`): none ends with a message that differs from the log, and only
 * readers that held items Redis lost are reset.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSystem } from '../support/system.ts';
import {
  cutAof,
  type Fsync,
  offsetsOf,
  RecordingReader,
  sdkClient,
  startAofRedis,
  textOf,
  watchAofSize,
} from './redis-restart-support.ts';

const STREAMS = 3;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A system on an AOF Redis, streams being read by live and paused readers. */
async function streamingSystem(fsync: Fsync) {
  const { server, redis } = await startAofRedis(fsync);
  cleanups.push(() => redis.stop());
  const system = new TestSystem({ redis });
  cleanups.push(() => system.stop());
  const aof = watchAofSize(server);
  cleanups.push(async () => aof.stop());
  const gateways = [await system.startGateway(), await system.startGateway()];
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '100' });
  const urls = gateways.map((gateway) => gateway.url);
  // One client per reader of a stream: an SDK client reads a stream once.
  const live = [sdkClient(urls, 'ws'), sdkClient(urls, 'sse')];
  const paused = [sdkClient(urls, 'ws'), sdkClient(urls, 'sse')];
  const creator = live[0] ?? sdkClient(urls, 'ws');
  cleanups.push(async () => {
    for (const client of [...live, ...paused]) client.close();
  });
  const ids: string[] = [];
  const readers: { id: string; live: boolean; ws: boolean; reader: RecordingReader }[] = [];
  for (let index = 0; index < STREAMS; index++) {
    const { id } = await creator.create({
      prompt: 'Keep talking through a Redis crash.',
      params: { seed: index, max_tokens: 700 },
    });
    ids.push(id);
    for (const [index, client] of live.entries()) {
      const reader = new RecordingReader({ client, id });
      readers.push({ id, live: true, ws: index === 0, reader });
    }
    for (const [index, client] of paused.entries()) {
      const reader = new RecordingReader({ client, id, highWaterMark: 8, pauseAt: 10 });
      readers.push({ id, live: false, ws: index === 0, reader });
    }
  }
  return { server, system, aof, ids, readers };
}

/** Waits until every live reader holds at least `items` items. */
async function whenLiveReadersHold(
  readers: { live: boolean; reader: RecordingReader }[],
  items: number,
) {
  const deadline = Date.now() + 30_000;
  while (readers.some(({ live, reader }) => live && reader.held < items)) {
    if (Date.now() > deadline) {
      const held = readers.map(({ live, reader }) => `${live ? 'live' : 'paused'}:${reader.held}`);
      throw new Error(`Live readers did not reach ${items} items: ${held.join(' ')}`);
    }
    await sleep(20);
  }
}

async function finishAndCheck(setup: Awaited<ReturnType<typeof streamingSystem>>) {
  const { system, readers } = setup;
  for (const { reader } of readers) reader.resume();
  await Promise.all(readers.map(({ reader }) => reader.done));
  for (const { id, reader } of readers) {
    const items = await system.waitForEnd(id);
    expect(offsetsOf(reader.chunks)).toEqual(items.map((item) => item.offset));
    const text = items.map((item) => (item.type === 'token' ? item.text : '')).join('');
    expect(textOf(reader.chunks)).toBe(text);
  }
}

/**
 * Every reader that had shown items the log lost was reset; a WebSocket reader whose window
 * held none went on. (An SSE reader may also hold what its socket buffers took while it paused,
 * maybe lost items: then it is reset too.) Returns the resets and the most lost items a reader
 * had shown.
 */
async function expectResetsWhereLost(
  setup: Awaited<ReturnType<typeof streamingSystem>>,
  heldAtCrash: number[],
): Promise<{ resets: number; shownLost: number }> {
  let resets = 0;
  let shownLost = 0;
  for (const [index, { id, ws, reader }] of setup.readers.entries()) {
    const meta = await setup.system.log.meta(id);
    expect(meta.epochs).toHaveLength(2);
    const rewrittenFrom = meta.epochs[1]?.from ?? 0;
    const held = heldAtCrash[index] ?? 0;
    const outcome = { ws, held, rewrittenFrom, reset: reader.resets > 0 };
    if (held > rewrittenFrom) expect(outcome).toMatchObject({ reset: true });
    if (ws && held + 8 <= rewrittenFrom) expect(outcome).toMatchObject({ reset: false });
    resets += reader.resets;
    shownLost = Math.max(shownLost, held - rewrittenFrom);
  }
  return { resets, shownLost };
}

describe('Redis restarted on its AOF mid-stream', () => {
  it('loses nothing at a SIGKILL with appendfsync always: every reader goes on without a reset', async () => {
    const setup = await streamingSystem('always');
    await whenLiveReadersHold(setup.readers, 150);
    await setup.server.kill('SIGKILL');
    const before = await Promise.all(setup.readers.map(({ reader }) => reader.held));
    await setup.server.restart();
    await finishAndCheck(setup);
    for (const { reader } of setup.readers) expect(reader.resets).toBe(0);
    for (const [index, { id }] of setup.readers.entries()) {
      const meta = await setup.system.log.meta(id);
      // The restarted server wrote next: a new epoch, starting at or after what readers had.
      expect(meta.epochs).toHaveLength(2);
      expect(meta.epochs[1]?.from).toBeGreaterThanOrEqual(before[index] ?? 0);
    }
  }, 90_000);

  it('at a SIGKILL with appendfsync everysec, resets only readers that showed lost items', async () => {
    // A process crash loses only writes Redis postponed behind a slow fsync: usually nothing.
    const setup = await streamingSystem('everysec');
    await whenLiveReadersHold(setup.readers, 150);
    await setup.server.kill('SIGKILL');
    await sleep(300); // Chunks read from Redis before the kill reach the readers.
    const heldAtCrash = setup.readers.map(({ reader }) => reader.held);
    await setup.server.restart();
    await finishAndCheck(setup);
    const { resets, shownLost } = await expectResetsWhereLost(setup, heldAtCrash);
    console.log(`SIGKILL, everysec: ${resets} resets; a reader had shown ${shownLost} lost items`);
  }, 90_000);

  it('at an emulated power loss with appendfsync everysec, resets every reader that showed lost items', async () => {
    const setup = await streamingSystem('everysec');
    await whenLiveReadersHold(setup.readers, 200);
    // What an fsync one second ago made durable: the most `everysec` loses (a stalled fsync aside).
    const durable = setup.aof.sizeAt(1_000);
    await setup.server.kill('SIGKILL');
    await sleep(300); // Chunks read from Redis before the kill reach the readers.
    const heldAtCrash = setup.readers.map(({ reader }) => reader.held);
    await cutAof(setup.server, durable);
    await setup.server.restart();
    await finishAndCheck(setup);
    const { resets, shownLost } = await expectResetsWhereLost(setup, heldAtCrash);
    // The cut took a second of a 100 tokens/s stream: the live readers had shown some of it.
    expect(resets).toBeGreaterThan(0);
    console.log(
      `power loss, everysec: ${resets} resets of ${setup.readers.length} readers; a reader had shown ${shownLost} lost items`,
    );
  }, 90_000);
});
