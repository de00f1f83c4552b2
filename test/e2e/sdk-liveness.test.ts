/**
 * The SDK never hangs on a silent connection: two gateway processes, each behind a fault proxy
 * (@spool/testing) that can go silent with the TCP connection kept open — what a half-open
 * connection or a stuck middlebox looks like. The gateways tell a 200 ms heartbeat, so the SDK's
 * liveness bound is 2 × 200 + 1000 = 1400 ms; a silenced connection must be replaced and the
 * stream complete, every item once, within twice that bound.
 */
import { type Chunk, SpoolClient, type SpoolStream } from '@spool/client';
import { LIVENESS_MARGIN_MS, livenessBoundMs } from '@spool/protocol';
import { type FaultProxy, startFaultProxy } from '@spool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const HEARTBEAT_MS = 200;
const BOUND_MS = livenessBoundMs(HEARTBEAT_MS);
const systemOf = systemPerTest();
const proxies: FaultProxy[] = [];

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
});

/** Every offset once, in order: what the application saw. */
function offsetsOf(chunks: Chunk[]): number[] {
  return chunks.flatMap((chunk) =>
    chunk.kind === 'tokens'
      ? Array.from({ length: chunk.to - chunk.from }, (_, index) => chunk.from + index)
      : [chunk.item.offset],
  );
}

/** Two gateways telling a 200 ms heartbeat, each behind its own proxy. */
async function gatewaysBehindProxies(
  silenceWhen?: (data: Buffer) => boolean,
): Promise<FaultProxy[]> {
  const system = systemOf();
  const started: FaultProxy[] = [];
  for (let index = 0; index < 2; index += 1) {
    const gateway = await system.startGateway({ SPOOL_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    const { hostname, port } = new URL(gateway.url);
    const proxy = await startFaultProxy({
      target: { host: hostname, port: Number(port) },
      ...(silenceWhen === undefined
        ? {}
        : { silenceWhen: (data, direction) => direction === 'downstream' && silenceWhen(data) }),
    });
    proxies.push(proxy);
    started.push(proxy);
  }
  return started;
}

/** Reads `stream` to its end; `onChunk` may act on the proxies. */
async function read(
  stream: SpoolStream,
  onChunk: (chunks: Chunk[]) => void = () => {},
): Promise<{ chunks: Chunk[]; endedAt: number }> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    onChunk(chunks);
  }
  return { chunks, endedAt: Date.now() };
}

async function expectWholeStream(id: string, chunks: Chunk[]): Promise<void> {
  const items = await systemOf().waitForEnd(id);
  expect(offsetsOf(chunks)).toEqual(items.map((item) => item.offset));
  const text = items.map((item) => (item.type === 'token' ? item.text : '')).join('');
  expect(chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('')).toBe(text);
}

describe('the SDK through a connection that goes silent', () => {
  it.each(['ws', 'sse'] as const)(
    'replaces a connection silenced mid-stream and hands every item once (%s)',
    async (transport) => {
      const proxies = await gatewaysBehindProxies();
      await systemOf().startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '100' });
      const client = new SpoolClient({
        baseUrl: proxies.map((proxy) => proxy.url),
        transport,
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      });
      const { id } = await client.create({ prompt: 'Hush.', params: { seed: 3, max_tokens: 150 } });
      const stream = client.stream(id);
      let silencedAt: number | undefined;
      let silencedGateway: string | undefined;
      const { chunks, endedAt } = await read(stream, (chunks) => {
        if (silencedAt !== undefined || offsetsOf(chunks).length < 40) return;
        silencedAt = Date.now();
        silencedGateway = stream.gateway;
        for (const proxy of proxies) if (proxy.url === stream.gateway) proxy.silence();
      });
      client.close();
      expect(silencedAt).toBeDefined();
      // One gateway's proxy went silent (its idle HTTP keep-alive connections with it).
      expect(proxies.filter((proxy) => proxy.silenced > 0)).toHaveLength(1);
      // Resumed on the other gateway, within twice the liveness bound.
      expect(stream.gateway).not.toBe(silencedGateway);
      const elapsed = endedAt - (silencedAt ?? 0);
      console.log(
        `${transport}: silenced mid-stream, ended ${elapsed} ms later (bound ${BOUND_MS})`,
      );
      expect(elapsed).toBeLessThan(2 * BOUND_MS);
      await expectWholeStream(id, chunks);
    },
  );

  it.each([
    ['ws', '"type":"end"'],
    ['sse', 'event: end'],
  ] as const)(
    'replaces the connection when the delivery of the end item is swallowed (%s)',
    async (transport, endMarker) => {
      let swallowedAt: number | undefined;
      // Only the first delivery of `end` is swallowed: the resumed connection gets it.
      const proxies = await gatewaysBehindProxies((data) => {
        if (swallowedAt !== undefined || !data.includes(endMarker)) return false;
        swallowedAt = Date.now();
        return true;
      });
      await systemOf().startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '200' });
      const client = new SpoolClient({
        baseUrl: proxies.map((proxy) => proxy.url),
        transport,
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      });
      const { id } = await client.create({
        prompt: 'The end?',
        params: { seed: 4, max_tokens: 60 },
      });
      const stream = client.stream(id);
      const { chunks, endedAt } = await read(stream);
      client.close();
      expect(swallowedAt).toBeDefined();
      const elapsed = endedAt - (swallowedAt ?? 0);
      console.log(`${transport}: end swallowed, ended ${elapsed} ms later (bound ${BOUND_MS})`);
      expect(elapsed).toBeLessThan(2 * BOUND_MS);
      expect(elapsed).toBeGreaterThanOrEqual(2 * HEARTBEAT_MS + LIVENESS_MARGIN_MS - 100);
      await expectWholeStream(id, chunks);
    },
  );

  it.each(['ws', 'sse'] as const)(
    'keeps a quiet connection that the gateway shows alive with heartbeats (%s)',
    async (transport) => {
      const proxies = await gatewaysBehindProxies();
      const client = new SpoolClient({ baseUrl: proxies.map((proxy) => proxy.url), transport });
      // No worker yet: the stream stays queued, nothing but heartbeats for over twice the bound.
      const { id } = await client.create({ prompt: 'Wait.', params: { seed: 5, max_tokens: 5 } });
      const stream = client.stream(id);
      let reconnects = 0;
      stream.on('state', (state) => {
        reconnects = state.reconnects;
      });
      const reading = read(stream);
      await new Promise((resolve) => setTimeout(resolve, 2 * BOUND_MS + 200));
      await systemOf().startWorker();
      const { chunks } = await reading;
      client.close();
      expect(reconnects).toBe(0);
      await expectWholeStream(id, chunks);
    },
  );
});
