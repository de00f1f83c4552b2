/** The HTTP API: durable subscriptions over HTTP, health, metrics and routing. */
import { newStreamId } from '@spool/token-log';
import { describe, expect, it } from 'vitest';
import { expectError, httpApiSuite, text } from './http-api-suite.ts';

const api = httpApiSuite();
const { gateway, call, stored } = api;

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
