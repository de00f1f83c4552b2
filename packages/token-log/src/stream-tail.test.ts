import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
