import type { Item } from '@spool/protocol';
import { isSpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { iterateItems } from '../src/item-iterator.ts';
import { newStreamId, type RedisTokenLog } from '../src/redis-token-log.ts';
import { createStream, tokenLogs, tokens } from './fixture.ts';

const redis = redisPerFile();
const openLog = tokenLogs(redis);

async function collect(iterator: AsyncIterable<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

async function failure(iterator: AsyncIterable<Item>): Promise<unknown> {
  try {
    await collect(iterator);
  } catch (error) {
    return error;
  }
  throw new Error('expected the iteration to fail');
}

/** A stream of `count` tokens in entries of 7 items, ended with `end` when `ended`. */
async function streamOf(log: RedisTokenLog, count: number, ended: boolean): Promise<string> {
  const id = await createStream(log);
  const items = [
    ...tokens(count),
    ...(ended ? [{ type: 'end', finish_reason: 'stop' } as const] : []),
  ];
  for (let at = 0; at < items.length; at += 50) {
    await log.append({ streamId: id, attempt: 1, at, items: items.slice(at, at + 50) });
  }
  return id;
}

describe('items', () => {
  let log: RedisTokenLog;
  let running: string;
  let ended: string;
  let stored: Item[];

  beforeAll(async () => {
    ({ log } = openLog({ maxEntryItems: 7 }));
    running = await streamOf(log, 523, false);
    ended = await streamOf(log, 523, true);
    stored = (await log.read(ended, 0, 10_000)).items;
  });

  it('yields exactly the stored items of any range, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 524 }),
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        async (from, to, pageSize, useEnded) => {
          const id = useEnded ? ended : running;
          const length = useEnded ? 524 : 523;
          fc.pre(from <= length);
          const items = await collect(log.items(id, { from, to, pageSize }));
          expect(items).toEqual(stored.slice(from, Math.min(to, length)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    ['the whole stream by default', {}, 0, 524],
    ['from an offset to the end', { from: 100 }, 100, 524],
    ['up to an offset', { to: 10 }, 0, 10],
    ['a range inside one entry', { from: 3, to: 5 }, 3, 5],
    ['up to the end when `to` is beyond it', { from: 520, to: 10_000 }, 520, 524],
    ['nothing for an empty range', { from: 50, to: 50 }, 50, 50],
    ['nothing for a reversed range', { from: 60, to: 50 }, 60, 60],
    ['nothing from the end', { from: 524 }, 524, 524],
  ] as const)('yields %s', async (_case, options, first, end) => {
    const items = await collect(log.items(ended, options));
    expect(items.map((item) => item.offset)).toEqual(
      Array.from({ length: end - first }, (_, index) => first + index),
    );
  });

  it('ends with the `end` item of an ended stream', async () => {
    const items = await collect(log.items(ended));
    expect(items.at(-1)).toEqual({ type: 'end', offset: 523, finish_reason: 'stop' });
  });

  it('yields nothing for a stream without items', async () => {
    const { log: fresh } = openLog();
    const id = await createStream(fresh);
    expect(await collect(fresh.items(id))).toEqual([]);
    expect(await collect(fresh.items(id, { to: 100 }))).toEqual([]);
  });

  it('reads a stream of several pages one page at a time, no page past `to`', async () => {
    const reads: [number, number][] = [];
    const read = (id: string, from: number, limit: number) => {
      reads.push([from, limit]);
      return log.read(id, from, limit);
    };
    const items = await collect(iterateItems(read, ended, { from: 10, to: 460, pageSize: 200 }));
    expect(items).toHaveLength(450);
    expect(reads).toEqual([
      [10, 200],
      [210, 200],
      [410, 50],
    ]);
  });

  it('pages 1,000 items at a time by default and stops at the current end', async () => {
    const { log: big } = openLog();
    const id = await streamOf(big, 2_500, false);
    const reads: number[] = [];
    const read = (streamId: string, from: number, limit: number) => {
      reads.push(from);
      return big.read(streamId, from, limit);
    };
    expect(await collect(iterateItems(read, id))).toHaveLength(2_500);
    expect(reads).toEqual([0, 1_000, 2_000]);
  });

  it('yields what is appended while it runs, up to the end its last page finds', async () => {
    const { log: live } = openLog();
    const id = await streamOf(live, 10, false);
    const seen: number[] = [];
    for await (const item of live.items(id, { pageSize: 5 })) {
      seen.push(item.offset);
      // Appended while the first page is consumed: the next page finds the new end.
      if (item.offset === 2) {
        await live.append({ streamId: id, attempt: 1, at: 10, items: tokens(5) });
      }
      // Appended after the last page was read: the iteration already found its end.
      if (item.offset === 14) {
        await live.append({ streamId: id, attempt: 1, at: 15, items: tokens(5) });
      }
    }
    expect(seen).toEqual(Array.from({ length: 15 }, (_, index) => index));
  });

  it.each([
    ['stream_not_found for an unknown stream', () => log.items(newStreamId())],
    ['offset_out_of_range for a start beyond the end', () => log.items(ended, { from: 525 })],
    ['invalid_offset for a negative start', () => log.items(ended, { from: -1 })],
    ['invalid_offset for a fractional end', () => log.items(ended, { to: 2.5 })],
    ['invalid_request for a page size of 0', () => log.items(ended, { pageSize: 0 })],
  ] as const)('throws %s', async (name, iterate) => {
    const code = name.split(' ')[0];
    expect(await failure(iterate())).toSatisfy(
      (error) => isSpoolError(error) && error.code === code,
    );
  });

  it('throws offset_expired below the trim mark', async () => {
    const { log: trimmed } = openLog({ maxEntryItems: 4 });
    const id = await streamOf(trimmed, 20, false);
    await trimmed.trim(id, 10);
    expect(await failure(trimmed.items(id, { from: 2 }))).toSatisfy((error) =>
      isSpoolError(error, 'offset_expired'),
    );
    expect((await collect(trimmed.items(id, { from: 8 }))).map((item) => item.offset)[0]).toBe(8);
  });

  it('throws data_loss when stored entries are missing', async () => {
    const { log: lossy, client } = openLog({ maxEntryItems: 4 });
    const id = await streamOf(lossy, 12, false);
    await client.xdel(lossy.keys(id).log, '8-0');
    const error = await failure(lossy.items(id, { pageSize: 3 }));
    expect(error).toSatisfy((value) => isSpoolError(value, 'data_loss'));
  });

  it('stops with the reason of its signal, between items and before reads', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const iteration = (async () => {
      for await (const item of log.items(ended, { pageSize: 100, signal: controller.signal })) {
        seen.push(item.offset);
        if (item.offset === 42) controller.abort(new Error('client left'));
      }
    })();
    await expect(iteration).rejects.toThrow('client left');
    expect(seen.at(-1)).toBe(42);
    await expect(
      collect(log.items(ended, { signal: AbortSignal.abort(new Error('gone')) })),
    ).rejects.toThrow('gone');
  });
});
