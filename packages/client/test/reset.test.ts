/**
 * `stream_reset` through a real gateway: the SDK starts the message again from offset 0 and
 * says so first, instead of going on from items the log no longer has. (The Redis crash that
 * causes it in production is in test/e2e/redis-restart.test.ts; here the resume ids alone make
 * the gateway answer it.)
 */
import { type Chunk, chunkStart } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { type SpoolClient, SpoolError } from '../src/index.ts';
import { answer, gatewayPerFile, storedItems, storedStream, textOf } from './gateways.ts';

const files = gatewayPerFile();

function client(transport: 'ws' | 'sse'): SpoolClient {
  return files.client({ transport, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
}

describe.each(['ws', 'sse'] as const)('a stream told stream_reset (%s)', (transport) => {
  it.each([
    // An id of the current epoch beyond the end: items the log lost, not written again yet.
    ['beyond the end in the current epoch', async (epoch: string) => ({ from: 30, epoch })],
    // An epoch the stream never had: a version of the log lost with its writes.
    ['in an epoch the stream does not know', async () => ({ from: 10, epoch: '0bad0bad' })],
  ])('restarts the message from offset 0 when resumed %s', async (_case, start) => {
    const streamId = await storedStream(files.gateway.log, answer(17));
    const { epoch } = await files.gateway.log.meta(streamId);
    const stream = client(transport).stream(streamId, await start(epoch));
    const events: string[] = [];
    stream.on('reset', (error) => {
      expect(error).toBeInstanceOf(SpoolError);
      events.push(`reset:${error.code}`);
    });
    const chunks: Chunk[] = [];
    for await (const chunk of stream) {
      if (chunks.length === 0) events.push(`first:${chunkStart(chunk)}`);
      chunks.push(chunk);
    }
    const stored = await storedItems(files.gateway.log, streamId);
    expect(events).toEqual(['reset:stream_reset', 'first:0']);
    expect(stream.resets).toBe(1);
    expect(stream.epoch).toBe(epoch);
    expect(stream.text).toBe(textOf(stored));
    expect(chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('')).toBe(
      textOf(stored),
    );
  });

  it('goes on without a reset when its epoch is the stream’s', async () => {
    const streamId = await storedStream(files.gateway.log, answer(17));
    const { epoch } = await files.gateway.log.meta(streamId);
    const stream = client(transport).stream(streamId, { from: 10, epoch });
    const chunks: Chunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(stream.resets).toBe(0);
    expect(chunks[0] && chunkStart(chunks[0])).toBe(10);
  });
});

describe('stream options', () => {
  it('refuse an epoch together with a subscription', () => {
    expect(() =>
      client('ws').stream('st_AAAAAAAAAAAAAAAAAAAAAA', {
        subscription: 'sub_AAAAAAAAAAAAAAAAAAAAAA',
        epoch: 'abc',
      }),
    ).toThrow(/epoch/);
  });
});
