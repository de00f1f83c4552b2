import { describe, expect, it } from 'vitest';
import { currentCursor, responseCursor } from './ds-cursor.ts';

const NOW = Date.UTC(2026, 10, 30, 12);

describe('Stream-Cursor', () => {
  it('counts 20 s intervals since 2024-10-09', () => {
    expect(currentCursor(Date.UTC(2024, 9, 9, 0, 0, 40))).toBe(2);
  });

  it('answers the current interval to a client behind it or without one', () => {
    expect(responseCursor(undefined, NOW)).toBe(String(currentCursor(NOW)));
    expect(responseCursor('5', NOW)).toBe(String(currentCursor(NOW)));
  });

  it('moves past a client cursor that is not behind, so it never repeats', () => {
    const current = currentCursor(NOW);
    for (const random of [0, 0.5, 0.999]) {
      expect(Number(responseCursor(String(current), NOW, () => random))).toBeGreaterThan(current);
    }
  });
});
