/**
 * Read tokens: a signed, expiring capability to read one stream, checked by any gateway without
 * Redis. `rt1.<payload>.<signature>`, both base64url: the payload is JSON
 * `{ s: stream id, e: expiry (Unix seconds), k: id of the key that created the stream }`, the
 * signature HMAC-SHA256 of `rt1.<payload>` under `SPOOL_TOKEN_SECRET`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isStreamId } from '@spool/protocol';

const VERSION = 'rt1';
const SIGNATURE_BYTES = 32;

export interface ReadTokenClaims {
  streamId: string;
  /** Expiry, ms since the epoch (kept to the second). */
  expiresAt: number;
  /** The API key that created the stream (its quotas count the token's connections). */
  keyId: string;
}

export type ReadTokenCheck =
  | { ok: true; claims: ReadTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Whether a credential has a read token's form (else it is taken for an API key). */
export function looksLikeReadToken(credential: string): boolean {
  return credential.startsWith(`${VERSION}.`);
}

export function signReadToken(secret: string, claims: ReadTokenClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ s: claims.streamId, e: Math.ceil(claims.expiresAt / 1_000), k: claims.keyId }),
  ).toString('base64url');
  return `${VERSION}.${payload}.${signature(secret, payload).toString('base64url')}`;
}

export function verifyReadToken(secret: string, token: string, now: number): ReadTokenCheck {
  const [version, payload, signed, ...rest] = token.split('.');
  if (version !== VERSION || !payload || !signed || rest.length > 0) {
    return { ok: false, reason: 'malformed' };
  }
  const given = Buffer.from(signed, 'base64url');
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, signature(secret, payload))) {
    return { ok: false, reason: 'bad_signature' };
  }
  const claims = decodePayload(payload);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  if (claims.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest();
}

function decodePayload(payload: string): ReadTokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { s, e, k } = value as Record<string, unknown>;
  if (!isStreamId(s) || !Number.isSafeInteger(e) || typeof k !== 'string') return undefined;
  return { streamId: s, expiresAt: (e as number) * 1_000, keyId: k };
}
