import assert from 'node:assert/strict';
import { type Item, isSpoolError, type SpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { newStreamId } from '../src/redis-token-log.ts';
import { createStream, tokenLogs, tokens } from './fixture.ts';

const redis = redisPerFile();
const openLog = tokenLogs(redis);

async function failure(promise: Promise<unknown>): Promise<SpoolError> {
  try {
    await promise;
  } catch (error) {
    if (isSpoolError(error)) return error;
    throw error;
  }
  throw new Error('expected a SpoolError');
}

describe('create', () => {
  it('is idempotent by id and refuses the same id for another request', async () => {
    const { log } = openLog();
    const id = newStreamId();
    expect(await log.create({ id, requestHash: 'a', fields: { model: 'm' } })).toEqual({
      created: true,
      status: 'queued',
      length: 0,
    });
    expect((await log.create({ id, requestHash: 'a' })).created).toBe(false);
    expect((await failure(log.create({ id, requestHash: 'b' }))).code).toBe('stream_exists');
    expect(await log.meta(id)).toMatchObject({ status: 'queued', fields: { model: 'm' } });
  });
});

describe('append and read', () => {
  it('assigns dense offsets and reads any range back', async () => {
    const { log } = openLog({ maxEntryItems: 7 });
    const id = await createStream(log);
    expect(await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(20) })).toEqual({
      length: 20,
      appended: true,
    });
    const result = await log.read(id, 5, 10);
    expect(result.items.map((item) => item.offset)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(result).toMatchObject({ next: 15, length: 20, status: 'running', done: false });
  });

  it('returns exactly the right suffix from every offset of a 10,000-item stream', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const all = tokens(10_000);
    for (let at = 0; at < all.length; at += 37) {
      await log.append({ streamId: id, attempt: 1, at, items: all.slice(at, at + 37) });
    }
    await log.append({
      streamId: id,
      attempt: 1,
      at: 10_000,
      items: [{ type: 'end', finish_reason: 'stop' }],
    });
    const full = (await log.read(id, 0, 10_001)).items;
    expect(full.map((item) => item.offset)).toEqual(
      Array.from({ length: 10_001 }, (_, index) => index),
    );
    // Every offset: the first 100 items of its suffix; every 97th offset: the whole suffix.
    for (let from = 0; from <= 10_000; from += 500) {
      const starts = Array.from(
        { length: Math.min(500, 10_001 - from) },
        (_, index) => from + index,
      );
      const reads = await Promise.all(starts.map((start) => log.read(id, start, 100)));
      reads.forEach((result, index) => {
        const start = starts[index] as number;
        expect(result.items).toEqual(full.slice(start, start + 100));
        expect(result.next).toBe(Math.min(start + 100, 10_001));
        expect(result.done).toBe(result.next === 10_001);
      });
    }
    for (let start = 0; start <= 10_000; start += 97) {
      const result = await log.read(id, start, 10_001);
      expect(result.items).toEqual(full.slice(start));
      expect(result.done).toBe(true);
    }
  });

  it('ends the stream atomically: status, finish reason, retention TTL', async () => {
    const { log, client } = openLog({ retentionMs: 60_000 });
    const id = await createStream(log);
    await log.append({
      streamId: id,
      attempt: 1,
      at: 0,
      items: [...tokens(3), { type: 'end', finish_reason: 'length' }],
    });
    const meta = await log.meta(id);
    expect(meta).toMatchObject({ status: 'done', length: 4, finishReason: 'length' });
    const ttl = await client.pttl(log.keys(id).log);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const after = await failure(log.append({ streamId: id, attempt: 1, at: 4, items: tokens(1) }));
    expect(after.code).toBe('stream_ended');
  });

  it('answers stream_expired after retention, and changes nothing', async () => {
    const { log } = openLog({ retentionMs: 200 });
    const id = await createStream(log);
    await log.append({
      streamId: id,
      attempt: 1,
      at: 0,
      items: [{ type: 'end', finish_reason: 'stop' }],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await failure(log.read(id, 0))).code).toBe('stream_expired');
    expect((await failure(log.meta(id))).code).toBe('stream_expired');
    expect((await failure(log.createSubscription(id, 0))).code).toBe('stream_expired');
  });

  it('answers clear errors for unknown streams, bad offsets and reads beyond the end', async () => {
    const { log } = openLog();
    expect((await failure(log.read(newStreamId(), 0))).code).toBe('stream_not_found');
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    expect((await failure(log.read(id, 4))).code).toBe('offset_out_of_range');
    expect((await failure(log.read(id, -1))).code).toBe('invalid_offset');
    expect((await failure(log.read(id, 1.5))).code).toBe('invalid_offset');
    expect((await log.read(id, 3)).items).toEqual([]);
  });

  it('refuses a batch with items after `end` and changes nothing', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const items = [{ type: 'end', finish_reason: 'stop' } as const, ...tokens(1)];
    expect((await failure(log.append({ streamId: id, attempt: 1, at: 0, items }))).code).toBe(
      'invalid_request',
    );
    expect((await log.meta(id)).length).toBe(0);
  });

  it('caps the length with stream_full but still lets the stream end', async () => {
    const { log } = openLog({ maxStreamItems: 10 });
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(10) });
    const full = await failure(log.append({ streamId: id, attempt: 1, at: 10, items: tokens(1) }));
    expect(full.code).toBe('stream_full');
    const end = await log.append({
      streamId: id,
      attempt: 1,
      at: 10,
      items: [
        { type: 'error', code: 'stream_full', message: 'too long' },
        { type: 'end', finish_reason: 'error' },
      ],
    });
    expect(end.length).toBe(12);
    expect((await log.meta(id)).status).toBe('failed');
  });

  it('answers offset_expired below the trim mark, never other items', async () => {
    const { log } = openLog({ maxEntryItems: 4 });
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(20) });
    const retained = await log.trim(id, 10);
    expect(retained).toBe(8);
    expect((await failure(log.read(id, 7))).code).toBe('offset_expired');
    const read = await log.read(id, 8);
    expect(read.items.map((item: Item) => item.offset)[0]).toBe(8);
  });
});

