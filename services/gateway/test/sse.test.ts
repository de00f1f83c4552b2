import type { Item } from '@spool/protocol';
import type { TestRedis } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { newStreamId, type RedisTokenLog } from '@spool/token-log';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_CASES, rowEpoch, shortLivedLog } from './resume-contract.ts';
import {
  answer,
  liveStream,
  offsetsOf,
  readSse,
  startTestGateway,
  storedStream,
  type TestGateway,
  textOf,
} from './support.ts';

const redis = redisPerFile();
let gateway: TestGateway;
let shortLived: RedisTokenLog;
let closeShortLived: () => Promise<void>;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), { SPOOL_HEARTBEAT_MS: '200' });
  ({ log: shortLived, close: closeShortLived } = shortLivedLog(redis()));
});
afterAll(async () => {
  await gateway.drain();
  await closeShortLived();
});

const eventsUrl = (streamId: string, query = '') =>
  `${gateway.url}/v1/streams/${streamId}/events${query}`;

function itemText(items: Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

describe('SSE delivery', () => {
  it('delivers a whole stream to the eventsource client, with ids as resume points', async () => {
    const { streamId, done } = await liveStream(gateway.log, answer(200), { batch: 7, everyMs: 2 });
    const source = new EventSource(eventsUrl(streamId));
    const received: { event: string; id: string; data: unknown }[] = [];
    await new Promise<void>((resolve, reject) => {
      for (const type of ['tokens', 'block_start', 'block_end', 'end']) {
        source.addEventListener(type, (event) => {
          received.push({ event: type, id: event.lastEventId, data: JSON.parse(event.data) });
          if (type === 'end') resolve();
        });
      }
      source.addEventListener('error', (event) =>
        reject(new Error(`EventSource error: ${String(event.message)}`)),
      );
    });
    source.close();
    await done;
    const text = received
      .filter((event) => event.event === 'tokens')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    const stored = await gateway.log.read(streamId, 0, 1_000);
    expect(text).toBe(itemText(stored.items));
    // Ids are resume ids: the offset after the event's items, then the stream's epoch.
    expect(received.at(-1)).toMatchObject({
      event: 'end',
      id: `203:${stored.epoch}`,
      data: { offset: 202, finish_reason: 'stop' },
    });
    for (const event of received.filter((entry) => entry.event === 'tokens')) {
      expect(event.id).toBe(`${(event.data as { to: number }).to}:${stored.epoch}`);
    }
  });

  it('answers with the SSE headers, a retry line, and closes after end', async () => {
    const streamId = await storedStream(gateway.log, answer(5));
    const read = await readSse(eventsUrl(streamId));
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(read.headers['cache-control']).toBe('no-cache, no-transform');
    expect(read.headers['x-accel-buffering']).toBe('no');
    expect(read.headers['content-encoding']).toBeUndefined();
    expect(read.raw.startsWith('retry: 1000\n\n')).toBe(true);
    expect(offsetsOf(read.messages)).toEqual(Array.from({ length: 8 }, (_, index) => index));
  });

  it('sends heartbeats while nothing happens', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const reading = readSse(eventsUrl(streamId));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await gateway.log.append({ streamId, attempt: 1, at: 0, items: answer(1) });
    const read = await reading;
    expect(
      read.comments.filter((comment) => comment.trim() === 'hb').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('resumes a cut connection with Last-Event-ID: the joined text equals the stored items', async () => {
    const { streamId, done } = await liveStream(gateway.log, answer(300), { batch: 3, everyMs: 1 });
    const cut = 1 + Math.floor(Math.random() * 40);
    const first = await readSse(eventsUrl(streamId), { stopAfter: cut });
    const second = await readSse(eventsUrl(streamId), {
      headers: { 'Last-Event-ID': first.lastId ?? '0' },
    });
    await done;
    const offsets = [...offsetsOf(first.messages), ...offsetsOf(second.messages)];
    expect(offsets).toEqual(Array.from({ length: 303 }, (_, index) => index));
    const stored = await gateway.log.read(streamId, 0, 1_000);
    expect(textOf(first.messages) + textOf(second.messages)).toBe(itemText(stored.items));
  });

  it('gives 200 concurrent readers of one stream identical text', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const readers = Array.from({ length: 200 }, () => readSse(eventsUrl(streamId)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const items = answer(400);
    for (let at = 0; at < items.length; at += 4) {
      await gateway.log.append({ streamId, attempt: 1, at, items: items.slice(at, at + 4) });
    }
    const reads = await Promise.all(readers);
    const expected = itemText((await gateway.log.read(streamId, 0, 1_000)).items);
    for (const read of reads) {
      expect(textOf(read.messages)).toBe(expected);
      expect(offsetsOf(read.messages)).toHaveLength(403);
    }
  });

  it('ends open responses with a resumable draining error', async () => {
    const streamId = newStreamId();
    await gateway.log.create({ id: streamId });
    const reading = readSse(eventsUrl(streamId));
    await new Promise((resolve) => setTimeout(resolve, 100));
    gateway.app.spool.deliveries.closeAll(
      new (await import('@spool/protocol')).SpoolError('draining'),
    );
    const read = await reading;
    expect(read.messages.at(-1)).toMatchObject({ kind: 'error', error: { code: 'draining' } });
    expect(read.raw).not.toMatch(/id: .*\nevent: error/);
  });

  it('answers bad ids, bad offsets and unknown streams with JSON errors', async () => {
    const streamId = await storedStream(gateway.log, answer(2));
    const cases = [
      [`${gateway.url}/v1/streams/nope/events`, 400, 'invalid_stream_id'],
      [eventsUrl(newStreamId()), 404, 'stream_not_found'],
      [eventsUrl(streamId, '?from=-1'), 400, 'invalid_offset'],
      [eventsUrl(streamId, '?from=x'), 400, 'invalid_offset'],
      [
        eventsUrl(streamId, '?from=1&subscription=sub_AAAAAAAAAAAAAAAAAAAAAA'),
        400,
        'invalid_request',
      ],
      [eventsUrl(streamId, '?chunking=huge'), 400, 'invalid_request'],
    ] as const;
    for (const [url, status, code] of cases) {
      const read = await readSse(url);
      expect({ url, status: read.status, body: read.body }).toMatchObject({
        url,
        status,
        body: { error: { code } },
      });
    }
  });
});

describe('the resume contract over SSE', () => {
  it.each(RESUME_CASES)('resumes $name', async (row) => {
    const setup = await row.setup({ log: gateway.log, shortLived });
    const epoch = await rowEpoch(row, gateway.log, setup.streamId);
    const suffix = epoch === undefined ? '' : `:${epoch}`;
    const headers: Record<string, string> =
      'lastEventId' in row.resume ? { 'Last-Event-ID': row.resume.lastEventId + suffix } : {};
    const epochQuery = epoch === undefined ? '' : `&epoch=${encodeURIComponent(epoch)}`;
    const query = 'from' in row.resume ? `?from=${row.resume.from}${epochQuery}` : '';
    const reading = readSse(eventsUrl(setup.streamId, query), { headers });
    if (setup.afterConnect) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await setup.afterConnect();
    }
    const read = await reading;
    if ('offsets' in row.expect) {
      expect(read.status).toBe(200);
      expect(offsetsOf(read.messages)).toEqual(row.expect.offsets);
    } else if ('nothingLeft' in row.expect) {
      expect(read.status).toBe(204);
    } else {
      expect(read.status).toBe(row.expect.status);
      expect(read.body).toMatchObject({ error: { code: row.expect.error } });
    }
  });
});

export type { TestRedis };
