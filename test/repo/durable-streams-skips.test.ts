import { describe, expect, it } from 'vitest';
import { SKIPPED_CONFORMANCE_TESTS, withoutSkipped } from '../e2e/durable-streams-skips.ts';

describe('the Durable Streams conformance skip list', () => {
  it('leaves out exactly the listed names, however they are spelled', () => {
    const pattern = withoutSkipped([{ name: 'A > b (c) [d]?' }]);
    expect(pattern?.test('A > b (c) [d]?')).toBe(false);
    expect(pattern?.test('A > b (c) [d]? more')).toBe(true);
    expect(pattern?.test('X > y')).toBe(true);
  });

  it('filters nothing when it is empty', () => {
    expect(withoutSkipped([])).toBeUndefined();
  });

  it('gives every entry its reason', () => {
    for (const entry of SKIPPED_CONFORMANCE_TESTS) expect(entry.reason.length).toBeGreaterThan(20);
  });
});
