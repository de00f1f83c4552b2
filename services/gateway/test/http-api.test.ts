/**
 * The HTTP API of SPEC section 3 through `app.inject()`, over a real Redis, the real token log
 * and the real generation queue. No worker runs: tests append items through the log themselves.
 */
import { GenerationQueue } from '@spool/generation-queue';
import type { NewItem } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import { redisPerFile } from '@spool/testing/vitest';
import {
  connectRedis,
  newStreamId,
  type RedisClient,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from '@spool/token-log';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission } from '../src/admission.ts';
import { buildApp } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';
import type { GatewayDependencies } from '../src/context.ts';
import { createMetrics } from '../src/metrics.ts';
import { derivedStreamId } from '../src/streams/create-stream.ts';

const redis = redisPerFile();
let client: RedisClient;
const closers: (() => Promise<void>)[] = [];

interface Gateway {
  app: FastifyInstance;
  log: RedisTokenLog;
  queue: GenerationQueue;
}

/** A gateway app with its own queue (so depths do not mix) over the file's Redis. */
async function gateway(
  name: string,
  options: {
    env?: Record<string, string>;
    log?: Partial<RedisTokenLogOptions>;
    ping?: GatewayDependencies['ping'];
  } = {},
): Promise<Gateway> {
  const log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix, ...options.log });
  const queue = new GenerationQueue({
    connection: client,
    prefix: `${redis().keyPrefix}{${name}}`,
  });
  const config = loadGatewayConfig({ SPOOL_MAX_BODY_BYTES: '16384', ...options.env });
  const ping = options.ping ?? (async () => void (await client.ping()));
  const app = await buildApp(config, { log, queue, logger: createLogger('test', 'silent'), ping });
  closers.push(async () => {
    await app.close();
    await queue.close();
    await log.close();
  });
  return { app, log, queue };
}

let main: Gateway;

beforeAll(async () => {
  client = connectRedis(redis().url, { maxRetriesPerRequest: null });
  main = await gateway('q', { env: { SPOOL_MAX_QUEUE_DEPTH: '1000' } });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  client.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { body?: object | string; headers?: Record<string, string>; app?: FastifyInstance } = {},
) {
  return (options.app ?? main.app).inject({
    method,
    url,
    payload: options.body,
    headers: options.headers,
  });
}

/** Every error answers exactly `{ error: { code, message } }` with the code's status. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  return response.json().error.message as string;
}

async function waiting(queue = main.queue): Promise<number> {
  return (await queue.depth()).waiting;
}

async function streamCount(): Promise<number> {
  return (await client.keys(`${redis().keyPrefix}*:meta`)).length;
}

function text(block: number, count: number): NewItem[] {
  return [
    { type: 'block_start', block, kind: 'text' },
    ...Array.from({ length: count }, (_, index) => ({
      type: 'token' as const,
      block,
      text: `t${index}`,
    })),
    { type: 'block_end', block },
  ];
}

const stop: NewItem = { type: 'end', finish_reason: 'stop' };

/** A stream holding `items`, created straight in the log (nothing enqueued). */
async function stored(items: NewItem[], log: RedisTokenLog = main.log): Promise<string> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  if (items.length > 0) await log.append({ streamId, attempt: 1, at: 0, items });
  return streamId;
}

