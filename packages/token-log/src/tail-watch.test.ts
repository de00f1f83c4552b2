import { describe, expect, it } from 'vitest';
import { MAX_SHARED_READ, newWatch, readRange, type Waiter } from './tail-watch.ts';

function watchOf(waiters: { from: number; limit: number }[]) {
  const watch = newWatch('st_unit', 0);
  for (const { from, limit } of waiters) {
    const waiter: Waiter = {
      from,
      limit,
      since: 0,
      readsBefore: 0,
      resolve: () => {},
      reject: () => {},
      signal: undefined,
    };
    watch.waiters.add(waiter);
  }
  return watch;
}

describe('readRange', () => {
  it('reads from the lowest waiter through what it can take', () => {
    expect(readRange(watchOf([{ from: 10, limit: 5 }]))).toEqual({ from: 10, limit: 5 });
  });

  it('covers waiters in step with each other, so one read gives each its whole limit', () => {
    const watch = watchOf([
      { from: 130, limit: 100 },
      { from: 100, limit: 100 },
      { from: 200, limit: 100 },
      { from: 100, limit: 1 },
    ]);
    expect(readRange(watch)).toEqual({ from: 100, limit: 200 });
  });

  it('leaves a waiter beyond a gap to the next read', () => {
    const watch = watchOf([
      { from: 100, limit: 50 },
      { from: 151, limit: 50 },
      { from: 5_000, limit: 50 },
    ]);
    expect(readRange(watch)).toEqual({ from: 100, limit: 50 });
  });

  it(`asks for at most ${MAX_SHARED_READ} items`, () => {
    const watch = watchOf(
      Array.from({ length: 10 }, (_, index) => ({ from: index * 1_000, limit: 1_000 })),
    );
    expect(readRange(watch)).toEqual({ from: 0, limit: MAX_SHARED_READ });
  });
});
