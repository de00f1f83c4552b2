import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOffset, decodeOffsetQuery, encodeOffset } from './ds-offset.ts';

const offsets = fc.record({
  epoch: fc.integer({ min: 0, max: 9_999 }),
  position: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});

describe('Durable Streams offsets', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(offsets, (offset) => {
        expect(decodeOffset(encodeOffset(offset))).toEqual(offset);
      }),
    );
  });

  it('sorts as strings the way positions sort', () => {
    fc.assert(
      fc.property(offsets, offsets, (a, b) => {
        const byString = Math.sign(encodeOffset(a).localeCompare(encodeOffset(b)));
        const byValue = Math.sign(a.epoch - b.epoch || a.position - b.position);
        expect(byString).toBe(byValue);
      }),
    );
  });

  it('never encodes a sentinel', () => {
    fc.assert(
      fc.property(offsets, (offset) => {
        expect(['-1', 'now']).not.toContain(encodeOffset(offset));
      }),
    );
  });

  it.each([
    ['-1', { kind: 'start' }],
    ['now', { kind: 'now' }],
    ['0000000000000000_0000000000000003', { kind: 'at', epoch: 0, position: 3 }],
    ['2_7', { kind: 'at', epoch: 2, position: 7 }],
    ['abc', undefined],
    ['1_', undefined],
    ['-2', undefined],
    ['99999999999999999999_1', undefined],
  ])('reads the offset parameter %s', (text, expected) => {
    expect(decodeOffsetQuery(text)).toEqual(expected);
  });
});
