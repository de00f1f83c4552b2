import net from 'node:net';
import type { Item } from '@spool/protocol';
import { offsetsOf, readSse, textOf } from '@spool/testing';
import { connectRedis } from '@spool/token-log';
import { describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

function textOfItems(items: Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

async function createThrough(url: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${url}/v1/streams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

/** Connections Redis reports for the gateway (CLIENT LIST, by connection name). */
async function gatewayConnections(): Promise<number> {
  const admin = connectRedis(systemOf().redis.url);
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(' name=spool-gateway ')).length;
  } finally {
    admin.disconnect();
  }
}

async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics?gc=1`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]);
}

/** The heap after a full collection (the gateway runs with --expose-gc): what is retained. */
async function settledHeap(url: string): Promise<number> {
  await heapUsed(url);
  return heapUsed(url);
}

describe('SSE across gateway processes', () => {
  it('resumes a connection cut at a random point on a second gateway with Last-Event-ID', async () => {
    const system = systemOf();
    const [first, second] = [await system.startGateway(), await system.startGateway()];
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '400' });
    const { id } = await createThrough(first.url, {
      prompt: 'Explain backpressure.',
      params: { seed: 3, max_tokens: 400 },
    });
    const cut = 2 + Math.floor(Math.random() * 60);
    const before = await readSse(`${first.url}/v1/streams/${id}/events`, { stopAfter: cut });
    const after = await readSse(`${second.url}/v1/streams/${id}/events`, {
      headers: { 'Last-Event-ID': before.lastId ?? '0' },
    });
    const items = await system.waitForEnd(id);
    expect([...offsetsOf(before.messages), ...offsetsOf(after.messages)]).toEqual(
      items.map((item) => item.offset),
    );
    expect(textOf(before.messages) + textOf(after.messages)).toBe(textOfItems(items));
  });

  it('resumes a subscription acknowledged through the ack endpoint on another gateway, without an offset', async () => {
    const system = systemOf();
    const [first, second] = [await system.startGateway(), await system.startGateway()];
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0' });
    const { id } = await createThrough(first.url, {
      prompt: 'Subscribe.',
      params: { max_tokens: 120 },
    });
    await system.waitForEnd(id);
    const created = await fetch(`${first.url}/v1/streams/${id}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const { subscription } = (await created.json()) as { subscription: string };
    const part = await readSse(
      `${first.url}/v1/streams/${id}/events?subscription=${subscription}`,
      { stopAfter: 4 },
    );
    const processed = Number(part.lastId);
    const ack = await fetch(`${first.url}/v1/streams/${id}/subscriptions/${subscription}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offset: processed }),
    });
    expect(ack.status).toBe(200);
    const rest = await readSse(
      `${second.url}/v1/streams/${id}/events?subscription=${subscription}`,
    );
    const items = await system.log.read(id, 0, 10_000);
    expect(offsetsOf(rest.messages)).toEqual(
      items.items.slice(processed).map((item) => item.offset),
    );
  });

  it('ends open SSE responses with draining at SIGTERM, and the client resumes on another gateway', async () => {
    const system = systemOf();
    const [draining, other] = [await system.startGateway(), await system.startGateway()];
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '100' });
    const { id } = await createThrough(draining.url, {
      prompt: 'Drain.',
      params: { seed: 1, max_tokens: 200 },
    });
    const reading = readSse(`${draining.url}/v1/streams/${id}/events`);
    await expect.poll(async () => (await system.log.meta(id)).length).toBeGreaterThan(10);
    const exit = draining.service.stop();
    const cut = await reading;
    expect((await exit).code).toBe(0);
    expect(cut.messages.at(-1)).toMatchObject({ kind: 'error', error: { code: 'draining' } });
    const rest = await readSse(`${other.url}/v1/streams/${id}/events`, {
      headers: { 'Last-Event-ID': cut.lastId ?? '0' },
    });
    const items = await system.waitForEnd(id);
    expect(textOf(cut.messages) + textOf(rest.messages)).toBe(textOfItems(items));
  });

  it('keeps its heap flat while 50 clients stop reading and 100,000 items are appended', async () => {
    const system = systemOf();
    const gateway = await system.startGateway({ SPOOL_STALL_TIMEOUT_MS: '10m' }, ['--expose-gc']);
    const streamId = await system.generate('unused', {});
    // No worker: the test appends the items itself, as fast as Redis takes them.
    const sockets = await Promise.all(
      Array.from({ length: 50 }, () =>
        openStalledReader(gateway.url, `/v1/streams/${streamId}/events`),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const baseline = await settledHeap(gateway.url);
    // 100-character tokens: 10 MB per client, more than loopback's socket buffers can absorb,
    // so every client really stalls and the gateway must stop pulling for it.
    const text = `${'x'.repeat(99)} `;
    for (let at = 0; at < 100_000; at += 50) {
      const items = Array.from({ length: 50 }, () => ({ type: 'token' as const, block: 0, text }));
      await system.log.append({ streamId, attempt: 1, at, items });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await settledHeap(gateway.url);
    const growth = after - baseline;
    const bufferingCost = 50 * 100_000 * text.length;
    console.log(
      `gateway heap: ${(baseline / 1e6).toFixed(1)} MB → ${(after / 1e6).toFixed(1)} MB (growth ${(growth / 1e6).toFixed(1)} MB; buffering the items would cost ≥ ${(bufferingCost / 1e6).toFixed(0)} MB)`,
    );
    expect(growth).toBeLessThan(bufferingCost / 10);
    for (const socket of sockets) socket.destroy();
  });

  it('uses the same number of Redis connections for 1 and for 1,000 SSE clients', async () => {
    const system = systemOf();
    const gateway = await system.startGateway({ SPOOL_MAX_CONNECTIONS: '5000' });
    const streamId = await system.generate('unused', {});
    const one = await openStalledReader(gateway.url, `/v1/streams/${streamId}/events`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const withOne = await gatewayConnections();
    const many = await Promise.all(
      Array.from({ length: 999 }, () =>
        openStalledReader(gateway.url, `/v1/streams/${streamId}/events`),
      ),
    );
    await expect
      .poll(
        async () =>
          Number(
            /^spool_connections\{transport="sse"\} (\d+)/m.exec(
              await (await fetch(`${gateway.url}/metrics`)).text(),
            )?.[1],
          ),
        { timeout: 15_000 },
      )
      .toBe(1_000);
    expect(await gatewayConnections()).toBe(withOne);
    expect(withOne).toBeLessThanOrEqual(3);
    for (const socket of [one, ...many]) socket.destroy();
  });
});

/** A client that sends its request and then reads nothing: its socket is paused. */
function openStalledReader(baseUrl: string, path: string): Promise<net.Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      socket.once('data', () => {
        socket.pause();
        resolve(socket);
      });
    });
    socket.on('error', reject);
  });
}
