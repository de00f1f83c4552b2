import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH } from './limits.ts';

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it.each([
    'k',
    'client-test-key-1',
    '9b2f5c3e-0d1a-4c2b-8e7f-123456789abc',
    '!~',
    'x'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH),
  ])('accepts %s', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(true);
  });

  it.each(['', 'a b', 'tab\t', 'é', 'line\n', 'x'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)])(
    'refuses %j',
    (key) => {
      expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(false);
    },
  );

  it('is the pattern the gateway has always checked', () => {
    expect(IDEMPOTENCY_KEY_PATTERN.source).toBe(/^[\x21-\x7e]{1,255}$/.source);
  });
});
