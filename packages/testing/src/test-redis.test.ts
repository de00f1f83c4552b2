import type { RedisServer } from '@spool/launcher';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dockerAvailable } from './docker.ts';
import { getTestRedis } from './test-redis.ts';
import { startRedisCluster, startRedisServer } from './watched-processes.ts';

describe('getTestRedis with REDIS_URL', () => {
  let shared: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    shared = await startRedisServer();
    client = new Redis(shared.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    client?.disconnect();
    await shared?.stop();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses the given Redis and starts nothing', async () => {
    vi.stubEnv('REDIS_URL', shared.url);
    const redis = await getTestRedis();
    expect(redis.source).toBe('env');
    expect(redis.url).toBe(shared.url);
    await redis.stop();
    expect(await client.ping()).toBe('PONG');
  });

  it('refuses a single server when a Cluster is asked for, rather than run on it', async () => {
    vi.stubEnv('REDIS_URL', shared.url);
    await expect(getTestRedis({ topology: 'cluster' })).rejects.toThrow(
      /REDIS_URL names one server/,
    );
  });

  it('gives every call its own key prefix', async () => {
    vi.stubEnv('REDIS_URL', shared.url);
    const prefixes = new Set<string>();
    for (let call = 0; call < 20; call++) prefixes.add((await getTestRedis()).keyPrefix);
    expect(prefixes.size).toBe(20);
    for (const prefix of prefixes) expect(prefix).toMatch(/^t:[0-9a-f]{12}:$/);
  });

  it('deletes only its own keys on stop', async () => {
    vi.stubEnv('REDIS_URL', shared.url);
    const mine = await getTestRedis();
    const theirs = await getTestRedis();
    const mineKeys = Array.from({ length: 2_500 }, (_, index) => `${mine.keyPrefix}${index}`);
    await client.mset(...mineKeys.flatMap((key) => [key, 'x']));
    await client.xadd(`${mine.keyPrefix}stream`, '*', 'token', 'a');
    await client.set(`${theirs.keyPrefix}kept`, 'y');
    await client.set('unprefixed', 'z');

    await mine.stop();

    expect(await client.keys(`${mine.keyPrefix}*`)).toEqual([]);
    expect(await client.get(`${theirs.keyPrefix}kept`)).toBe('y');
    expect(await client.get('unprefixed')).toBe('z');
  });
});

describe('getTestRedis without REDIS_URL', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('starts its own Redis and stops it', async () => {
    vi.stubEnv('REDIS_URL', '');
    const redis = await getTestRedis();
    try {
      expect(redis.source).toBe((await dockerAvailable()) ? 'container' : 'process');
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await redis.stop();
    }
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await expect(probe.ping()).rejects.toThrow();
    probe.disconnect();
  });
});

describe('getTestRedis with a redis-cluster:// REDIS_URL', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses the Cluster and deletes its own keys on every master on stop', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    const nodes = cluster.url.slice('redis-cluster://'.length).split(',');
    const client = new Cluster(
      nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })),
    );
    try {
      vi.stubEnv('REDIS_URL', cluster.url);
      const redis = await getTestRedis({ topology: 'cluster' });
      expect(redis.source).toBe('env');
      const keys = Array.from({ length: 30 }, (_, index) => `${redis.keyPrefix}k${index}`);
      for (const key of keys) await client.set(key, '1');
      await client.set('other:kept', '1');
      await redis.stop();
      for (const key of keys) expect(await client.exists(key)).toBe(0);
      expect(await client.exists('other:kept')).toBe(1);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  }, 60_000);
});
