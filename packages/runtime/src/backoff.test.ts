import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it.each([
    [0, 50],
    [1, 100],
    [4, 800],
    [5, 1_000],
    [30, 1_000],
    [1_000, 1_000],
  ])('waits base × 2^attempt up to the cap: retry %i → %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, { baseMs: 50, maxMs: 1_000 })).toBe(expected);
  });

  it('keeps the delays of a zero base at zero, however many retries', () => {
    expect(backoffDelay(5_000, { baseMs: 0, maxMs: 1_000 })).toBe(0);
  });

  it.each([
    [1, 0, 800],
    [1, 0.999, 0.8],
    [0.5, 0.5, 600],
    [0.25, 0, 800],
    [0.25, 1, 600],
  ])('draws jitter %f of the delay at random: random() = %f → %f ms', (jitter, draw, expected) => {
    const delay = backoffDelay(4, { baseMs: 50, maxMs: 1_000, jitter, random: () => draw });
    expect(delay).toBeCloseTo(expected, 6);
  });

  it('stays within [(1 - jitter) × delay, delay] with the real random source', () => {
    for (let run = 0; run < 1_000; run++) {
      const delay = backoffDelay(3, { baseMs: 100, maxMs: 10_000, jitter: 0.3 });
      expect(delay).toBeGreaterThan(560 - 1e-9);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });

  it.each([-1, 1.5, Number.NaN])('refuses retry %f', (attempt) => {
    expect(() => backoffDelay(attempt, { baseMs: 50, maxMs: 1_000 })).toThrow(RangeError);
  });

  it.each([-0.1, 1.1, Number.NaN])('refuses jitter %f', (jitter) => {
    expect(() => backoffDelay(0, { baseMs: 50, maxMs: 1_000, jitter })).toThrow(RangeError);
  });
});
