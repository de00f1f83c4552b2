import type { RedisServer } from '@spool/launcher';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dockerAvailable } from './docker.ts';
import { getTestRedis } from './test-redis.ts';
import { startRedisServer } from './watched-processes.ts';

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
