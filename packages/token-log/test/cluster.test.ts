import type { Socket } from 'node:net';
import { type RedisCluster, startRedisCluster } from '@spool/testing';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RedisClient } from '../src/connect.ts';
import { connectRedis } from '../src/connect.ts';
import { RedisTokenLog } from '../src/redis-token-log.ts';
import { createStream, tokens } from './fixture.ts';

/** Runs a command on every master and returns the answers, in the order of `cluster.nodes`. */
async function onEveryNode(cluster: RedisCluster, ...command: string[]): Promise<unknown[]> {
  return Promise.all(
    cluster.nodes.map(async ({ host, port }) => {
      const node = new Redis({ host, port });
      try {
        return await node.call(command[0] ?? 'PING', ...command.slice(1));
      } finally {
        node.disconnect();
      }
    }),
  );
}

describe('on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let url: string;
  let client: RedisClient;
  let log: RedisTokenLog;
  /** Never polls: what it receives came through sharded pub/sub or a read after a reconnect. */
  let quiet: RedisTokenLog;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    url = cluster.url;
    client = connectRedis(url);
    log = new RedisTokenLog({ redis: client });
    quiet = new RedisTokenLog({ redis: client, pollIntervalMs: 60_000 });
  });

  afterAll(async () => {
    await log?.close();
    await quiet?.close();
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

  it('serves followers at the end on every master from sharded messages, with no read', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => createStream(quiet)));
    await Promise.all(
      ids.map((id) => quiet.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) })),
    );
    await Promise.all(ids.map((id) => quiet.follow(id, 0)));
    const reads = vi.spyOn(quiet, 'read');
    const followers = ids.map((id) => quiet.follow(id, 1));
    await Promise.all(
      ids.map((id) =>
        quiet.append({
          streamId: id,
          attempt: 1,
          at: 1,
          items: [...tokens(2), { type: 'end', finish_reason: 'stop' }],
        }),
      ),
    );
    for (const result of await Promise.all(followers)) {
      expect(result).toMatchObject({ next: 4, length: 4, status: 'done', done: true });
      expect(result.items.map((item) => item.offset)).toEqual([1, 2, 3]);
    }
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    // Each master holds the channels of its own streams (it refuses others with MOVED), heard by
    // one sharded subscriber per token log (two here); nothing uses the cluster-wide pub/sub.
    for (const channels of await onEveryNode(cluster, 'PUBSUB', 'SHARDCHANNELS')) {
      expect((channels as string[]).length).toBeGreaterThan(0);
    }
    expect(await onEveryNode(cluster, 'PUBSUB', 'CHANNELS')).toEqual([[], [], []]);
    for (const list of await onEveryNode(cluster, 'CLIENT', 'LIST')) {
      expect(String(list).match(/name=ioredis-cluster\(ssubscriber\)/g)).toHaveLength(2);
    }
  });

  it('hears cancels and acks on the shard of their stream', async () => {
    const id = await createStream(quiet);
    await quiet.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    const { subscription } = await quiet.createSubscription(id, 0);
    const acks: number[] = [];
    const stopAcks = await quiet.watchAcks(id, subscription, (offset) => acks.push(offset));
    let cancelled = 0;
    const stopCancel = await quiet.watchCancel(id, () => cancelled++);
    await log.ack(id, subscription, 2);
    expect(await log.cancel(id)).toBe('running');
    await expect.poll(() => acks).toEqual([2]);
    await expect.poll(() => cancelled).toBe(1);
    await stopAcks();
    await stopCancel();
  });

  it('watches many streams at once on connections still opening', async () => {
    // A worker's first generations subscribe while its pub/sub connections open: an SSUBSCRIBE
    // must never meet the ready check's INFO on one connection (connect.ts, subscriberFor).
    const ids = await Promise.all(Array.from({ length: 40 }, () => createStream(log)));
    for (let round = 0; round < 3; round++) {
      const fresh = connectRedis(url);
      const freshLog = new RedisTokenLog({ redis: fresh });
      try {
        const stops = await Promise.all(ids.map((id) => freshLog.watchCancel(id, () => {})));
        await Promise.all(stops.map((stop) => stop()));
      } finally {
        await freshLog.close();
        fresh.disconnect();
      }
    }
  });

  it('catches up after the subscriber connection of every shard is killed', async () => {
    const id = await createStream(quiet);
    await quiet.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) });
    const { next } = await quiet.follow(id, 0);
    await onEveryNode(cluster, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    const waiting = quiet.follow(id, next);
    await quiet.append({ streamId: id, attempt: 1, at: next, items: tokens(2) });
    expect((await waiting).items.map((item) => item.offset)).toEqual([1, 2]);
    // And the resubscribed channel carries the next batch again.
    const reads = vi.spyOn(quiet, 'read');
    await new Promise((resolve) => setTimeout(resolve, 500));
    reads.mockClear();
    const more = quiet.follow(id, 3);
    await quiet.append({ streamId: id, attempt: 1, at: 3, items: tokens(1) });
    expect((await more).items.map((item) => item.offset)).toEqual([3]);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('writes the commands of one event-loop turn to a node in one write, also after a reconnect', async () => {
    const connection = client;
    if (!(connection instanceof Cluster)) throw new Error('expected a Cluster connection');
    const key = '{coalesce}:k';
    await connection.set(key, '0');
    const slot = (await connection.call('CLUSTER', 'KEYSLOT', key)) as number;
    const master = () =>
      connection
        .nodes('master')
        .find(
          (node) =>
            node.status === 'ready' &&
            connection.slots[slot]?.[0] === `${node.options.host}:${node.options.port}`,
        );
    let previous: Socket | undefined;
    for (const round of ['first socket', 'after a reconnect']) {
      // A cut connection is replaced, by its own reconnect or by a new node connection.
      await expect
        .poll(
          async () => {
            await connection.get(key);
            return master() !== undefined && master()?.stream !== previous;
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      const socket = master()?.stream as Socket;
      const single = vi.spyOn(socket, '_write');
      const gathered = vi.spyOn(socket, '_writev');
      const replies = Array.from({ length: 20 }, () => connection.incr(key));
      expect(socket.writableCorked, round).toBe(1);
      await Promise.all(replies);
      expect(single, round).not.toHaveBeenCalled();
      expect(gathered, round).toHaveBeenCalledTimes(1);
      expect(gathered.mock.calls[0]?.[0], round).toHaveLength(20);
      single.mockRestore();
      gathered.mockRestore();
      previous = socket;
      socket.destroy();
    }
    await expect.poll(() => connection.get(key)).toBe('40');
  });

  it("keeps the item index under the stream's hash tag", async () => {
    const id = await createStream(log);
    const items = [{ type: 'block_start', block: 3, kind: 'text' } as const, ...tokens(2, 3)];
    await log.append({ streamId: id, attempt: 1, at: 0, items });
    const index = await log.itemIndex(id);
    expect(index).toMatchObject({ firstToken: 1, indexedFrom: 0, length: 3 });
    expect(index.blocks.get(3)).toBe(0);
  });
});