describe('POST /v1/streams', () => {
  it('creates a stream, answers 201 with its urls and enqueues its generation', async () => {
    const before = await waiting();
    const response = await call('POST', '/v1/streams', { body: { prompt: 'Hello' } });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toStrictEqual({
      id: expect.stringMatching(/^st_[A-Za-z0-9_-]{22}$/),
      status: 'queued',
      urls: {
        events: `/v1/streams/${body.id}/events`,
        ws: '/v1/ws',
        items: `/v1/streams/${body.id}/items`,
      },
    });
    expect(await waiting()).toBe(before + 1);
  });

  it('answers absolute urls when a public url is configured', async () => {
    const { app } = await gateway('q-public', {
      env: { SPOOL_PUBLIC_URL: 'https://spool.example.com/' },
    });
    const body = (await call('POST', '/v1/streams', { app, body: { prompt: 'x' } })).json();
    expect(body.urls).toStrictEqual({
      events: `https://spool.example.com/v1/streams/${body.id}/events`,
      ws: 'wss://spool.example.com/v1/ws',
      items: `https://spool.example.com/v1/streams/${body.id}/items`,
    });
  });

  it('returns the same stream for a repeated Idempotency-Key, on any gateway', async () => {
    const other = await gateway('q', { env: { SPOOL_MAX_QUEUE_DEPTH: '1000' } });
    const request = {
      body: { messages: [{ role: 'user', content: 'hi' }], metadata: { a: '1', b: '2' } },
      headers: { 'idempotency-key': 'order-42' },
    };
    const first = await call('POST', '/v1/streams', request);
    const before = await waiting();
    // The same request with its keys in another order is the same request.
    const reordered = {
      ...request,
      body: { metadata: { b: '2', a: '1' }, messages: request.body.messages },
    };
    const second = await call('POST', '/v1/streams', { ...reordered, app: other.app });
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(second.json().id).toBe(first.json().id);
    expect(await waiting()).toBe(before);
  });

  it('derives ids from keys with the secret', () => {
    expect(derivedStreamId('s', 'k')).toBe(derivedStreamId('s', 'k'));
    expect(derivedStreamId('s', 'k')).not.toBe(derivedStreamId('t', 'k'));
    expect(derivedStreamId('s', 'k')).toMatch(/^st_[A-Za-z0-9_-]{22}$/);
  });

  it('refuses a repeated Idempotency-Key with another request', async () => {
    const headers = { 'idempotency-key': 'conflicting' };
    await call('POST', '/v1/streams', { body: { prompt: 'a' }, headers });
    const response = await call('POST', '/v1/streams', { body: { prompt: 'b' }, headers });
    expectError(response, 409, 'idempotency_conflict');
  });

  it.each([
    ['empty', ''],
    ['with a space', 'two words'],
    ['too long', 'k'.repeat(256)],
  ])('refuses an Idempotency-Key that is %s', async (_, key) => {
    const before = await streamCount();
    const response = await call('POST', '/v1/streams', {
      body: { prompt: 'x' },
      headers: { 'idempotency-key': key },
    });
    expect(expectError(response, 400, 'invalid_request')).toMatch(/Idempotency-Key/);
    expect(await streamCount()).toBe(before);
  });

  const json = { 'content-type': 'application/json' };
  it.each([
    { name: 'neither prompt nor messages', body: { model: 'm' }, message: /exactly one/ },
    {
      name: 'both',
      body: { prompt: 'x', messages: [{ role: 'user', content: 'y' }] },
      message: /exactly one/,
    },
    { name: 'a prompt that is no string', body: { prompt: 42 }, message: /^prompt: / },
    {
      name: 'an unknown role',
      body: { messages: [{ role: 'wizard', content: 'x' }] },
      message: /^messages\[0\]\.role: /,
    },
    {
      name: 'a huge metadata value',
      body: { prompt: 'x', metadata: { k: 'v'.repeat(513) } },
      message: /^metadata\.k: /,
    },
    {
      name: 'too many metadata entries',
      body: {
        prompt: 'x',
        metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])),
      },
      message: /^metadata: /,
    },
    {
      name: 'params that are not scalars',
      body: { prompt: 'x', params: { seed: [1] } },
      message: /^params\.seed: /,
    },
    { name: 'a JSON array', body: '[1]', headers: json, message: /^body: / },
    { name: 'broken JSON', body: '{"prompt":', headers: json, message: /JSON/ },
    { name: 'an empty JSON body', body: '', headers: json, message: /^body: / },
    {
      name: 'a __proto__ key',
      body: '{"prompt":"x","__proto__":{"a":1}}',
      headers: json,
      message: /./,
    },
    {
      name: 'another content type',
      body: 'prompt=x',
      headers: { 'content-type': 'text/plain' },
      message: /./,
    },
  ])('refuses a body with $name and creates nothing', async ({ body, headers, message }) => {
    const [depth, streams] = [await waiting(), await streamCount()];
    const response = await call('POST', '/v1/streams', { body, headers });
    expect(expectError(response, 400, 'invalid_request')).toMatch(message);
    expect([await waiting(), await streamCount()]).toEqual([depth, streams]);
  });

  it('refuses a body over the limit with 413 and creates nothing', async () => {
    const [depth, streams] = [await waiting(), await streamCount()];
    const response = await call('POST', '/v1/streams', { body: { prompt: 'x'.repeat(20_000) } });
    expectError(response, 413, 'payload_too_large');
    expect([await waiting(), await streamCount()]).toEqual([depth, streams]);
  });

  it('answers 429 with Retry-After once the queue depth reaches the bound', async () => {
    const { app } = await gateway('q-admission', { env: { SPOOL_MAX_QUEUE_DEPTH: '3' } });
    for (let index = 0; index < 3; index++) {
      expect((await call('POST', '/v1/streams', { app, body: { prompt: 'x' } })).statusCode).toBe(
        201,
      );
    }
    await sleep(300); // Past the depth cache.
    const streams = await streamCount();
    const response = await call('POST', '/v1/streams', { app, body: { prompt: 'x' } });
    expectError(response, 429, 'over_capacity');
    expect(response.headers['retry-after']).toBe('1');
    expect(await streamCount()).toBe(streams);
    const metrics = (await call('GET', '/metrics', { app })).body;
    expect(metrics).toContain('spool_admission_rejected_total{reason="queue_depth"} 1');
    expect(metrics).toContain('spool_queue_waiting 3');
  });
});

