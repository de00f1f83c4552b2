import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId } from '@spool/token-log';
import { afterAll, describe, expect, it } from 'vitest';
import { GenerationQueue } from './generation-queue.ts';

const redis = redisPerFile();
const clients: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
});

function openQueue(): GenerationQueue {
  const connection = connectRedis(redis().url);
  const queue = new GenerationQueue({
    connection,
    prefix: `${redis().keyPrefix}{q${clients.length}}`,
  });
  clients.push({
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  });
  return queue;
}

describe('generation queue', () => {
  it('enqueues once per stream id, however often it is asked', async () => {
    const queue = openQueue();
    const streamId = newStreamId();
    const job = { streamId, messages: [{ role: 'user' as const, content: 'hi' }], params: {} };
    await queue.enqueue(job);
    await queue.enqueue(job);
    expect(await queue.depth()).toEqual({ waiting: 1, active: 0 });
  });

  it('refuses a malformed job and enqueues nothing', async () => {
    const queue = openQueue();
    await expect(queue.enqueue({ streamId: 'nope', messages: [], params: {} })).rejects.toThrow(
      /streamId|messages/,
    );
    expect(await queue.depth()).toEqual({ waiting: 0, active: 0 });
  });
});
