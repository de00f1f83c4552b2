/**
 * `@durable-streams/client` (0.2.7, unmodified) follows a Spool token stream through its
 * Durable Streams read API (`/v1/stream/<stream id>`, a JSON stream, one message per item) while
 * the connection is dropped and then the gateway it reads from is SIGKILLed: it must hand the
 * application every item once, in order, equal to `GET /v1/streams/:id/items`, and end when the
 * stream closes. Real processes: a worker and two gateways on the suite's Redis (one server, or
 * the 3-master Cluster with `E2E_REDIS=cluster`).
 *
 * The client takes one URL. In front of each gateway sits a TCP fault proxy (`cut()` destroys
 * the client's socket); the client is given a `fetch` that sends each request to the current
 * gateway's proxy and, when a request fails at the network level (the gateway is gone), moves to
 * the next gateway before the client retries — what a load balancer's health check does.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { DurableStreamError, FetchError, stream } from '@durable-streams/client';
import type { Item } from '@spool/protocol';
import { type FaultProxy, startFaultProxy } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import { type GatewayProcess, systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

/** Routes requests to the current gateway's proxy; a network failure moves to the next one. */
class GatewayFront {
  readonly #proxies: FaultProxy[];
  #current = 0;
  switches = 0;
  requests = 0;

  constructor(proxies: FaultProxy[]) {
    this.#proxies = proxies;
  }

  get current(): number {
    return this.#current;
  }

  /** The URL the client is given: its origin is replaced on every request. */
  url(path: string): string {
    return `http://spool.invalid${path}`;
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    const proxy = this.#proxies[this.#current];
    if (!proxy) throw new Error('no gateway');
    const url = `${proxy.url}${target.pathname}${target.search}`;
    this.requests++;
    try {
      return await fetch(url, init);
    } catch (error) {
      if (!init?.signal?.aborted) {
        this.#current = (this.#current + 1) % this.#proxies.length;
        this.switches++;
      }
      throw error;
    }
  };
}

async function createStream(gateway: GatewayProcess): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/streams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt: 'Follow me through faults.',
      params: { seed: 15, max_tokens: 400 },
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Every item of the finished stream, page by page. */
async function itemsOf(gateway: GatewayProcess, id: string): Promise<Item[]> {
  const items: Item[] = [];
  for (let from = 0; ; ) {
    const response = await fetch(`${gateway.url}/v1/streams/${id}/items?from=${from}&limit=500`);
    const page = (await response.json()) as { items: Item[]; next: number };
    items.push(...page.items);
    if (page.items.length === 0 || items.at(-1)?.type === 'end') return items;
    from = page.next;
  }
}

/**
 * Follows the stream from `-1` until it is closed. The client (0.2.7) retries a request that
 * fails by itself (long-poll, and connecting), but a response body cut mid-stream (an SSE
 * connection reset, its gateway killed) ends its session in an error: the application then
 * starts a new session from the offset after the last batch it handled, as the protocol's
 * offsets are meant to be used. A session's `closed` settles before `subscribeJson` has handed
 * over what it had buffered: on a close the subscriber is given time to get the last batch; on
 * an error it takes nothing more, and as it handles a batch and its offset in one synchronous
 * step, the next session starts exactly where the application stopped. Resolves with the
 * sessions it took and the errors that ended them.
 */
async function follow(input: {
  url: string;
  live: 'long-poll' | 'sse';
  fetch: typeof globalThis.fetch;
  onItems: (items: readonly Item[]) => void;
}): Promise<{ sessions: number; errors: string[] }> {
  const signal = AbortSignal.timeout(60_000);
  const errors: string[] = [];
  let offset = '-1';
  let closed = false;
  for (let sessions = 1; ; sessions++) {
    const response = await stream<Item>({
      url: input.url,
      offset,
      live: input.live,
      json: true,
      fetch: input.fetch,
      signal,
      backoffOptions: { initialDelay: 50, maxDelay: 500, multiplier: 2, maxRetries: 100 },
      // The first request of a session, failed: retried (the front has moved on already).
      onError: (error) =>
        error instanceof FetchError || error instanceof DurableStreamError ? {} : undefined,
      sseResilience: { logWarnings: false },
    });
    // Set once the session failed: what its subscription still hands over is not taken.
    let ended = false;
    let onClose: () => void = () => undefined;
    const closeSeen = new Promise<void>((resolve) => {
      onClose = resolve;
    });
    const unsubscribe = response.subscribeJson<Item>((batch) => {
      if (ended) return;
      input.onItems(batch.items);
      offset = batch.offset;
      if (batch.streamClosed) {
        closed = true;
        onClose();
      }
    });
    try {
      await response.closed;
      // A session closes when its last response is read, before the subscriber has had it.
      await Promise.race([closeSeen, sleep(5_000)]);
    } catch (error) {
      if (signal.aborted) throw error;
      errors.push(error instanceof Error ? error.message : String(error));
    } finally {
      ended = true;
      unsubscribe();
    }
    if (closed) return { sessions, errors };
    if (signal.aborted) throw new Error('the stream did not close within 60 s');
  }
}

describe('@durable-streams/client on a Spool token stream', () => {
  it.for(['long-poll', 'sse'] as const)(
    'gets every item once, in order, through a dropped connection and a gateway SIGKILL (%s)',
    async (live) => {
      const system = systemOf();
      const gateways = [await system.startGateway(), await system.startGateway()];
      await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '100' });
      const proxies = await Promise.all(
        gateways.map((gateway) => {
          const { hostname, port } = new URL(gateway.url);
          return startFaultProxy({ target: { host: hostname, port: Number(port) } });
        }),
      );
      try {
        const [first] = gateways;
        if (!first) throw new Error('no gateway');
        const id = await createStream(first);
        const front = new GatewayFront(proxies);
        const started = performance.now();
        const marks: Record<string, number> = {};
        const received: Item[] = [];
        let killed: number | undefined;
        let killing: Promise<unknown> = Promise.resolve();
        const onItems = (items: readonly Item[]) => {
          for (const item of items) {
            received.push(item);
            if (received.length === 60) {
              marks.dropped = performance.now() - started;
              proxies[front.current]?.cut();
            }
            if (received.length === 150) {
              marks.killed = performance.now() - started;
              killed = front.current;
              killing = gateways[killed]?.service.kill('SIGKILL') ?? killing;
            }
          }
        };
        const { sessions, errors } = await follow({
          url: front.url(`/v1/stream/${id}`),
          live,
          fetch: front.fetch,
          onItems,
        });
        marks.ended = performance.now() - started;
        await killing;
        expect(killed).toBeDefined();
        const survivor = gateways.find((_, index) => index !== killed);
        if (!survivor) throw new Error('no gateway left');
        const items = await itemsOf(survivor, id);
        expect(items.at(-1)?.type).toBe('end');
        expect(received.map((item) => item.offset)).toEqual(items.map((item) => item.offset));
        expect(received).toEqual(items);
        process.stdout.write(
          `durable-streams-client ${live}: ${received.length} items; dropped at ${marks.dropped?.toFixed(0)} ms, SIGKILL at ${marks.killed?.toFixed(0)} ms, closed at ${marks.ended.toFixed(0)} ms; ${front.requests} requests, ${front.switches} gateway switches, ${proxies.map((proxy) => proxy.accepted).join(' + ')} connections; ${sessions} client sessions (${errors.join('; ') || 'no session ended in an error'})\n`,
        );
      } finally {
        await Promise.all(proxies.map((proxy) => proxy.close()));
      }
    },
  );
});
