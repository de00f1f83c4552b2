/** The HTTP API: stream metadata, catch-up reads (whole stream or one block) and cancel. */
import { newStreamId } from '@spool/token-log';
import { describe, expect, it } from 'vitest';
import { expectError, httpApiSuite, sleep, stop, text } from './http-api-suite.ts';

const api = httpApiSuite();
const { gateway, call, stored } = api;

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
    await api.main.log.append({ streamId: id, attempt: 1, at: 0, items: [...text(0, 2), stop] });
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
    const { epoch } = await api.main.log.meta(id);
    expect(atEnd).toStrictEqual({ items: [], next: 10, done: true, epoch });
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

  it('reads a block from its start (the block index), however far into the stream', async () => {
    // Block 2 starts past the 100,000 items one request may scan: found in one request.
    const id = await stored([...text(0, 3), ...text(1, 120_000), ...text(2, 2), stop]);
    const url = `/v1/streams/${id}/items`;
    const started = performance.now();
    const block2 = (await call('GET', `${url}?block=2`)).json();
    const missing = (await call('GET', `${url}?block=7`)).json();
    const elapsed = performance.now() - started;
    expect(block2.items.map((item: { offset: number }) => item.offset)).toEqual([
      120_007, 120_008, 120_009, 120_010,
    ]);
    expect([block2.next, block2.done]).toEqual([120_011, true]);
    expect(missing).toStrictEqual({ items: [], next: 120_012, done: true });
    console.log(`block index: two block reads of a 120k-item stream took ${elapsed.toFixed(1)} ms`);
  });

  it('answers a block that has not started on a running stream from the current end', async () => {
    const id = await stored(text(0, 3));
    const body = (await call('GET', `/v1/streams/${id}/items?block=1`)).json();
    expect(body).toStrictEqual({ items: [], next: 5, done: false });
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
    expect(await api.main.log.trim(id, 100)).toBe(64);
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
      epoch: (await api.main.log.meta(id)).epoch,
    });
  });

  it('flags a running stream for its worker', async () => {
    const id = await stored(text(0, 1));
    const response = await call('POST', `/v1/streams/${id}/cancel`);
    expect([response.statusCode, response.json()]).toStrictEqual([202, { id, status: 'running' }]);
    expect((await api.main.log.meta(id)).cancelRequested).toBe(true);
  });

  it('refuses bad and unknown stream ids', async () => {
    expectError(await call('POST', '/v1/streams/x/cancel'), 400, 'invalid_stream_id');
    expectError(await call('POST', `/v1/streams/${newStreamId()}/cancel`), 404, 'stream_not_found');
  });
});
