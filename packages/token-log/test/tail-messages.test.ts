import type { NewItem } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, type RedisClient } from '../src/connect.ts';
import { encodeEntryItems } from '../src/entry-codec.ts';
import {
  encodeNotification,
  NOTIFICATION_ITEMS_MAX_BYTES,
  parseNotification,
} from '../src/notification-codec.ts';
import { createStream, tokenLogs, tokens } from './fixture.ts';

const redis = redisPerFile();
const openLog = tokenLogs(redis);
const listeners: RedisClient[] = [];
afterAll(() => {
  for (const listener of listeners) listener.disconnect();
});

/** Every message published on a channel from now on, heard on a connection of its own. */
async function messagesOn(channel: string): Promise<string[]> {
  const listener = connectRedis(redis().url);
  listeners.push(listener);
  const messages: string[] = [];
  listener.on('smessage', (_channel: string, message: string) => messages.push(message));
  await listener.ssubscribe(channel);
  return messages;
}

const END: NewItem = { type: 'end', finish_reason: 'stop' };

describe('follow, fed by the batches that appends publish', () => {
  it('publishes each appended batch on its events channel, and nothing for a retry', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const messages = await messagesOn(log.keys(id).events);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    await log.append({ streamId: id, attempt: 1, at: 3, items: [END] });
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    const { appendedAt, epoch } = await log.read(id, 0);
    await expect.poll(() => messages.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toEqual([
      encodeNotification({
        from: 0,
        to: 3,
        appendedAt: appendedAt[0] ?? -1,
        status: 'running',
        epoch,
        entries: [encodeEntryItems(tokens(3))],
      }),
      encodeNotification({
        from: 3,
        to: 4,
        appendedAt: appendedAt[3] ?? -1,
        status: 'done',
        epoch,
        entries: [encodeEntryItems([END])],
      }),
    ]);
  });

  it('serves a follower at the end from the messages, with no read, as a read would', async () => {
    const { log } = openLog({ pollIntervalMs: 60_000 });
    const { log: other } = openLog();
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(2) });
    let from = (await log.follow(id, 0)).next;
    const reads = vi.spyOn(log, 'read');
    for (let batch = 0; batch < 20; batch++) {
      const waiting = log.follow(id, from, { limit: 5 });
      const items = batch === 19 ? [...tokens(4), END] : tokens(1 + (batch % 4));
      await log.append({ streamId: id, attempt: 1, at: from, items });
      const result = await waiting;
      expect(result).toEqual(await other.read(id, from, 5));
      from = result.next;
    }
    expect(reads).not.toHaveBeenCalled();
  });

  it('publishes a batch over the byte bound header-only and still delivers it exactly', async () => {
    const { log } = openLog({ pollIntervalMs: 60_000 });
    const id = await createStream(log);
    const messages = await messagesOn(log.keys(id).events);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) });
    const first = await log.follow(id, 0);
    const reads = vi.spyOn(log, 'read');
    const big = tokens(800, 0, 'a-long-token-text-');
    expect(encodeEntryItems(big).length).toBeGreaterThan(NOTIFICATION_ITEMS_MAX_BYTES);
    const waiting = log.follow(id, first.next, { limit: 1_000 });
    await log.append({ streamId: id, attempt: 1, at: 1, items: big });
    const result = await waiting;
    expect(result.items.map((item) => item.offset)).toEqual(big.map((_, index) => 1 + index));
    expect(result.items.map((item) => item.type === 'token' && item.text)).toEqual(
      big.map((item) => item.type === 'token' && item.text),
    );
    expect(reads).toHaveBeenCalledTimes(1);
    expect(messages.map((message) => parseNotification(message)?.itemsAt)).toEqual([
      expect.any(Number),
      -1,
    ]);
    expect(messages[1]).toMatch(/^v2 1 801 \d+ running [0-9a-f]{8}$/);
  });

  it('does not read for followers that take nothing, and reads once for one that comes back behind', async () => {
    const { log } = openLog({ pollIntervalMs: 60_000 });
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) });
    const cursor = (await log.follow(id, 0)).next;
    const reads = vi.spyOn(log, 'read');
    // Its window is closed: it does not follow while ten batches are appended and published.
    for (let at = 1; at < 21; at += 2) {
      await log.append({ streamId: id, attempt: 1, at, items: tokens(2) });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).not.toHaveBeenCalled();
    const result = await log.follow(id, cursor);
    expect(result.items.map((item) => item.offset)).toEqual(
      Array.from({ length: 20 }, (_, index) => 1 + index),
    );
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('serves the end of a stream cancelled before it started from the cancel', async () => {
    const { log } = openLog({ pollIntervalMs: 60_000 });
    const id = await createStream(log);
    await log.follow(id, 0, { signal: AbortSignal.timeout(20) }).catch(() => {});
    const reads = vi.spyOn(log, 'read');
    const waiting = log.follow(id, 0);
    expect(await log.cancel(id)).toBe('cancelled');
    expect(await waiting).toMatchObject({
      items: [{ type: 'end', offset: 0, finish_reason: 'cancelled' }],
      next: 1,
      length: 1,
      status: 'cancelled',
      done: true,
    });
    expect(reads).not.toHaveBeenCalled();
  });
});
