import { type RedisCluster, startRedisCluster } from '@spool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../src/connect.ts';
import { connectRedis } from '../src/connect.ts';
import { RedisTokenLog } from '../src/redis-token-log.ts';
import { createStream, tokens } from './fixture.ts';

describe('on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: RedisClient;
  let log: RedisTokenLog;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    const url = `redis-cluster://${cluster.nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
    client = connectRedis(url);
    log = new RedisTokenLog({ redis: client });
  });

  afterAll(async () => {
    await log?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  it('tails streams spread over every master with the same code', async () => {
    const ids = await Promise.all(Array.from({ length: 60 }, () => createStream(log)));
    const slotsByNode = new Set(
      await Promise.all(
        ids.map(
          async (id) => (await client.call('CLUSTER', 'KEYSLOT', log.keys(id).log)) as number,
        ),
      ),
    );
    expect(slotsByNode.size).toBeGreaterThan(30);
    const followers = ids.map((id) => log.follow(id, 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all(
      ids.map((id) =>
        log.append({
          streamId: id,
          attempt: 1,
          at: 0,
          items: [...tokens(3), { type: 'end', finish_reason: 'stop' }],
        }),
      ),
    );
    const results = await Promise.all(followers);
    for (const result of results)
      expect(result.items.map((item) => item.offset)).toEqual([0, 1, 2, 3]);
  });

  it('runs subscriptions and cancel in one slot per stream', async () => {
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(4) });
    const { subscription } = await log.createSubscription(id, 1);
    const read = await log.readSubscription({ streamId: id, subscription, consumer: 'gw1' });
    expect(read.items.map((item) => item.offset)).toEqual([1, 2, 3]);
    expect(await log.ack(id, subscription, 3)).toBe(3);
    expect((await log.takeOver(id, subscription, 'gw2')).claimed).toBe(1);
    expect(await log.cancel(id)).toBe('running');
  });
});
