import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelClock, ModelLog, ModelNotifier, ModelReads } from '../test/tail-model.ts';
import { connectRedis } from './connect.ts';
import { Notifier } from './notifier.ts';
import { newStreamId, RedisTokenLog } from './redis-token-log.ts';
import { StreamTail } from './stream-tail.ts';

const redis = redisPerFile();
let client: ReturnType<typeof connectRedis>;
let subscriber: ReturnType<typeof connectRedis>;
let log: RedisTokenLog;

beforeAll(() => {
  client = connectRedis(redis().url);
  subscriber = connectRedis(redis().url);
  log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
});
afterAll(async () => {
  await log.close();
  client.disconnect();
  subscriber.disconnect();
});

describe('StreamTail', () => {
  it('gives a follower that joins during a read from a higher offset its own items from its offset', async () => {
    const streamId = newStreamId();
    await log.create({ id: streamId });
    const items = Array.from({ length: 10 }, (_, index) => ({
      type: 'token' as const,
      block: 0,
      text: `${index}`,
    }));
    await log.append({ streamId, attempt: 1, at: 0, items });
    // Reads wait at a gate, so the second follower surely joins while the first read is in flight.
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const reads: number[] = [];
    const tail = new StreamTail({
      read: async (id, from, limit) => {
        reads.push(from);
        await gate;
        return log.read(id, from, limit);
      },
      notifier: new Notifier(subscriber),
      channelOf: (id) => log.keys(id).events,
      pollIntervalMs: 60_000,
      lingerMs: 60_000,
      defaultLimit: 100,
    });
    const late = tail.follow(streamId, 6);
    await expect.poll(() => reads.length).toBe(1);
    const early = tail.follow(streamId, 0);
    open();
    expect((await late).items.map((item) => item.offset)).toEqual([6, 7, 8, 9]);
    expect((await early).items.map((item) => item.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reads).toEqual([6, 0]);
    await tail.close();
  });
});

/** A tail on the model's fakes, with one follower served at the end of a 3-item stream. */
async function tailAtEnd() {
  const log = new ModelLog();
  const reads = new ModelReads(log);
  const notifier = new ModelNotifier();
  const clock = new ModelClock();
  const tail = new StreamTail({
    read: reads.read,
    notifier,
    channelOf: () => 'events',
    pollIntervalMs: 1_000,
    lingerMs: 10_000,
    defaultLimit: 100,
    clock,
  });
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Answers every read; returns how many there were. */
  const answerAll = async () => {
    let count = 0;
    await flush();
    while (reads.pending.length > 0) {
      reads.answer(0, { fresh: true, most: 100, fail: false });
      count++;
      await flush();
    }
    return count;
  };
  const append = (count: number, headerOnly = false) => {
    const message = log.append({ count, final: false, time: clock.time, headerOnly });
    notifier.publish('events', message);
    return message;
  };
  append(3);
  notifier.inFlight.length = 0;
  const first = tail.follow('st_unit', 0);
  expect(await answerAll()).toBe(1);
  expect((await first).next).toBe(3);
  return { log, reads, notifier, clock, tail, flush, answerAll, append };
}

describe('StreamTail subscriptions', () => {
  it('keeps a quiet stream nobody waits for lingerMs', async () => {
    const { tail, clock } = await tailAtEnd();
    clock.advance(9_500);
    expect(tail.watchedStreams).toBe(1);
    clock.advance(500);
    expect(tail.watchedStreams).toBe(0);
  });

  it('keeps a stream that goes on while nobody waits a poll interval', async () => {
    const { tail, notifier, append, clock, answerAll } = await tailAtEnd();
    // The stream goes on while its reader here takes nothing (its window is full, say).
    append(2);
    notifier.deliver(0, false);
    clock.advance(500);
    expect(tail.watchedStreams).toBe(1);
    clock.advance(500);
    expect(tail.watchedStreams).toBe(0);
    // Once it takes again, it subscribes again and reads what it missed.
    const again = tail.follow('st_unit', 3);
    expect(await answerAll()).toBe(1);
    expect((await again).items.map((item) => item.offset)).toEqual([3, 4]);
    expect(tail.watchedStreams).toBe(1);
  });

  it('drops a stream at once when 64 of its messages came while nobody waited', async () => {
    const { tail, notifier, append } = await tailAtEnd();
    for (let index = 0; index < 63; index++) {
      append(1);
      notifier.deliver(0, false);
    }
    expect(tail.watchedStreams).toBe(1);
    append(1);
    notifier.deliver(0, false);
    expect(tail.watchedStreams).toBe(0);
  });

  it('counts only messages that came after the last waiter left', async () => {
    const { tail, notifier, append, clock } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    append(2);
    notifier.deliver(0, false);
    await waiting;
    clock.advance(5_000);
    expect(tail.watchedStreams).toBe(1);
  });
});

describe('StreamTail reads', () => {
  it('nothing for a follower at the end: the next message serves it', async () => {
    const { tail, notifier, append, answerAll } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    append(2);
    notifier.deliver(0, false);
    expect((await waiting).items.map((item) => item.offset)).toEqual([3, 4]);
    expect(await answerAll()).toBe(0);
  });

  it('once for a follower behind the known end, at once', async () => {
    const { tail, notifier, append, answerAll } = await tailAtEnd();
    append(2);
    notifier.deliver(0, false);
    const behind = tail.follow('st_unit', 4);
    expect(await answerAll()).toBe(1);
    expect((await behind).items.map((item) => item.offset)).toEqual([4]);
  });

  it('once after a lost message, when the next one shows the gap', async () => {
    const { tail, notifier, append, answerAll } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    append(2);
    notifier.drop(0);
    append(1);
    notifier.deliver(0, false);
    expect(await answerAll()).toBe(1);
    expect((await waiting).items.map((item) => item.offset)).toEqual([3, 4, 5]);
  });

  it('once for a header-only message', async () => {
    const { tail, notifier, append, answerAll } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    append(2, true);
    notifier.deliver(0, false);
    expect(await answerAll()).toBe(1);
    expect((await waiting).items.map((item) => item.offset)).toEqual([3, 4]);
  });

  it('nothing, and decodes nothing, for a message no follower can take', async () => {
    const { tail, notifier, append, answerAll, flush } = await tailAtEnd();
    const repeated = append(2);
    notifier.deliver(0, false);
    const waiting = tail.follow('st_unit', 5);
    await flush();
    const parse = vi.spyOn(JSON, 'parse');
    notifier.publish('events', repeated);
    notifier.deliver(0, false);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(await answerAll()).toBe(0);
    append(1);
    notifier.deliver(0, false);
    expect((await waiting).items.map((item) => item.offset)).toEqual([5]);
  });

  it('once after the subscriber reconnects', async () => {
    const { tail, notifier, append, answerAll } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    notifier.disconnect();
    append(2);
    notifier.reconnect();
    expect(await answerAll()).toBe(1);
    expect((await waiting).items.map((item) => item.offset)).toEqual([3, 4]);
  });

  it('once for a follower that waited a poll interval with nothing heard, not before', async () => {
    const { tail, notifier, clock, append, answerAll } = await tailAtEnd();
    const waiting = tail.follow('st_unit', 3);
    append(2);
    notifier.drop(0);
    clock.advance(999);
    expect(await answerAll()).toBe(0);
    clock.advance(1);
    expect(await answerAll()).toBe(1);
    expect((await waiting).items.map((item) => item.offset)).toEqual([3, 4]);
  });
});