describe('admission', () => {
  it('shares one queue depth read among concurrent checks', async () => {
    let reads = 0;
    const queue = {
      depth: () => {
        reads++;
        return main.queue.depth();
      },
    };
    const config = loadGatewayConfig({ SPOOL_MAX_QUEUE_DEPTH: '1000' });
    const admission = new Admission({ queue, config, metrics: createMetrics() });
    await Promise.all(Array.from({ length: 20 }, () => admission.checkCreate()));
    await admission.checkCreate();
    expect(reads).toBe(1);
    expect(admission.lastDepth).toStrictEqual(await main.queue.depth());
  });

  it('refuses connections at the bound and counts the refusals', async () => {
    const metrics = createMetrics();
    const config = loadGatewayConfig({ SPOOL_MAX_CONNECTIONS: '2' });
    const admission = new Admission({ queue: main.queue, config, metrics });
    expect(() => admission.checkConnection(1)).not.toThrow();
    expect(() => admission.checkConnection(2)).toThrow(/limit 2/);
    expect(() => admission.checkConnection(3)).toThrow(
      expect.objectContaining({ code: 'over_capacity', status: 429 }),
    );
    expect(await metrics.registry.metrics()).toContain(
      'spool_admission_rejected_total{reason="connections"} 2',
    );
  });
});

describe('GET /v1/streams/:id', () => {
  it('answers the metadata of a stream as it runs and ends', async () => {
    const body = { prompt: 'x', model: 'tiny', metadata: { user: 'u1' } };
    const { id } = (await call('POST', '/v1/streams', { body })).json();
    const queued = (await call('GET', `/v1/streams/${id}`)).json();
    expect(queued).toStrictEqual({
      id,
      status: 'queued',
      length: 0,
      model: 'tiny',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      metadata: { user: 'u1' },
    });
    expect(Math.abs(Date.parse(queued.created_at) - Date.now())).toBeLessThan(10_000);
    await main.log.append({ streamId: id, attempt: 1, at: 0, items: [...text(0, 2), stop] });
    const ended = (await call('GET', `/v1/streams/${id}`)).json();
    expect(ended).toMatchObject({ status: 'done', length: 5, finish_reason: 'stop' });
  });

  it('answers a null model when none was given', async () => {
    const response = await call('GET', `/v1/streams/${await stored([])}`);
    expect(response.json()).toMatchObject({ model: null, status: 'queued' });
    expect(response.json()).not.toHaveProperty('metadata');
  });

  it.each([
    ['an invalid id', '/v1/streams/nope', 400, 'invalid_stream_id'],
    ['an unknown stream', `/v1/streams/${newStreamId()}`, 404, 'stream_not_found'],
  ])('refuses %s', async (_, url, status, code) => {
    expectError(await call('GET', url), status, code);
  });
});

