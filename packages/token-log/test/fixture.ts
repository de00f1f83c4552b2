import type { NewItem } from '@spool/protocol';
import type { TestRedis } from '@spool/testing';
import { afterAll } from 'vitest';
import type { RedisClient } from '../src/connect.ts';
import { connectRedis } from '../src/connect.ts';
import { newStreamId, RedisTokenLog, type RedisTokenLogOptions } from '../src/redis-token-log.ts';

/** Opens token logs on the file's Redis, each with its own connections, closed after the file. */
export function tokenLogs(redis: () => TestRedis) {
  const opened: { log: RedisTokenLog; client: RedisClient }[] = [];
  afterAll(async () => {
    for (const { log, client } of opened) {
      await log.close();
      client.disconnect();
    }
  });
  return (options: Partial<RedisTokenLogOptions> = {}) => {
    const client = connectRedis(redis().url, { connectionName: 'spool-test' });
    const log = new RedisTokenLog({
      keyPrefix: redis().keyPrefix,
      ...options,
      redis: options.redis ?? client,
    });
    opened.push({ log, client });
    return { log, client };
  };
}

export function tokens(count: number, block = 0, prefix = 't'): NewItem[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'token' as const,
    block,
    text: `${prefix}${index} `,
  }));
}

export async function createStream(log: RedisTokenLog): Promise<string> {
  const id = newStreamId();
  await log.create({ id });
  return id;
}