describe('idempotent production and fencing', () => {
  it('leaves no duplicate when an append is retried after a client timeout', async () => {
    const { log: slowLog, client: slowClient } = openLog();
    const { client: admin } = openLog();
    // The file's Redis is one server, so its client is a Redis (a Cluster has no commandTimeout).
    assert(slowClient instanceof Redis);
    const id = await createStream(slowLog);
    await slowLog.append({ streamId: id, attempt: 1, at: 0, items: tokens(5) });
    // The server holds writes for 300 ms; the producer gives up after 50 ms and retries.
    slowClient.options.commandTimeout = 50;
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const timedOut = await failure(
      slowLog.append({ streamId: id, attempt: 1, at: 5, items: tokens(5, 0, 'x') }),
    );
    expect(timedOut).toMatchObject({ code: 'redis_unavailable', retryable: true });
    slowClient.options.commandTimeout = undefined;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const retry = await slowLog.append({
      streamId: id,
      attempt: 1,
      at: 5,
      items: tokens(5, 0, 'x'),
    });
    expect(retry).toEqual({ length: 10, appended: false });
    const read = await slowLog.read(id, 0);
    expect(read.items.map((item) => item.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses every append of an attempt once a newer attempt claimed the stream', async () => {
    const { log: stale } = openLog();
    const { log: fresh } = openLog();
    const id = await createStream(stale);
    await stale.claimAttempt(id, 1);
    await stale.append({ streamId: id, attempt: 1, at: 0, items: tokens(3, 0, 'old') });
    const claim = await fresh.claimAttempt(id, 2);
    expect(claim).toMatchObject({ status: 'running', length: 3 });
    const refused = await failure(
      stale.append({ streamId: id, attempt: 1, at: 3, items: tokens(1) }),
    );
    expect(refused).toMatchObject({ code: 'stale_attempt', details: { value: 2 } });
    await fresh.append({ streamId: id, attempt: 2, at: 3, items: tokens(2, 0, 'new') });
    expect((await failure(stale.claimAttempt(id, 1))).code).toBe('stale_attempt');
    const texts = (await fresh.read(id, 0)).items.map((item) =>
      item.type === 'token' ? item.text : '',
    );
    expect(texts).toEqual(['old0 ', 'old1 ', 'old2 ', 'new0 ', 'new1 ']);
  });

  it('keeps offsets dense and batches whole when two unfenced producers race', async () => {
    const { log: first } = openLog();
    const { log: second } = openLog();
    const id = await createStream(first);
    const produce = async (log: typeof first, name: string) => {
      for (let batch = 0; batch < 40; batch++) {
        const items = tokens(3, 0, `${name}${batch}-`);
        for (;;) {
          const { length } = await log.meta(id);
          try {
            await log.append({ streamId: id, attempt: 0, at: length, items });
            break;
          } catch (error) {
            if (!isSpoolError(error, 'offset_conflict')) throw error;
          }
        }
      }
    };
    await Promise.all([produce(first, 'a'), produce(second, 'b')]);
    const { items } = await first.read(id, 0, 1_000);
    expect(items.map((item) => item.offset)).toEqual(
      Array.from({ length: 240 }, (_, index) => index),
    );
    const batches = new Set<string>();
    for (let start = 0; start < 240; start += 3) {
      const names = items
        .slice(start, start + 3)
        .map((item) => (item.type === 'token' ? item.text.split('-')[0] : ''));
      expect(new Set(names).size).toBe(1);
      batches.add(names[0] as string);
    }
    expect(batches.size).toBe(80);
  });

  it('lets only the newest attempt write when two fenced producers race', async () => {
    const { log: older } = openLog();
    const { log: newer } = openLog();
    const id = await createStream(older);
    const produce = async (log: typeof older, attempt: number) => {
      const claim = await log.claimAttempt(id, attempt);
      let at = claim.length;
      for (let batch = 0; batch < 30; batch++) {
        const items = tokens(2, 0, `a${attempt}.${batch}-`);
        try {
          at = (await log.append({ streamId: id, attempt, at, items })).length;
        } catch (error) {
          if (isSpoolError(error, 'stale_attempt')) return 'fenced';
          if (!isSpoolError(error, 'offset_conflict')) throw error;
          at = (error.details?.value as number) ?? at;
        }
      }
      return 'finished';
    };
    const outcomes = await Promise.all([produce(older, 1), produce(newer, 2)]);
    expect(outcomes[1]).toBe('finished');
    const { items } = await newer.read(id, 0, 1_000);
    const attempts = items.map((item) => (item.type === 'token' ? item.text.slice(1, 2) : ''));
    const firstNewer = attempts.indexOf('2');
    // Attempt 1 may have written before attempt 2 claimed the stream, never after.
    expect(attempts.slice(firstNewer).every((attempt) => attempt === '2')).toBe(true);
    expect(attempts.filter((attempt) => attempt === '2')).toHaveLength(60);
  });
});

describe('item index', () => {
  it('keeps block starts, the first token and the latest usage, and none of it in the fields', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    expect(await log.itemIndex(id)).toMatchObject({
      indexedFrom: undefined,
      firstToken: undefined,
    });
    const first = [{ type: 'block_start', block: 0, kind: 'text' } as const, ...tokens(3, 0)];
    await log.append({ streamId: id, attempt: 1, at: 0, items: first });
    const usage = {
      type: 'usage',
      prompt_tokens: 1,
      completion_tokens: 3,
      total_tokens: 4,
    } as const;
    const second = [
      { type: 'block_end', block: 0 } as const,
      usage,
      { type: 'block_start', block: 1, kind: 'reasoning' } as const,
      ...tokens(2, 1),
      usage,
    ];
    await log.append({ streamId: id, attempt: 1, at: 4, items: second });
    // A retried append changes nothing, the index included.
    await log.append({ streamId: id, attempt: 1, at: 4, items: second });
    expect(await log.itemIndex(id)).toEqual({
      blocks: new Map([
        [0, 0],
        [1, 6],
      ]),
      firstToken: 1,
      usage: 9,
      indexedFrom: 0,
      length: 10,
      status: 'running',
    });
    expect((await log.meta(id)).fields).toEqual({});
  });
});
