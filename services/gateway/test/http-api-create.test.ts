/** The HTTP API: creating streams (`Idempotency-Key`, validation) and admission control. */
import { describe, expect, it } from 'vitest';
import { Admission } from '../src/admission.ts';
import { loadGatewayConfig } from '../src/config.ts';
import { createMetrics } from '../src/metrics.ts';
import { derivedStreamId } from '../src/streams/create-stream.ts';
import { expectError, httpApiSuite, sleep } from './http-api-suite.ts';

const api = httpApiSuite();
const { gateway, call, waiting, streamCount } = api;

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
        return api.main.queue.depth();
      },
    };
    const config = loadGatewayConfig({ SPOOL_MAX_QUEUE_DEPTH: '1000' });
    const admission = new Admission({ queue, config, metrics: createMetrics() });
    await Promise.all(Array.from({ length: 20 }, () => admission.checkCreate()));
    await admission.checkCreate();
    expect(reads).toBe(1);
    expect(admission.lastDepth).toStrictEqual(await api.main.queue.depth());
  });

  it('refuses connections at the bound and counts the refusals', async () => {
    const metrics = createMetrics();
    const config = loadGatewayConfig({ SPOOL_MAX_CONNECTIONS: '2' });
    const admission = new Admission({ queue: api.main.queue, config, metrics });
    expect(() => admission.checkConnection(1)).not.toThrow();
    expect(() => admission.checkConnection(2)).toThrow(/limit 2/);
    expect(() => admission.checkConnection(3)).toThrow(
      expect.objectContaining({ code: 'over_capacity', status: 429 }),
    );
    expect(await metrics.registry.metrics()).toContain(
      'spool_admission_rejected_total{reason="connections"} 2',
    );
  });

  it("refuses a client's connection past its share while others still get in", async () => {
    const metrics = createMetrics();
    const config = loadGatewayConfig({
      SPOOL_MAX_CONNECTIONS: '10',
      SPOOL_MAX_CONNECTIONS_PER_CLIENT: '3',
    });
    const admission = new Admission({ queue: api.main.queue, config, metrics });
    expect(() => admission.checkConnection(5, { id: 'address:a', open: 2 })).not.toThrow();
    expect(() => admission.checkConnection(5, { id: 'address:a', open: 3 })).toThrow(
      expect.objectContaining({
        code: 'over_capacity',
        message: expect.stringMatching(/3 per client/),
      }),
    );
    expect(() => admission.checkConnection(5, { id: 'address:b', open: 0 })).not.toThrow();
    expect(await metrics.registry.metrics()).toContain(
      'spool_admission_rejected_total{reason="client_connections"} 1',
    );
  });
});
