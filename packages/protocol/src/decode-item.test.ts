import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem } from './decode-item.ts';
import type { Item } from './items.ts';
import type { Result } from './protocol-error.ts';
import { parseItem } from './schemas.ts';
import { itemLikeArbitrary, itemsArbitrary } from './test-arbitraries.ts';

const options = { code: 'invalid_request', subject: 'item' } as const;

/** A result with the message cut to the field it names: the wording differs from zod's. */
function outcome<T>(result: Result<T>) {
  if (result.ok) return result;
  const { code, message, stream } = result.error;
  return { ok: false, code, field: message.slice(0, message.indexOf(': ')), stream };
}

describe('decodeItem', () => {
  it('accepts every well-formed item unchanged', () => {
    fc.assert(
      fc.property(itemsArbitrary, (items) => {
        for (const item of items) {
          expect(decodeItem(item, options)).toEqual({ ok: true, value: item });
        }
      }),
    );
  });

  it('answers what the zod itemSchema answers, for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 6, arbitrary: itemLikeArbitrary },
          { weight: 1, arbitrary: fc.anything() },
        ),
        (value) => {
          expect(outcome(decodeItem(value, options))).toEqual(outcome(parseItem(value)));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('names the first wrong field in the order of the schema, with its code', () => {
    const cases: [unknown, Result<Item>][] = [
      [
        { type: 'block_end', offset: -1, block: -1 },
        {
          ok: false,
          error: { code: 'invalid_request', message: 'block: expected a non-negative integer' },
        },
      ],
      [
        { type: 'block_end', offset: 2 ** 53, block: 0 },
        {
          ok: false,
          error: { code: 'invalid_offset', message: 'offset: expected a non-negative integer' },
        },
      ],
      [
        { type: 'block_start', offset: 0, block: 0, kind: 'tool_call', tool: { id: 1, name: 'f' } },
        { ok: false, error: { code: 'invalid_request', message: 'tool.id: expected a string' } },
      ],
      [
        { type: 'block_start', offset: 0, block: 0, kind: 'text', tool: { id: 'c', name: 'f' } },
        {
          ok: false,
          error: { code: 'invalid_request', message: 'tool: only allowed on tool_call blocks' },
        },
      ],
      [
        { type: 'end', offset: 0, finish_reason: 'done' },
        {
          ok: false,
          error: {
            code: 'invalid_request',
            message: 'finish_reason: expected one of stop, length, tool_calls, cancelled, error',
          },
        },
      ],
      [[], { ok: false, error: { code: 'invalid_request', message: 'item: expected an object' } }],
      [
        { type: 'token', offset: 1, block: 0, text: 'a', secret: true },
        { ok: true, value: { type: 'token', offset: 1, block: 0, text: 'a' } },
      ],
    ];
    for (const [value, expected] of cases) {
      expect(decodeItem(value, options), JSON.stringify(value)).toEqual(expected);
    }
  });
});
