import { afterAll, beforeAll } from 'vitest';
import { getTestRedis, type TestRedis } from './test-redis.ts';

/**
 * Registers beforeAll/afterAll hooks that give the calling test file one Redis (see
 * `getTestRedis`) and stop it afterwards. Call at the top level of a test file; read the
 * getter inside tests or hooks, not at import time (it throws before beforeAll has run).
 */
export function redisPerFile(): () => TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await getTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (redis === undefined) throw new Error('redisPerFile(): read the getter inside a test');
    return redis;
  };
}
