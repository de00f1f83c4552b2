/**
 * `/v1/stream/<name>` beyond the conformance suite (test/e2e/durable-streams-conformance): Spool
 * token streams read as Durable Streams (JSON, one message per item, closed at `end`), writes to
 * their names refused, offsets of a lost epoch answered 410, and access control with API keys on.
 */
import { answer, storedItems, storedStream } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, streamKeys } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support.ts';

const KEY = 'ds-key-0123456789abcdef';
const redis = redisPerFile();
let gateway: TestGateway;
let guarded: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), { SPOOL_DS_LONG_POLL_MS: '300' });
  guarded = await startTestGateway(redis(), {
    SPOOL_API_KEYS: `ds:${KEY}`,
    SPOOL_ID_SECRET: 'ds-id-secret-0123456789abcdefghijklmnopq',
    SPOOL_TOKEN_SECRET: 'ds-token-secret-0123456789abcdefghijklmn',
  });
});
afterAll(async () => {
  await gateway.drain();
  await guarded.drain();
});

const url = (name: string, query = '') => `${gateway.url}/v1/stream/${name}${query}`;

describe('token streams as Durable Streams', () => {
  it('reads every item as one JSON message, as the items endpoint answers it, then closed', async () => {
    const id = await storedStream(gateway.log, answer(4));
    const response = await fetch(url(id, '?offset=-1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('stream-closed')).toBe('true');
    expect(response.headers.get('stream-up-to-date')).toBe('true');
    const items = (await (await fetch(`${gateway.url}/v1/streams/${id}/items`)).json()) as {
      items: unknown[];
    };
    expect(await response.json()).toEqual(items.items);
    expect(items.items).toEqual(JSON.parse(JSON.stringify(await storedItems(gateway.log, id))));
  });

  it('follows a running stream with long-polls and answers HEAD with its tail', async () => {
    const id = await storedStream(gateway.log, answer(2).slice(0, 3));
    const head = await fetch(url(id), { method: 'HEAD' });
    const tail = head.headers.get('stream-next-offset') ?? '';
    expect(head.headers.get('stream-closed')).toBeNull();
    const waiting = fetch(url(id, `?offset=${tail}&live=long-poll`));
    await gateway.log.append({ streamId: id, attempt: 1, at: 3, items: answer(2).slice(3) });
    const response = await waiting;
    expect(response.status).toBe(200);
    const messages = (await response.json()) as { type: string }[];
    expect(messages.map((item) => item.type)).toEqual(['block_end', 'end']);
    const after = await fetch(
      url(id, `?offset=${response.headers.get('stream-next-offset')}&live=long-poll`),
    );
    expect(after.status).toBe(204);
    expect(after.headers.get('stream-closed')).toBe('true');
  });

  it.each(['PUT', 'POST', 'DELETE'])('refuses %s to a token stream’s name', async (method) => {
    const id = await storedStream(gateway.log, answer(1));
    const response = await fetch(url(id), {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'DELETE' ? {} : { body: '[1]' }),
    });
    expect(response.status).toBe(403);
    expect((await fetch(url(id, '?offset=-1'))).status).toBe(200);
  });

  it('refuses to create a Durable Stream named like a token stream', async () => {
    const response = await fetch(url('st_mine'), { method: 'PUT' });
    expect(response.status).toBe(403);
  });

  it('answers 410 to an offset before retention, and starts -1 at the first item kept', async () => {
    const id = await storedStream(gateway.log, answer(8), 5);
    await gateway.log.trim(id, 5);
    const gone = await fetch(url(id, '?offset=0000000000000000_0000000000000002'));
    expect(gone.status).toBe(410);
    const start = await fetch(url(id, '?offset=-1'));
    expect(start.status).toBe(200);
    const items = (await start.json()) as { offset: number }[];
    expect(items[0]?.offset).toBe(5);
  });

  it('answers 410 to an offset of an epoch that lost items, and reads one still valid', async () => {
    const id = await storedStream(gateway.log, answer(4));
    // Another Redis run took over at offset 3 (as include/epoch.lua records it).
    const meta = streamKeys(redis().keyPrefix, id).meta;
    const client = connectRedis(redis().url);
    await client.hset(meta, 'epochs', 'aaaaaaaa:0 bbbbbbbb:3', 'epoch', 'bbbbbbbb');
    client.disconnect();
    const lost = await fetch(url(id, '?offset=0000000000000000_0000000000000005'));
    expect(lost.status).toBe(410);
    const kept = await fetch(url(id, '?offset=0000000000000000_0000000000000002'));
    expect(kept.status).toBe(200);
    expect(kept.headers.get('stream-next-offset')).toMatch(/^0000000000000001_/);
  });
});

describe('Durable Streams with API keys on', () => {
  const guardedUrl = (name: string) => `${guarded.url}/v1/stream/${name}`;

  it('needs the key to create, append and delete a Durable Stream', async () => {
    const name = `keyed-${Date.now()}`;
    expect((await fetch(guardedUrl(name), { method: 'PUT' })).status).toBe(401);
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' };
    expect((await fetch(guardedUrl(name), { method: 'PUT', headers })).status).toBe(201);
    const append = await fetch(guardedUrl(name), { method: 'POST', headers, body: 'x' });
    expect(append.status).toBe(204);
    expect((await fetch(`${guardedUrl(name)}?offset=-1`)).status).toBe(401);
    expect(await (await fetch(`${guardedUrl(name)}?offset=-1`, { headers })).text()).toBe('x');
  });

  it('needs a read token or the key to read a token stream', async () => {
    const id = await storedStream(guarded.log, answer(1));
    expect((await fetch(`${guardedUrl(id)}?offset=-1`)).status).toBe(401);
  });
});

describe('Durable Streams at drain', () => {
  it('ends open SSE reads and long-polls at once', async () => {
    const draining = await startTestGateway(redis(), { SPOOL_DS_LONG_POLL_MS: '30000' });
    const stream = `${draining.url}/v1/stream/drain-${Date.now()}`;
    await fetch(stream, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'a' });
    const sse = await fetch(`${stream}?offset=-1&live=sse`);
    const longPoll = fetch(`${stream}?offset=0000000000000000_0000000000000001&live=long-poll`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const startedAt = Date.now();
    await draining.drain();
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await sse.text()).toContain('event: control');
    expect((await longPoll).status).toBe(204);
  });
});

describe('Durable Streams live reads and connection quotas', () => {
  it('counts an open SSE read against its API key’s connections', async () => {
    const limited = await startTestGateway(redis(), {
      SPOOL_API_KEYS: `ds:${KEY}`,
      SPOOL_ID_SECRET: 'ds-id-secret-0123456789abcdefghijklmnopq',
      SPOOL_TOKEN_SECRET: 'ds-token-secret-0123456789abcdefghijklmn',
      SPOOL_QUOTA_CONNECTIONS: '1',
    });
    try {
      const stream = `${limited.url}/v1/stream/held-${Date.now()}`;
      const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' };
      await fetch(stream, { method: 'PUT', headers, body: 'a' });
      const first = new AbortController();
      const open = await fetch(`${stream}?offset=-1&live=sse`, { headers, signal: first.signal });
      expect(open.status).toBe(200);
      const second = await fetch(`${stream}?offset=-1&live=sse`, { headers });
      expect(second.status).toBe(429);
      expect((await fetch(`${stream}?offset=-1`, { headers })).status).toBe(200);
      first.abort();
    } finally {
      await limited.drain();
    }
  });
});
