/**
 * Hostile values the fuzz cases draw from: strings with NUL, lone surrogates, line breaks and
 * long runs; JSON values of every type, deep and wide; numbers out of every range.
 */
import fc from 'fast-check';

const awkward = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\n',
  '\r\n',
  '"',
  '\\',
  '%',
  '%00',
  '%zz',
  '../',
  '\uD800',
  '\uDC00',
  '\uFEFF',
  '😀',
  '__proto__',
  'constructor',
  'st_',
  'sub_',
  'Bearer',
  'null',
  '<script>',
  '$' + '{x}',
);

/** Any text: unicode, NUL, lone surrogates, sometimes long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: awkward },
  {
    weight: 1,
    arbitrary: fc
      .tuple(awkward, fc.integer({ min: 100, max: 1_500 }))
      .map(([piece, times]) => `${piece}x`.repeat(times)),
  },
);

/** Numbers no field accepts somewhere: negative, fractional, huge, unsafe, exponents. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, -0, 0.5, 1e21, 2 ** 53, 2 ** 53 + 2, -(2 ** 31), 65_537, 100_001, 1e308),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, including some nested a little deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(null, true, false, 0, -1, '', [], {}) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 5 }),
  },
);

/** `{"a":` … nested `depth` deep, as JSON text. */
export function nested(depth: number, open = '[', close = ']'): string {
  return `${open.repeat(depth)}${close.repeat(depth)}`;
}

/** Bodies that are not a JSON object (or not JSON at all). */
export const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '}', '{"a":}', '{"a" 1}', "{'a':1}", 'nul', '[1,]', '{"a":1,}', '\u0000'),
  fc.constantFrom('null', '1', '"x"', '[]', '[{}]', 'true'),
  fc.string({ maxLength: 30 }).filter((text) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value !== 'object' || value === null || Array.isArray(value);
    } catch {
      return true;
    }
  }),
);

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a cut sequence). */
export const badUtf8: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom([0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88]),
    fc.string({ maxLength: 10 }),
  )
  .map(([bytes, text]) => Buffer.concat([Buffer.from(text), Buffer.from(bytes)]));

/** `encodeURIComponent` for any string: lone surrogates become U+FFFD first (it throws on them). */
export function uriEncode(text: string): string {
  return encodeURIComponent(Buffer.from(text).toString('utf8'));
}
