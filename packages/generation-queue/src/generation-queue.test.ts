import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId } from '@spool/token-log';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { GenerationQueue, QUEUE_NAME } from './generation-queue.ts';

const redis = redisPerFile();
const clients: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
});

function openQueue(): { queue: GenerationQueue; raw: Queue } {
  const connection = connectRedis(redis().url);
  const prefix = `${redis().keyPrefix}{q${clients.length}}`;
  const queue = new GenerationQueue({ connection, prefix });
  const raw = new Queue(QUEUE_NAME, { connection, prefix });
  clients.push({
    close: async () => {
      await queue.close();
      await raw.close();
      connection.disconnect();
    },
  });
  return { queue, raw };
}

describe('generation queue', () => {
  it('enqueues once per stream id, however often it is asked', async () => {
    const { queue } = openQueue();
    const streamId = newStreamId();
    const job = { streamId, messages: [{ role: 'user' as const, content: 'hi' }], params: {} };
    await queue.enqueue(job);
    await queue.enqueue(job);
    expect(await queue.depth()).toEqual({ waiting: 1, active: 0 });
  });

  it('refuses a malformed job and enqueues nothing', async () => {
    const { queue } = openQueue();
    await expect(queue.enqueue({ streamId: 'nope', messages: [], params: {} })).rejects.toThrow(
      /streamId|messages/,
    );
    expect(await queue.depth()).toEqual({ waiting: 0, active: 0 });
  });

  it('carries JSON-valued params (tools, response_format, stop) to the worker unchanged', async () => {
    const { queue, raw } = openQueue();
    const streamId = newStreamId();
    const params = {
      temperature: 0.3,
      stop: ['\n\n', 'END'],
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
      tool_choice: 'auto',
      x_vendor: null,
    };
    await queue.enqueue({ streamId, messages: [{ role: 'user', content: 'hi' }], params });
    expect((await raw.getJob(streamId))?.data.params).toEqual(params);
  });
});
