import { describe, expect, it } from 'vitest';
import { collect, range } from './collect.ts';
import { answer, gatewayPerFile, sleep, storedItems, storedStream, textOf } from './gateways.ts';

const files = gatewayPerFile();

const HIGH_WATER_MARK = 32;

describe.each(['ws', 'sse'] as const)('a slow application over %s', (transport) => {
  it('keeps the buffer within the high-water mark plus one chunk and loses nothing', async () => {
    const streamId = await storedStream(files.gateway.log, answer(2_000));
    const spool = files.client({ transport });
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
    const stored = await storedItems(files.gateway.log, streamId);
    expect(read.offsets).toEqual(range(0, stored.length));
    expect(read.text).toBe(textOf(stored));
    const bound = transport === 'ws' ? HIGH_WATER_MARK : HIGH_WATER_MARK + read.maxChunk;
    expect(Math.max(...samples, read.maxBuffered)).toBeLessThanOrEqual(bound);
    // The buffer did fill up: the application, not the network, was the bottleneck.
    expect(Math.max(...samples)).toBeGreaterThanOrEqual(HIGH_WATER_MARK / 2);
  });
});
