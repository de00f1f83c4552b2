import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PIECE_LENGTH, prosePieces, textPieces, wordPieces } from './prose.ts';
import { deriveSeed, hashString, Random } from './random.ts';

describe('prose', () => {
  it('keeps short words whole and splits long ones into 2–3 pieces', () => {
    expect(wordPieces(' the')).toEqual([' the']);
    expect(wordPieces(' streaming')).toEqual([' stream', 'ing']);
    expect(wordPieces(' understanding')).toEqual([' under', 'stand', 'ing']);
  });

  it('splits any text into pieces of 1–8 characters that join back to it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const pieces = textPieces(text);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(MAX_PIECE_LENGTH);
        for (const piece of pieces) expect(piece.length).toBeGreaterThan(0);
      }),
    );
  });

  it('writes whole sentences until it has at least the pieces asked for', () => {
    for (const register of ['answer', 'thinking'] as const) {
      for (let seed = 0; seed < 50; seed++) {
        const pieces = [...prosePieces(new Random(seed), register, 30)];
        expect(pieces.length).toBeGreaterThanOrEqual(30);
        expect(pieces.at(-1)).toMatch(/^[.?]$/);
        expect(pieces[0]).toMatch(/^[A-Z]/);
      }
    }
  });

  it('thinks in its own register in the reasoning block', () => {
    const text = [...prosePieces(new Random(1), 'thinking', 2_000)].join('');
    expect(text).toMatch(/\bI (should|need to|could|might|want to|will)\b/);
  });
});

describe('random', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = new Random(9);
    const b = new Random(9);
    for (let index = 0; index < 1_000; index++) {
      const value = a.next();
      expect(b.next()).toBe(value);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      expect(a.int(3, 5)).toBeOneOf([3, 4, 5]);
      b.int(3, 5);
    }
  });

  it('derives different seeds for different inputs and streams', () => {
    expect(hashString('a')).not.toBe(hashString('b'));
    expect(deriveSeed('content', 'x')).not.toBe(deriveSeed('timing', 'x'));
    expect(hashString('the same')).toBe(hashString('the same'));
  });
});
