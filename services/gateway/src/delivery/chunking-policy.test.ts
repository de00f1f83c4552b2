import { chunkEnd, chunkSize, type Item } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkingPolicy, chunkLimit, planChunks, shouldWaitForMore } from './chunking-policy.ts';

const tokenRun = (count: number, from = 0): Item[] =>
  Array.from({ length: count }, (_, index) => ({
    type: 'token',
    offset: from + index,
    block: 0,
    text: 'x',
  }));

describe('chunking policy', () => {
  it('reads the per-request option, bounded by the gateway maximum', () => {
    expect(chunkingPolicy('token', 64)).toEqual({ maxItems: 1, maxDelayMs: 0 });
    expect(chunkingPolicy(undefined, 64)).toEqual({ maxItems: 64, maxDelayMs: 0 });
    expect(chunkingPolicy('adaptive', 64)).toEqual({ maxItems: 64, maxDelayMs: 0 });
    expect(chunkingPolicy({ maxItems: 500, maxDelayMs: 20 }, 64)).toEqual({
      maxItems: 64,
      maxDelayMs: 20,
    });
  });

  it('grows message size with the backlog, never past the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_096 }),
        fc.nat(100_000),
        fc.nat(100_000),
        (max, a, b) => {
          const policy = { maxItems: max, maxDelayMs: 0 };
          const [low, high] = a <= b ? [a, b] : [b, a];
          expect(chunkLimit(policy, low)).toBeLessThanOrEqual(chunkLimit(policy, high));
          expect(chunkLimit(policy, high)).toBeLessThanOrEqual(max);
          expect(chunkLimit(policy, high)).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });

  it('gives a client that keeps up its tokens as they come and a lagging one bigger messages', () => {
    const policy = chunkingPolicy('adaptive', 64);
    expect(planChunks(tokenRun(3), policy, 3)).toHaveLength(1);
    const behind = planChunks(tokenRun(640), policy, 5_000);
    expect(behind).toHaveLength(10);
    expect(planChunks(tokenRun(5), chunkingPolicy('token', 64), 5)).toHaveLength(5);
  });

  it('plans chunks that cover every item once, in order, within the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat(1_000),
        (count, max, backlog) => {
          const chunks = planChunks(tokenRun(count, 10), { maxItems: max, maxDelayMs: 0 }, backlog);
          let offset = 10;
          for (const chunk of chunks) {
            expect(chunkEnd(chunk) - chunkSize(chunk)).toBe(offset);
            expect(chunkSize(chunk)).toBeLessThanOrEqual(
              chunkLimit({ maxItems: max, maxDelayMs: 0 }, backlog),
            );
            offset = chunkEnd(chunk);
          }
          expect(offset).toBe(10 + count);
        },
      ),
    );
  });

  it('never holds back the first chunk, a full chunk, the end, or past the delay', () => {
    const policy = { maxItems: 8, maxDelayMs: 20 };
    const base = { policy, first: false, pending: 2, ended: false, oldestWaitedMs: 5 };
    expect(shouldWaitForMore(base)).toBe(true);
    expect(shouldWaitForMore({ ...base, first: true })).toBe(false);
    expect(shouldWaitForMore({ ...base, pending: 8 })).toBe(false);
    expect(shouldWaitForMore({ ...base, ended: true })).toBe(false);
    expect(shouldWaitForMore({ ...base, oldestWaitedMs: 20 })).toBe(false);
    expect(shouldWaitForMore({ ...base, policy: { maxItems: 8, maxDelayMs: 0 } })).toBe(false);
  });
});
