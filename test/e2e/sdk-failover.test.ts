import { type Chunk, SpoolClient } from '@spool/client';
import { describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

/** Every offset once, in order: what the application saw. */
function offsetsOf(chunks: Chunk[]): number[] {
  return chunks.flatMap((chunk) =>
    chunk.kind === 'tokens'
      ? Array.from({ length: chunk.to - chunk.from }, (_, index) => chunk.from + index)
      : [chunk.item.offset],
  );
}

describe('the SDK against gateway processes', () => {
  it.each(['ws', 'sse'] as const)(
    'hands every item exactly once when its gateway is SIGKILLed mid-stream (%s)',
    async (transport) => {
      const system = systemOf();
      const gateways = [await system.startGateway(), await system.startGateway()];
      await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '150' });
      const client = new SpoolClient({
        baseUrl: gateways.map((gateway) => gateway.url),
        transport,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      });
      const { id } = await client.create({
        prompt: 'Failover, please.',
        params: { seed: 2, max_tokens: 300 },
      });
      const stream = client.stream(id, { highWaterMark: 32 });
      const chunks: Chunk[] = [];
      let killed = false;
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (!killed && offsetsOf(chunks).length > 60) {
          killed = true;
          const current = gateways.find((gateway) => gateway.url === stream.gateway) ?? gateways[0];
          await current?.service.kill('SIGKILL');
        }
      }
      client.close();
      const items = await system.waitForEnd(id);
      expect(killed).toBe(true);
      expect(offsetsOf(chunks)).toEqual(items.map((item) => item.offset));
      const text = items.map((item) => (item.type === 'token' ? item.text : '')).join('');
      expect(chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('')).toBe(
        text,
      );
    },
  );
});
