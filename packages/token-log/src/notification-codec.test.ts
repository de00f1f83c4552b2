import type { NewItem } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntryItems, encodeEntryItems, splitIntoEntries } from './entry-codec.ts';
import {
  decodeNotificationItems,
  encodeNotification,
  NOTIFICATION_ITEMS_MAX_BYTES,
  parseNotification,
} from './notification-codec.ts';

const newItem: fc.Arbitrary<NewItem> = fc.oneof(
  fc.record({
    type: fc.constant('token' as const),
    block: fc.nat({ max: 3 }),
    text: fc.string({ unit: 'grapheme' }),
  }),
  fc.record({
    type: fc.constant('block_start' as const),
    block: fc.nat({ max: 3 }),
    kind: fc.constant('text' as const),
  }),
  fc.record({ type: fc.constant('block_end' as const), block: fc.nat({ max: 3 }) }),
);

describe('notification codec', () => {
  it('gives back the stored items of any batch at their offsets', () => {
    fc.assert(
      fc.property(
        fc.array(newItem, { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 1_000 }),
        fc.integer({ min: 1, max: 8 }),
        (batch, from, entryItems) => {
          const entries = splitIntoEntries(batch, entryItems).map((items) =>
            encodeEntryItems(items),
          );
          const message = encodeNotification({
            from,
            to: from + batch.length,
            appendedAt: 1_764_500_000_123,
            status: 'running',
            epoch: '1a2b3c4d',
            entries,
            maxBytes: Number.POSITIVE_INFINITY,
          });
          const notification = parseNotification(message);
          expect(notification).toMatchObject({
            from,
            to: from + batch.length,
            appendedAt: 1_764_500_000_123,
            status: 'running',
            epoch: '1a2b3c4d',
          });
          if (!notification) return;
          let offset = from;
          const stored = entries.flatMap((data) => {
            const items = decodeEntryItems(data, offset);
            offset += items.length;
            return items;
          });
          expect(decodeNotificationItems(message, notification)).toEqual(stored);
        },
      ),
    );
  });

  it('publishes a batch over the byte bound as its header alone', () => {
    const text = 'x'.repeat(1_000);
    const entries = Array.from({ length: 9 }, () =>
      encodeEntryItems([{ type: 'token', block: 0, text }]),
    );
    const message = encodeNotification({
      from: 4,
      to: 13,
      appendedAt: 7,
      status: 'done',
      epoch: '1a2b3c4d',
      entries,
    });
    expect(entries.join('\n').length).toBeGreaterThan(NOTIFICATION_ITEMS_MAX_BYTES);
    expect(message).toBe('v2 4 13 7 done 1a2b3c4d');
    expect(parseNotification(message)).toEqual({
      from: 4,
      to: 13,
      appendedAt: 7,
      status: 'done',
      epoch: '1a2b3c4d',
      itemsAt: -1,
    });
  });

  it.each([
    ['the length alone (the format before v1)', '12'],
    ['version 1 (no epoch)', 'v1 0 1 7 running\n["a"]'],
    ['a newer version', 'v3 0 1 7 running e\n["a"]'],
    ['an empty batch', 'v2 3 3 7 running e'],
    ['an unknown status', 'v2 0 1 7 paused e'],
    ['a missing field', 'v2 0 1 7 running'],
  ])('reads nothing from %s', (_case, message) => {
    expect(parseNotification(message)).toBeUndefined();
  });

  it('refuses items that do not fill the offsets of the header', () => {
    const message = 'v2 0 3 7 running e\n["a","b"]';
    const notification = parseNotification(message);
    expect(notification).toBeDefined();
    if (notification)
      expect(() => decodeNotificationItems(message, notification)).toThrow(TypeError);
  });
});
