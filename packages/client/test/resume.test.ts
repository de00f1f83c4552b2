import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SpoolClient, type SpoolClientOptions, type StreamState } from '../src/index.ts';
import { collect, range } from './collect.ts';
import {
  answer,
  lengthReached,
  liveStream,
  sleep,
  startTestGateway,
  storedItems,
  storedStream,
  type TestGateway,
  textOf,
} from './gateways.ts';

const redis = redisPerFile();
let shared: TestGateway;
const clients: SpoolClient[] = [];
const gateways: TestGateway[] = [];

function client(options: SpoolClientOptions): SpoolClient {
  const created = new SpoolClient({
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...options,
  });
  clients.push(created);
  return created;
}

async function gatewayPair(): Promise<[TestGateway, TestGateway]> {
  const pair = await Promise.all([startTestGateway(redis()), startTestGateway(redis())]);
  gateways.push(...pair);
  return pair;
}

/** A seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

beforeAll(async () => {
  shared = await startTestGateway(redis());
});
afterAll(async () => {
  for (const each of clients) each.close();
  await Promise.all([shared, ...gateways].map((gateway) => gateway.drain()));
});

const modes = [
  { name: 'WebSocket', transport: 'ws' as const },
  { name: 'WebSocket from the ws package', transport: 'ws' as const, WebSocket },
  { name: 'SSE', transport: 'sse' as const },
  { name: 'WebSocket with a durable subscription', transport: 'ws' as const, subscribe: true },
  { name: 'SSE with a durable subscription', transport: 'sse' as const, subscribe: true },
];

describe.each(modes)('over $name', ({ transport, WebSocket: implementation, subscribe }) => {
  it('hands every item over exactly once, in order, however often the connection drops', async () => {
    const { streamId, done } = await liveStream(shared.log, answer(1_500), {
      batch: 4,
      everyMs: 1,
    });
    const spool = client({ baseUrl: shared.url, transport, WebSocket: implementation });
    const subscription = subscribe
      ? (await spool.createSubscription(streamId)).subscription
      : undefined;
    const stream = spool.stream(streamId, subscription ? { subscription } : {});
    const states: StreamState[] = [];
    stream.on('state', (state) => states.push(state));
    const random = seeded(transport.length * 7 + (subscribe ? 3 : 1));
    let drops = 0;
    const read = await collect(stream, {
      each: async () => {
        if (drops < 8 && random() < 0.03) {
          drops += 1;
          stream.drop();
          if (random() < 0.5) await sleep(5);
        }
      },
    });
    await done;
    const stored = await storedItems(shared.log, streamId);
    expect(read.offsets).toEqual(range(0, stored.length));
    expect(read.text).toBe(textOf(stored));
    expect(drops).toBeGreaterThanOrEqual(3);
    expect(states.filter((state) => state.connected).length).toBeGreaterThan(drops / 2);
  });
});

const kills = [
  { name: 'drains (close 1012 / draining)', abrupt: false },
  { name: 'dies abruptly', abrupt: true },
];

describe.each(kills)('a gateway that $name mid-stream', ({ abrupt }) => {
  it.each(['ws', 'sse'] as const)(
    'moves to the other gateway of the list over %s, nothing lost or repeated',
    async (transport) => {
      const [first, second] = await gatewayPair();
      const { streamId, done } = await liveStream(shared.log, answer(800), {
        batch: 4,
        everyMs: 1,
      });
      const spool = client({ baseUrl: [first.url, second.url], transport });
      const stream = spool.stream(streamId, { highWaterMark: 64 });
      const gatewaysSeen = new Set<string>();
      let killed: Promise<void> | undefined;
      const read = await collect(stream, {
        each: () => {
          if (stream.gateway) gatewaysSeen.add(stream.gateway);
          if (stream.offset >= 200) killed ??= abrupt ? killAbruptly(first) : first.drain();
        },
      });
      await killed;
      await done;
      const stored = await storedItems(second.log, streamId);
      expect(read.offsets).toEqual(range(0, stored.length));
      expect(read.text).toBe(textOf(stored));
      expect(stream.gateway).toBe(second.url);
      expect([...gatewaysSeen]).toEqual([first.url, second.url]);
    },
  );
});

/** Cuts every socket and connection, WebSockets included, then closes the server. */
async function killAbruptly(gateway: TestGateway): Promise<void> {
  const { websocketServer } = gateway.app as unknown as {
    websocketServer: { clients: Set<WebSocket> };
  };
  for (const socket of websocketServer.clients) socket.terminate();
  await gateway.kill();
}

describe('durable subscriptions', () => {
  it.each([
    ['ws', 'sse'],
    ['sse', 'ws'],
    ['ws', 'ws'],
  ] as const)(
    'resume on another gateway where the last reader acknowledged (%s, then %s)',
    async (before, after) => {
      const [first, second] = await gatewayPair();
      const streamId = await storedStream(shared.log, answer(600));
      const one = client({ baseUrl: first.url, transport: before });
      const { subscription } = await one.createSubscription(streamId);
      const firstStream = one.stream(streamId, { subscription, highWaterMark: 32 });
      const firstRead = await collect(firstStream, {
        each: () => {
          if (firstStream.offset >= 250) firstStream.close();
        },
      });
      const stoppedAt = firstStream.offset;
      expect(firstRead.offsets).toEqual(range(0, stoppedAt));
      // The last acknowledgement travels on its own (a frame, or a POST for SSE).
      while ((await first.log.pending(streamId, subscription)).acked < stoppedAt) await sleep(5);
      const two = client({ baseUrl: second.url, transport: after });
      const secondStream = two.stream(streamId, { subscription });
      const secondRead = await collect(secondStream);
      const stored = await storedItems(second.log, streamId);
      expect(secondRead.offsets).toEqual(range(stoppedAt, stored.length));
      expect(firstRead.text + secondRead.text).toBe(textOf(stored));
      // Everything the application consumed ends up acknowledged.
      while ((await second.log.pending(streamId, subscription)).acked < stored.length)
        await sleep(5);
    },
  );

  it('starts at the acknowledged offset of an existing subscription', async () => {
    const { streamId, done } = await liveStream(shared.log, answer(100), { batch: 10, everyMs: 1 });
    await lengthReached(shared.log, streamId, 50);
    const spool = client({ baseUrl: shared.url });
    const { subscription } = await spool.createSubscription(streamId, { from: 30 });
    const stream = spool.stream(streamId, { subscription });
    const read = await collect(stream);
    await done;
    expect(read.offsets).toEqual(range(30, 103));
  });
});
