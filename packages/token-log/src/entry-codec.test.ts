import type { Item, NewItem } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  decodeEntryItems,
  encodeEntryItems,
  splitIntoEntries,
} from './entry-codec.ts';

const newItem: fc.Arbitrary<NewItem> = fc.oneof(
  fc.record({ type: fc.constant('token' as const), block: fc.nat(5), text: fc.string() }),
  fc.record({
    type: fc.constant('block_start' as const),
    block: fc.nat(5),
    kind: fc.constantFrom('text' as const, 'reasoning' as const),
  }),
  fc.record({ type: fc.constant('block_end' as const), block: fc.nat(5) }),
  fc.record({
    type: fc.constant('usage' as const),
    prompt_tokens: fc.nat(),
    completion_tokens: fc.nat(),
    total_tokens: fc.nat(),
  }),
  fc.record({ type: fc.constant('error' as const), code: fc.string(), message: fc.string() }),
);

function withOffsets(items: NewItem[], from: number): Item[] {
  return items.map((item, index) => ({ ...item, offset: from + index }) as Item);
}

describe('entry codec', () => {
  it('decodes what it encodes, at any first offset', () => {
    fc.assert(
      fc.property(fc.array(newItem, { maxLength: 50 }), fc.nat(1_000_000), (items, from) => {
        expect(decodeEntryItems(encodeEntryItems(items), from)).toEqual(withOffsets(items, from));
      }),
    );
  });

  it('writes a token of the same block as a bare string', () => {
    const encoded = encodeEntryItems([
      { type: 'token', block: 0, text: 'Hel' },
      { type: 'token', block: 0, text: 'lo' },
    ]);
    expect(encoded).toBe('[[0,"Hel"],"lo"]');
  });

  it('reads the entry id as the offset after the last item', () => {
    const entry = decodeEntry(['12-0', ['f', '10', 't', '1700000000000', 'd', '[[1,"a"],"b"]']]);
    expect(entry).toMatchObject({ from: 10, to: 12, appendedAt: 1_700_000_000_000 });
    expect(entry.items.map((item) => item.offset)).toEqual([10, 11]);
  });

  it('splits a batch into entries of bounded size without losing order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 70 }),
        (items, size) => {
          const entries = splitIntoEntries(items, size);
          expect(entries.flat()).toEqual(items);
          for (const entry of entries) expect(entry.length).toBeLessThanOrEqual(size);
        },
      ),
    );
  });
});
