import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeReadToken, signReadToken, verifyReadToken } from './read-token.ts';

const SECRET = 'token-secret-0123456789abcdefghijklmnopqr';
const claims = {
  streamId: 'st_abcdefghijklmnopqrstuv',
  expiresAt: 2_000_000_000_000,
  keyId: 'alice',
};

describe('read tokens', () => {
  it('verifies what it signed until it expires', () => {
    const token = signReadToken(SECRET, claims);
    expect(looksLikeReadToken(token)).toBe(true);
    expect(verifyReadToken(SECRET, token, claims.expiresAt - 1)).toEqual({ ok: true, claims });
    expect(verifyReadToken(SECRET, token, claims.expiresAt)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a token signed with another secret, or altered anywhere', () => {
    const token = signReadToken(SECRET, claims);
    expect(verifyReadToken(`${SECRET}x`, token, 0)).toMatchObject({ reason: 'bad_signature' });
    const other = signReadToken(SECRET, { ...claims, streamId: 'st_zzzzzzzzzzzzzzzzzzzzzz' });
    const [version, , signature] = token.split('.');
    const swapped = `${version}.${other.split('.')[1]}.${signature}`;
    expect(verifyReadToken(SECRET, swapped, 0)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('never accepts arbitrary strings and never throws on them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(verifyReadToken(SECRET, text, 0).ok).toBe(false);
        expect(verifyReadToken(SECRET, `rt1.${text}`, 0).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});
