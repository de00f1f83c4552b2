import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  chunkEnd,
  chunkItems,
  chunkSize,
  chunkStart,
  joinChunks,
  type TokensChunk,
} from './chunk.ts';
import type { Item } from './items.ts';
import { itemsArbitrary, maxItemsArbitrary } from './test-arbitraries.ts';

const token = (offset: number, text: string, block = 0): Item => ({
  type: 'token',
  offset,
  block,
  text,
});

describe('chunkItems', () => {
  it('coalesces consecutive tokens of one block up to maxItems', () => {
    const items = [token(0, 'a'), token(1, 'b'), token(2, 'c')];
    expect(chunkItems(items, 2)).toEqual([
      { kind: 'tokens', from: 0, to: 2, block: 0, text: 'ab' },
      { kind: 'tokens', from: 2, to: 3, block: 0, text: 'c' },
    ]);
  });

  it('never merges across blocks, control items or offset gaps', () => {
    const blockEnd: Item = { type: 'block_end', offset: 2, block: 0 };
    const items = [token(0, 'a'), token(1, 'b', 1), blockEnd, token(3, 'c'), token(5, 'd')];
    expect(chunkItems(items, 100)).toEqual([
      { kind: 'tokens', from: 0, to: 1, block: 0, text: 'a' },
      { kind: 'tokens', from: 1, to: 2, block: 1, text: 'b' },
      { kind: 'control', item: blockEnd },
      { kind: 'tokens', from: 3, to: 4, block: 0, text: 'c' },
      { kind: 'tokens', from: 5, to: 6, block: 0, text: 'd' },
    ]);
  });

  it('gives no chunk for no items', () => {
    expect(chunkItems([], 4)).toEqual([]);
  });

  it('refuses a maxItems that is not a positive integer', () => {
    for (const maxItems of [0, -1, 1.5, Number.NaN]) {
      expect(() => chunkItems([token(0, 'a')], maxItems)).toThrow(RangeError);
    }
  });

  it('reports start, end and size of a chunk', () => {
    const tokens: Chunk = { kind: 'tokens', from: 3, to: 7, block: 0, text: 'abcd' };
    const end: Chunk = { kind: 'control', item: { type: 'end', offset: 7, finish_reason: 'stop' } };
    expect([chunkStart(tokens), chunkEnd(tokens), chunkSize(tokens)]).toEqual([3, 7, 4]);
    expect([chunkStart(end), chunkEnd(end), chunkSize(end)]).toEqual([7, 8, 1]);
  });
});

describe('chunkItems properties', () => {
  const input = fc.tuple(itemsArbitrary, maxItemsArbitrary);

  it('covers the offsets of the items densely and in order', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        const chunks = chunkItems(items, maxItems);
        let next = items[0]?.offset;
        for (const chunk of chunks) {
          expect(chunkStart(chunk)).toBe(next);
          next = chunkEnd(chunk);
        }
        const last = items.at(-1);
        expect(next).toBe(last === undefined ? undefined : last.offset + 1);
      }),
    );
  });

  it('keeps every chunk within maxItems', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        for (const chunk of chunkItems(items, maxItems)) {
          expect(chunkSize(chunk)).toBeGreaterThanOrEqual(1);
          expect(chunkSize(chunk)).toBeLessThanOrEqual(maxItems);
        }
      }),
    );
  });

  it('puts in a tokens chunk exactly the texts of its tokens, all of its block', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        const start = items[0]?.offset ?? 0;
        for (const chunk of chunkItems(items, maxItems)) {
          if (chunk.kind !== 'tokens') continue;
          const covered = items.slice(chunk.from - start, chunk.to - start);
          const texts = covered.map((item) => (item.type === 'token' ? item.text : undefined));
          expect(covered.every((item) => item.type === 'token' && item.block === chunk.block)).toBe(
            true,
          );
          expect(chunk.text).toBe(texts.join(''));
        }
      }),
    );
  });

  it('concatenates to the same text per block as the tokens', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        const expected = new Map<number, string>();
        for (const item of items) {
          if (item.type === 'token') {
            expected.set(item.block, (expected.get(item.block) ?? '') + item.text);
          }
        }
        const actual = new Map<number, string>();
        for (const chunk of chunkItems(items, maxItems)) {
          if (chunk.kind === 'tokens') {
            actual.set(chunk.block, (actual.get(chunk.block) ?? '') + chunk.text);
          }
        }
        expect(actual).toEqual(expected);
      }),
    );
  });

  it('preserves control items one to one, in order', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        const controls = chunkItems(items, maxItems).flatMap((chunk) =>
          chunk.kind === 'control' ? [chunk.item] : [],
        );
        const expected = items.filter((item) => item.type !== 'token');
        expect(controls).toHaveLength(expected.length);
        controls.forEach((item, index) => {
          expect(item).toBe(expected[index]);
        });
      }),
    );
  });

  it('only splits a run of one block once the chunk is full', () => {
    fc.assert(
      fc.property(input, ([items, maxItems]) => {
        const chunks = chunkItems(items, maxItems);
        for (const [index, chunk] of chunks.entries()) {
          const next = chunks[index + 1];
          if (chunk.kind === 'tokens' && next?.kind === 'tokens' && next.block === chunk.block) {
            expect(chunkSize(chunk)).toBe(maxItems);
          }
        }
      }),
    );
  });
});

describe('joinChunks', () => {
  const tokens = (from: number, to: number, block = 0): TokensChunk => ({
    kind: 'tokens',
    from,
    to,
    block,
    text: 'x'.repeat(to - from),
  });

  it('joins a tokens chunk that continues another of its block, within the limit', () => {
    expect(joinChunks(tokens(0, 2), tokens(2, 5), 8)).toEqual(tokens(0, 5));
    expect(joinChunks(tokens(0, 2), tokens(2, 5), 4)).toBeUndefined();
    expect(joinChunks(tokens(0, 2), tokens(3, 5), 8)).toBeUndefined();
    expect(joinChunks(tokens(0, 2), tokens(2, 5, 1), 8)).toBeUndefined();
    const end: Chunk = { kind: 'control', item: { type: 'end', offset: 2, finish_reason: 'stop' } };
    expect(joinChunks(tokens(0, 2), end, 8)).toBeUndefined();
  });

  it('joined in any grouping, the chunks of a stream carry the same offsets and text', () => {
    fc.assert(
      fc.property(itemsArbitrary, maxItemsArbitrary, fc.nat(), (items, maxItems, seed) => {
        const singles = chunkItems(items, 1);
        const joined: Chunk[] = [];
        for (const [index, chunk] of singles.entries()) {
          const last = joined.at(-1);
          const limit = 1 + ((seed + index) % maxItems);
          const both = last?.kind === 'tokens' ? joinChunks(last, chunk, limit) : undefined;
          if (both) joined[joined.length - 1] = both;
          else joined.push(chunk);
        }
        const text = (chunks: Chunk[]) =>
          chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '|')).join('');
        expect(text(joined)).toBe(text(singles));
        let next = items[0]?.offset;
        for (const chunk of joined) {
          expect(chunkStart(chunk)).toBe(next);
          expect(chunkSize(chunk)).toBeLessThanOrEqual(Math.max(1, maxItems));
          next = chunkEnd(chunk);
        }
      }),
    );
  });
});
