import { type Chunk, chunkEnd, chunkItems, type Item } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeChunk } from './chunk-order.ts';

const tokens = (from: number, to: number): Chunk => ({
  kind: 'tokens',
  from,
  to,
  block: 0,
  text: 'x'.repeat(to - from),
});
const control = (offset: number): Chunk => ({
  kind: 'control',
  item: { type: 'block_end', offset, block: 0 },
});

describe('placeChunk', () => {
  it.each([
    { chunk: tokens(5, 8), expected: 5, placement: 'next' },
    { chunk: control(5), expected: 5, placement: 'next' },
    { chunk: tokens(2, 5), expected: 5, placement: 'repeat' },
    { chunk: control(4), expected: 5, placement: 'repeat' },
    { chunk: tokens(3, 7), expected: 5, placement: 'overlap' },
    { chunk: tokens(6, 9), expected: 5, placement: 'gap' },
    { chunk: control(6), expected: 5, placement: 'gap' },
  ])('places $chunk.kind at expected $expected as $placement', ({ chunk, expected, placement }) => {
    expect(placeChunk(chunk, expected)).toBe(placement);
  });

  it('hands every offset over once, in order, across connections that repeat what came before', () => {
    const item = (offset: number): Item =>
      offset % 7 === 3
        ? { type: 'block_end', offset, block: 0 }
        : { type: 'token', offset, block: 0, text: `t${offset}` };
    const connection = fc.record({
      cut: fc.nat(60),
      size: fc.integer({ min: 1, max: 9 }),
      back: fc.nat(20),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(connection, { maxLength: 12 }),
        (length, connections) => {
          const items = Array.from({ length }, (_, offset) => item(offset));
          const seen: number[] = [];
          let expected = 0;
          const placements = new Set<string>();
          // Each connection first repeats some of what came before (stale frames, a resend,
          // with chunk boundaries of their own), then resumes exactly where the stream expects,
          // delivers up to `cut` items and drops. The last one delivers the rest.
          for (const { cut, size, back } of [...connections, { cut: length, size: 5, back: 3 }]) {
            const repeated = items.slice(Math.max(0, expected - back), expected);
            const fresh = items.slice(expected, Math.min(length, expected + cut));
            for (const chunk of [...chunkItems(repeated, size), ...chunkItems(fresh, size)]) {
              const placement = placeChunk(chunk, expected);
              placements.add(placement);
              if (placement !== 'next') continue;
              for (let offset = expected; offset < chunkEnd(chunk); offset += 1) seen.push(offset);
              expected = chunkEnd(chunk);
            }
          }
          expect(seen).toEqual(Array.from({ length }, (_, offset) => offset));
          expect(placements.has('overlap') || placements.has('gap')).toBe(false);
        },
      ),
    );
  });
});