describe('GET /v1/streams/:id/items', () => {
  it('pages through a stream with from, limit, next and done', async () => {
    const id = await stored([...text(0, 7), stop]);
    const first = (await call('GET', `/v1/streams/${id}/items?limit=4`)).json();
    expect(first.items.map((item: { offset: number }) => item.offset)).toEqual([0, 1, 2, 3]);
    expect(first.items[1]).toStrictEqual({ offset: 1, type: 'token', block: 0, text: 't0' });
    expect([first.next, first.done]).toEqual([4, false]);
    const rest = (await call('GET', `/v1/streams/${id}/items?from=${first.next}`)).json();
    expect(rest.items.map((item: { offset: number }) => item.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rest.items.at(-1)).toStrictEqual({ offset: 9, type: 'end', finish_reason: 'stop' });
    expect([rest.next, rest.done]).toEqual([10, true]);
    const atEnd = (await call('GET', `/v1/streams/${id}/items?from=10`)).json();
    expect(atEnd).toStrictEqual({ items: [], next: 10, done: true });
  });

  it('is not done at the end of a stream that is still running', async () => {
    const id = await stored(text(0, 2));
    const body = (await call('GET', `/v1/streams/${id}/items`)).json();
    expect([body.items.length, body.next, body.done]).toEqual([4, 4, false]);
  });

  it('answers the items of one block, across pages of the log', async () => {
    // Block 1 spans offsets 5..1506, so it crosses the 1000-item pages the route reads.
    const id = await stored([...text(0, 3), ...text(1, 1500), ...text(2, 2), stop]);
    const url = `/v1/streams/${id}/items`;
    const block2 = (await call('GET', `${url}?block=2`)).json();
    expect(block2.items.map((item: { type: string }) => item.type)).toEqual([
      'block_start',
      'token',
      'token',
      'block_end',
    ]);
    expect(block2.items[0].offset).toBe(1507);
    expect([block2.next, block2.done]).toEqual([1511, true]);

    const page = (await call('GET', `${url}?block=1&limit=1000`)).json();
    expect([page.items.length, page.items[0].offset, page.next, page.done]).toEqual([
      1000,
      5,
      1005,
      false,
    ]);
    const last = (await call('GET', `${url}?block=1&limit=1000&from=${page.next}`)).json();
    expect([last.items.length, last.items[0].offset, last.items.at(-1).type]).toEqual([
      502,
      1005,
      'block_end',
    ]);
    expect([last.next, last.done]).toEqual([1507, true]);

    expect((await call('GET', `${url}?block=7`)).json()).toStrictEqual({
      items: [],
      next: 1512,
      done: true,
    });
  });

  it('answers a block still being written as not done', async () => {
    const id = await stored([
      ...text(0, 1),
      { type: 'block_start', block: 1, kind: 'reasoning' },
      { type: 'token', block: 1, text: 'hm' },
    ]);
    const body = (await call('GET', `/v1/streams/${id}/items?block=1`)).json();
    expect([body.items.length, body.next, body.done]).toEqual([2, 5, false]);
  });

  it.each([
    ['a negative from', '?from=-1', 400, 'invalid_offset'],
    ['a from that is no number', '?from=abc', 400, 'invalid_offset'],
    ['a fractional from', '?from=1.5', 400, 'invalid_offset'],
    ['a zero limit', '?limit=0', 400, 'invalid_request'],
    ['a limit over 1000', '?limit=1001', 400, 'invalid_request'],
    ['a block that is no number', '?block=first', 400, 'invalid_request'],
    ['a from beyond the end', '?from=11', 400, 'offset_out_of_range'],
  ])('refuses %s', async (_, query, status, code) => {
    const id = await stored([...text(0, 7), stop]);
    expectError(await call('GET', `/v1/streams/${id}/items${query}`), status, code);
  });

  it('refuses bad and unknown stream ids', async () => {
    expectError(await call('GET', '/v1/streams/st_short/items'), 400, 'invalid_stream_id');
    expectError(await call('GET', `/v1/streams/${newStreamId()}/items`), 404, 'stream_not_found');
  });

  it('answers 410 offset_expired below the trim mark', async () => {
    const id = await stored(text(0, 198)); // 200 items: entries of 64.
    expect(await main.log.trim(id, 100)).toBe(64);
    expectError(await call('GET', `/v1/streams/${id}/items?from=10`), 410, 'offset_expired');
    expectError(await call('GET', `/v1/streams/${id}/items?block=0`), 410, 'offset_expired');
    const kept = (await call('GET', `/v1/streams/${id}/items?from=64&limit=1`)).json();
    expect(kept.items[0].offset).toBe(64);
  });

  it('answers 410 stream_expired once the retention has passed', async () => {
    const { app, log } = await gateway('q-expiry', { log: { retentionMs: 100 } });
    const id = await stored([...text(0, 1), stop], log);
    await sleep(150);
    expectError(await call('GET', `/v1/streams/${id}`, { app }), 410, 'stream_expired');
    expectError(await call('GET', `/v1/streams/${id}/items`, { app }), 410, 'stream_expired');
  });
});

describe('POST /v1/streams/:id/cancel', () => {
  it('ends a queued stream as cancelled', async () => {
    const { id } = (await call('POST', '/v1/streams', { body: { prompt: 'x' } })).json();
    const response = await call('POST', `/v1/streams/${id}/cancel`, {
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expect([response.statusCode, response.json()]).toStrictEqual([
      202,
      { id, status: 'cancelled' },
    ]);
    expect((await call('GET', `/v1/streams/${id}`)).json()).toMatchObject({
      status: 'cancelled',
      finish_reason: 'cancelled',
    });
    const items = (await call('GET', `/v1/streams/${id}/items`)).json();
    expect(items).toStrictEqual({
      items: [{ offset: 0, type: 'end', finish_reason: 'cancelled' }],
      next: 1,
      done: true,
    });
  });

  it('flags a running stream for its worker', async () => {
    const id = await stored(text(0, 1));
    const response = await call('POST', `/v1/streams/${id}/cancel`);
    expect([response.statusCode, response.json()]).toStrictEqual([202, { id, status: 'running' }]);
    expect((await main.log.meta(id)).cancelRequested).toBe(true);
  });

  it('refuses bad and unknown stream ids', async () => {
    expectError(await call('POST', '/v1/streams/x/cancel'), 400, 'invalid_stream_id');
    expectError(await call('POST', `/v1/streams/${newStreamId()}/cancel`), 404, 'stream_not_found');
  });
});

describe('subscriptions', () => {
  const base = (id: string) => `/v1/streams/${id}/subscriptions`;

  it('creates, acknowledges and deletes a subscription', async () => {
    const id = await stored(text(0, 8));
    const created = await call('POST', base(id));
    expect(created.statusCode).toBe(201);
    const { subscription, from } = created.json();
    expect([subscription, from]).toEqual([expect.stringMatching(/^sub_[A-Za-z0-9_-]{22}$/), 0]);
    const ack = await call('POST', `${base(id)}/${subscription}/ack`, { body: { offset: 5 } });
    expect([ack.statusCode, ack.json()]).toStrictEqual([200, { subscription, acked: 5 }]);
    const older = await call('POST', `${base(id)}/${subscription}/ack`, { body: { offset: 2 } });
    expect(older.json()).toStrictEqual({ subscription, acked: 5 });
    const deleted = await call('DELETE', `${base(id)}/${subscription}`);
    expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
    expectError(await call('DELETE', `${base(id)}/${subscription}`), 404, 'subscription_not_found');
    const late = await call('POST', `${base(id)}/${subscription}/ack`, { body: { offset: 6 } });
    expectError(late, 404, 'subscription_not_found');
  });

  it('starts where asked, or at 0 for an empty JSON body', async () => {
    const id = await stored(text(0, 8));
    expect((await call('POST', base(id), { body: { from: 3 } })).json().from).toBe(3);
    const empty = await call('POST', base(id), {
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expect([empty.statusCode, empty.json().from]).toEqual([201, 0]);
  });

  it.each([
    [
      'a negative from',
      (id: string) => call('POST', base(id), { body: { from: -1 } }),
      400,
      'invalid_offset',
    ],
    [
      'a from beyond the end',
      (id: string) => call('POST', base(id), { body: { from: 99 } }),
      400,
      'offset_out_of_range',
    ],
    [
      'an ack without offset',
      (id: string) => call('POST', `${base(id)}/sub_aaaaaaaaaaaaaaaaaaaaaa/ack`, { body: {} }),
      400,
      'invalid_offset',
    ],
    [
      'a bad subscription id',
      (id: string) => call('POST', `${base(id)}/nope/ack`, { body: { offset: 1 } }),
      400,
      'invalid_subscription_id',
    ],
    [
      'an unknown subscription',
      (id: string) =>
        call('POST', `${base(id)}/sub_aaaaaaaaaaaaaaaaaaaaaa/ack`, { body: { offset: 1 } }),
      404,
      'subscription_not_found',
    ],
    ['an unknown stream', () => call('POST', base(newStreamId())), 404, 'stream_not_found'],
    [
      'a bad stream id',
      () => call('DELETE', '/v1/streams/bad/subscriptions/sub_aaaaaaaaaaaaaaaaaaaaaa'),
      400,
      'invalid_stream_id',
    ],
  ])('refuses %s', async (_, send, status, code) => {
    const id = await stored(text(0, 8));
    expectError(await send(id), status, code);
  });

  it('refuses an ack beyond the end of the stream', async () => {
    const id = await stored(text(0, 1));
    const { subscription } = (await call('POST', base(id))).json();
    const response = await call('POST', `${base(id)}/${subscription}/ack`, { body: { offset: 4 } });
    expectError(response, 400, 'offset_out_of_range');
  });
});

describe('health, metrics and routing', () => {
  it('answers liveness, readiness and metrics', async () => {
    const health = await call('GET', '/healthz');
    expect([health.statusCode, health.json()]).toStrictEqual([200, { status: 'ok' }]);
    const ready = await call('GET', '/readyz');
    expect([ready.statusCode, ready.json()]).toStrictEqual([200, { status: 'ready' }]);
    const metrics = await call('GET', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('spool_connections');
    expect(metrics.body).toMatch(/^spool_queue_waiting \d+$/m);
  });

  it('is not ready when Redis does not answer', async () => {
    const failing = await gateway('q-down', { ping: () => Promise.reject(new Error('boom')) });
    expectError(await call('GET', '/readyz', { app: failing.app }), 503, 'redis_unavailable');
    const hanging = await gateway('q-hang', { ping: () => new Promise<void>(() => {}) });
    expectError(await call('GET', '/readyz', { app: hanging.app }), 503, 'redis_unavailable');
    expect((await call('GET', '/healthz', { app: hanging.app })).statusCode).toBe(200);
  });

  it('answers 503 draining to readiness and new requests while draining', async () => {
    const { app } = await gateway('q-drain');
    app.spool.draining = true;
    const ready = await call('GET', '/readyz', { app });
    expectError(ready, 503, 'draining');
    expect(ready.headers['retry-after']).toBe('1');
    expectError(await call('POST', '/v1/streams', { app, body: { prompt: 'x' } }), 503, 'draining');
    expectError(await call('GET', `/v1/streams/${newStreamId()}`, { app }), 503, 'draining');
    expect((await call('GET', '/healthz', { app })).statusCode).toBe(200);
    expect((await call('GET', '/metrics', { app })).statusCode).toBe(200);
  });

  it('answers 404 route_not_found for an unknown route', async () => {
    expectError(await call('GET', '/v1/nothing'), 404, 'route_not_found');
    expectError(await call('DELETE', '/v1/streams'), 404, 'route_not_found');
  });
});
