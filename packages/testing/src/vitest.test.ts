import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisPerFile } from './vitest.ts';

const redis = redisPerFile();

describe('redisPerFile', () => {
  it('provides one Redis for the whole file', async () => {
    const client = new Redis(redis().url, { maxRetriesPerRequest: 1 });
    try {
      await client.set(`${redis().keyPrefix}key`, 'value');
      expect(await client.get(`${redis().keyPrefix}key`)).toBe('value');
    } finally {
      client.disconnect();
    }
  });

  it('returns the same Redis to every test', () => {
    expect(redis().keyPrefix).toMatch(/^t:[0-9a-f]{12}:$/);
  });
});
