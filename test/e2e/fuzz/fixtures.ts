/**
 * What the fuzz cases aim at: streams of the fuzz key (ended, with their read tokens), a stream
 * of another key, a subscription, and credentials good and bad. Read tokens are signed here with
 * the run's `SPOOL_TOKEN_SECRET` in the format of docs/protocol.md section 12, so the suite can
 * make expired ones and ones for streams that do not exist.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const FUZZ_KEY = 'fuzz-key-0123456789abcdefghij';
export const OTHER_KEY = 'other-key-0123456789abcdefghij';
export const GOOD_KEY = 'good-key-0123456789abcdefghijk';
export const TIGHT_KEY = 'tight-key-0123456789abcdefghij';
export const TOKEN_SECRET = 'fuzz-token-secret-0123456789abcdefghijklm';
export const ID_SECRET = 'fuzz-id-secret-0123456789abcdefghijklmnop';

export interface OwnedStream {
  id: string;
  token: string;
  /** Its length (it has ended). */
  length: number;
  epoch: string;
}

export interface Fixtures {
  owned: OwnedStream[];
  /** A stream of OTHER_KEY: the fuzz key may neither read nor manage it. */
  foreign: { id: string; token: string };
  /** A subscription on `owned[0]`. */
  subscription: string;
}

/** A read token as any gateway of the run would sign it; `expiresAt` in ms. */
export function signToken(stream: string, expiresAt: number, key = 'fuzz'): string {
  const payload = Buffer.from(
    JSON.stringify({ s: stream, e: Math.ceil(expiresAt / 1_000), k: key }),
  ).toString('base64url');
  const signature = createHmac('sha256', TOKEN_SECRET).update(`rt1.${payload}`).digest('base64url');
  return `rt1.${payload}.${signature}`;
}

export function randomStreamId(): string {
  return `st_${randomBytes(16).toString('base64url')}`;
}
