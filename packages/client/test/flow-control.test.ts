import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpoolClient } from '../src/index.ts';
import { collect, range } from './collect.ts';
import {
  answer,
  sleep,
  startTestGateway,
  storedItems,
  storedStream,
  type TestGateway,
  textOf,
} from './gateways.ts';

const redis = redisPerFile();
let gateway: TestGateway;
const clients: SpoolClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway(redis());
});
afterAll(async () => {
  for (const each of clients) each.close();
  await gateway.drain();
});

const HIGH_WATER_MARK = 32;

describe.each(['ws', 'sse'] as const)('a slow application over %s', (transport) => {
  it('keeps the buffer within the high-water mark plus one chunk and loses nothing', async () => {
    const streamId = await storedStream(gateway.log, answer(2_000));
    const spool = new SpoolClient({ baseUrl: gateway.url, transport });
    clients.push(spool);
    // Small chunks: many iterations, so the buffer is sampled at many fill levels.
    const stream = spool.stream(streamId, {
      highWaterMark: HIGH_WATER_MARK,
      chunking: { maxItems: 4, maxDelayMs: 0 },
    });
    const samples: number[] = [];
    const read = await collect(stream, {
      each: async (_chunk, index) => {
        samples.push(stream.buffered);
        // Slow throughout, and now and then much slower: the backlog waits on the gateway.
        await sleep(index % 50 === 49 ? 40 : 1);
        samples.push(stream.buffered);
      },
    });
    const stored = await storedItems(gateway.log, streamId);
    expect(read.offsets).toEqual(range(0, stored.length));
    expect(read.text).toBe(textOf(stored));
    const bound = transport === 'ws' ? HIGH_WATER_MARK : HIGH_WATER_MARK + read.maxChunk;
    expect(Math.max(...samples, read.maxBuffered)).toBeLessThanOrEqual(bound);
    // The buffer did fill up: the application, not the network, was the bottleneck.
    expect(Math.max(...samples)).toBeGreaterThanOrEqual(HIGH_WATER_MARK / 2);
  });
});
