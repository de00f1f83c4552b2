import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { Item, NewItem } from './items.ts';
import { type itemSchema, type newItemSchema, parseItem, parseNewItems } from './schemas.ts';
import { itemsArbitrary, newItemArbitrary } from './test-arbitraries.ts';

describe('item schemas', () => {
  it('describe exactly the item types', () => {
    expectTypeOf<z.output<typeof itemSchema>>().toEqualTypeOf<Item>();
    expectTypeOf<z.output<typeof newItemSchema>>().toEqualTypeOf<NewItem>();
  });

  it('accept every well-formed item and new item unchanged', () => {
    fc.assert(
      fc.property(itemsArbitrary, fc.array(newItemArbitrary), (items, newItems) => {
        for (const item of items) expect(parseItem(item)).toEqual({ ok: true, value: item });
        expect(parseNewItems(newItems)).toEqual({ ok: true, value: newItems });
      }),
    );
  });

  it('strip fields that are not part of the item', () => {
    const value = { type: 'token', offset: 1, block: 0, text: 'a', secret: true };
    expect(parseItem(value)).toEqual({
      ok: true,
      value: { type: 'token', offset: 1, block: 0, text: 'a' },
    });
  });

  it('accept an empty token text', () => {
    expect(parseNewItems([{ type: 'token', block: 0, text: '' }]).ok).toBe(true);
  });

  const refusals: [string, unknown, RegExp][] = [
    [
      'an offset on a new item is ignored, a missing type is not',
      [{ block: 0 }],
      /^items\[0\]\.type: /,
    ],
    ['a negative block', [{ type: 'token', block: -1, text: 'a' }], /^items\[0\]\.block: /],
    [
      'an unknown finish reason',
      [{ type: 'end', finish_reason: 'done' }],
      /^items\[0\]\.finish_reason: /,
    ],
    [
      'a tool on a text block',
      [{ type: 'block_start', block: 0, kind: 'text', tool: { id: 'a', name: 'b' } }],
      /^items\[0\]\.tool: /,
    ],
    ['an empty error code', [{ type: 'error', code: '', message: 'x' }], /^items\[0\]\.code: /],
    [
      'a fractional usage count',
      [{ type: 'usage', prompt_tokens: 1.5, completion_tokens: 0, total_tokens: 0 }],
      /prompt_tokens/,
    ],
    ['not an array', { type: 'token', block: 0, text: 'a' }, /^items: /],
  ];
  for (const [name, value, message] of refusals) {
    it(`refuse ${name}`, () => {
      const result = parseNewItems(value);
      expect(result.ok ? 'ok' : result.error).toEqual({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
    });
  }

  it('refuse an item whose offset is not a non-negative safe integer', () => {
    for (const offset of [-1, 0.5, 2 ** 53, Number.NaN, '3']) {
      const result = parseItem({ type: 'block_end', offset, block: 0 });
      expect(result.ok).toBe(false);
    }
  });
});
