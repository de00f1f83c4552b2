import fc from 'fast-check';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeMsgpack, type MsgpackValue } from './msgpack.ts';

/** Values as cmsgpack hands them to Lua, and msgpackr back to us: undefined is nil. */
function asNil(value: MsgpackValue): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(asNil);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asNil(item)]));
  }
  return value;
}

const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(
      fc.string({ maxLength: 20 }).filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 20 },
    ),
  ),
})).value as fc.Arbitrary<MsgpackValue>;

describe('encodeMsgpack', () => {
  it('decodes (by msgpackr, what BullMQ packs with) to the value it encoded', () => {
    fc.assert(
      fc.property(values, (value) => {
        expect(unpack(encodeMsgpack(value))).toEqual(asNil(value));
      }),
    );
  });

  it('encodes lengths past the short forms: 8-, 16- and 32-bit strings, 16- and 32-bit arrays, 16-bit maps', () => {
    const long = 'x'.repeat(70_000);
    const many = Array.from({ length: 70_000 }, (_, index) => index % 3);
    const wide = Object.fromEntries(many.slice(0, 20).map((value, index) => [`k${index}`, value]));
    for (const value of [long, 'y'.repeat(300), many, many.slice(0, 20), wide]) {
      expect(unpack(encodeMsgpack(value))).toEqual(value);
    }
  });
});
