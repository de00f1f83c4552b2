import type { Item } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../model-adapter.ts';
import { createSyntheticAdapter } from './synthetic-adapter.ts';
import { collect, generate, request, withOffsets } from './test-helpers.ts';

const adapter = createSyntheticAdapter();

describe('synthetic adapter: continuation', () => {
  it('continues from every offset with exactly the rest of an uninterrupted run', async () => {
    const params = { seed: 42, max_tokens: 290, reasoning: true, tools: true };
    const whole = await generate(params);
    const stored = withOffsets(whole);
    expect(whole.length).toBeGreaterThan(290);
    for (let offset = 0; offset <= whole.length; offset++) {
      const rest = await collect(adapter, request(params), stored.slice(0, offset));
      expect(rest).toEqual(whole.slice(offset));
    }
  });

  it('continues any generation from any offset', async () => {
    const params = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      reasoning: fc.boolean(),
      tools: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(params, fc.double({ min: 0, max: 1, noNaN: true }), async (value, at) => {
        const whole = await generate(value);
        const offset = Math.floor(at * (whole.length - 1));
        const prefix = withOffsets(whole).slice(0, offset);
        expect(await collect(adapter, request(value), prefix)).toEqual(whole.slice(offset));
      }),
      { numRuns: 50 },
    );
  });

  it('accepts a prefix as the token log decodes it: other key order, no offset mapping', async () => {
    const whole = await generate({ seed: 3, tools: true });
    const prefix = withOffsets(whole).map((item) => JSON.parse(JSON.stringify(item)) as Item);
    const reordered = prefix.map(
      (item) => Object.fromEntries(Object.entries(item).reverse()) as unknown as Item,
    );
    expect(
      await collect(adapter, request({ seed: 3, tools: true }), reordered.slice(0, -2)),
    ).toEqual(whole.slice(-2));
  });

  const stored = async (): Promise<Item[]> => withOffsets(await generate({ seed: 5, tools: true }));
  const tokenAt = (items: Item[]): number => items.findIndex((item) => item.type === 'token');

  it.each<[string, (items: Item[]) => Item[]]>([
    [
      'a token of other text',
      (items) =>
        items.map((item, index) =>
          index === tokenAt(items) ? ({ ...item, text: 'Hello' } as Item) : item,
        ),
    ],
    [
      'another tool call id',
      (items) =>
        items.map((item) =>
          item.type === 'block_start' && item.tool
            ? { ...item, tool: { ...item.tool, id: 'call_x' } }
            : item,
        ),
    ],
    [
      'offsets that do not start at 0',
      (items) => items.map((item) => ({ ...item, offset: item.offset + 1 })),
    ],
    [
      'an extra field',
      (items) =>
        items.map((item, index) =>
          index === 0 ? ({ ...item, extra: 1 } as unknown as Item) : item,
        ),
    ],
    [
      'items beyond the end',
      (items) => [...items, { type: 'token', offset: items.length, block: 0, text: 'x' }],
    ],
  ])('throws continuation_mismatch for a prefix with %s', async (_name, corrupt) => {
    const prefix = corrupt(await stored());
    const failure = await collect(adapter, request({ seed: 5, tools: true }), prefix).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AdapterError);
    expect(failure).toMatchObject({ code: 'continuation_mismatch' });
  });

  it('throws continuation_mismatch for the prefix of another seed', async () => {
    const prefix = withOffsets(await generate({ seed: 6 })).slice(0, 20);
    const failure = await collect(adapter, request({ seed: 7 }), prefix).catch((error) => error);
    expect(failure).toMatchObject({ code: 'continuation_mismatch' });
  });
});
