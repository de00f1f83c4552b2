import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from './redis-cluster.ts';

describe('startRedisCluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    client = new Cluster(cluster.nodes);
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('starts three masters on ports whose bus ports fit below 65536', () => {
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) expect(node.port).toBeLessThanOrEqual(55_535);
  });

  it('serves keys from every master', async () => {
    const keys = Array.from({ length: 30 }, (_, index) => `key:${index}`);
    for (const key of keys) await client.set(key, `value of ${key}`);
    for (const key of keys) expect(await client.get(key)).toBe(`value of ${key}`);

    const sizes = await Promise.all(
      cluster.nodes.map(async (node) => {
        const direct = new Redis({ ...node, maxRetriesPerRequest: 1 });
        try {
          return await direct.dbsize();
        } finally {
          direct.disconnect();
        }
      }),
    );
    for (const size of sizes) expect(size).toBeGreaterThan(0);
    expect(sizes.reduce((total, size) => total + size, 0)).toBe(keys.length);
  });

  it('refuses a multi-key command across slots with CROSSSLOT', async () => {
    await expect(client.mget('a', 'b')).rejects.toThrow(/CROSSSLOT/);
  });

  it('accepts a multi-key command within one hash tag', async () => {
    await client.mset('{stream}:a', '1', '{stream}:b', '2');
    expect(await client.mget('{stream}:a', '{stream}:b')).toEqual(['1', '2']);
  });

  it('rejects fewer than three masters', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(/at least 3 masters/);
  });
});

describe('startRedisCluster with replicas', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts a replica beside each master', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.url).toMatch(/^redis-cluster:\/\/127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){5}$/);
    expect(await cluster.masters()).toHaveLength(3);
  });

  it('promotes a replica and keeps every acknowledged write', async () => {
    const client = new Cluster(cluster.nodes, { clusterRetryStrategy: () => 50 });
    try {
      const keys = Array.from({ length: 50 }, (_, index) => `failover:${index}`);
      for (const key of keys) await client.set(key, key);
      const before = await cluster.masters();
      const { from, to } = await cluster.failover();
      const after = await cluster.masters();
      expect(after).toHaveLength(3);
      expect(after).toContainEqual(to);
      expect(after).not.toContainEqual(from);
      expect(before).toContainEqual(from);
      for (const key of keys) expect(await client.get(key)).toBe(key);
    } finally {
      client.disconnect();
    }
  });
});
