import { describe, expect, it } from 'vitest';
import { backoffDelay, retryAfterMs } from './backoff.ts';

const options = { initialDelayMs: 100, maxDelayMs: 5_000 };

describe('backoffDelay', () => {
  it.each([
    { attempt: 0, bound: 100 },
    { attempt: 1, bound: 200 },
    { attempt: 3, bound: 800 },
    { attempt: 6, bound: 5_000 },
    { attempt: 1_000, bound: 5_000 },
  ])('draws retry $attempt uniformly below $bound ms (full jitter)', ({ attempt, bound }) => {
    expect(backoffDelay(attempt, options, () => 0)).toBe(0);
    expect(backoffDelay(attempt, options, () => 0.5)).toBe(Math.floor(bound / 2));
    expect(backoffDelay(attempt, options, () => 0.999_999)).toBe(bound - 1);
  });
});

describe('retryAfterMs', () => {
  it.each([
    { header: '3', now: 0, expected: 3_000 },
    { header: '0', now: 0, expected: 0 },
    {
      header: 'Wed, 21 Oct 2015 07:28:05 GMT',
      now: Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'),
      expected: 5_000,
    },
    { header: 'soon', now: 0, expected: undefined },
    { header: null, now: 0, expected: undefined },
  ])('reads $header as $expected ms', ({ header, now, expected }) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});
