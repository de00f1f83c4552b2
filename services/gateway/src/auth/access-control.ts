/**
 * Who may do what (docs/security.md): with API keys configured, creating and managing streams
 * needs a key; reading one needs its read token or the key that created it. Without keys every
 * check passes (the gateway then serves loopback only, see access-settings.ts).
 *
 * A read token is checked without Redis (its signature and expiry); a key reading or managing a
 * stream is checked against the stream's `owner` field, one metadata read.
 */
import { MAX_CREDENTIAL_LENGTH, SpoolError } from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';
import { type ApiKey, ApiKeyRing } from './api-keys.ts';
import {
  looksLikeReadToken,
  type ReadTokenClaims,
  signReadToken,
  verifyReadToken,
} from './read-token.ts';

/** The stream metadata field that names the key that created the stream. */
export const OWNER_FIELD = 'owner';

export interface AccessControlOptions {
  apiKeys: readonly ApiKey[];
  tokenSecret: string;
  readTokenTtlMs: number;
  log: Pick<TokenLog, 'meta'>;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Who a read was allowed for: the key whose quotas count it (undefined with access control off). */
export interface ReadGrant {
  keyId: string | undefined;
}

export class AccessControl {
  readonly #keys: ApiKeyRing;
  readonly #tokenSecret: string;
  readonly #ttlMs: number;
  readonly #log: Pick<TokenLog, 'meta'>;
  readonly #now: () => number;

  constructor(options: AccessControlOptions) {
    this.#keys = new ApiKeyRing(options.apiKeys);
    this.#tokenSecret = options.tokenSecret;
    this.#ttlMs = options.readTokenTtlMs;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#keys.enabled;
  }

  /** The API key in `credential`: undefined with access control off; else 401 unless valid. */
  requireKey(credential: string | undefined): ApiKey | undefined {
    if (!this.enabled) return undefined;
    if (credential === undefined) {
      throw new SpoolError('unauthorized', 'This needs an API key: Authorization: Bearer <key>.');
    }
    const key = this.#keys.find(credential);
    if (key === undefined) throw new SpoolError('unauthorized', 'The API key is not valid.');
    return key;
  }

  /**
   * The credential a multiplexed connection (WebSocket, gRPC `Connect`) was opened with, if any:
   * an API key, or a read token (of any stream: each subscribe is checked on its own). 401 when
   * it is neither; the key id whose quotas count the connection.
   */
  connectionGrant(credential: string | undefined): ReadGrant {
    if (!this.enabled || credential === undefined) return { keyId: undefined };
    if (!looksLikeReadToken(credential)) return { keyId: this.requireKey(credential)?.id };
    return { keyId: this.#verifiedToken(credential).keyId };
  }

  /** A new read token for a stream created by `keyId` (undefined with access control off). */
  issueReadToken(streamId: string, keyId: string | undefined): string | undefined {
    if (!this.enabled || keyId === undefined) return undefined;
    return signReadToken(this.#tokenSecret, {
      streamId,
      expiresAt: this.#now() + this.#ttlMs,
      keyId,
    });
  }

  /**
   * May `credential` read stream `streamId`? Its read token (401 malformed, forged or expired;
   * 403 another stream's), or the key that created it (401 unknown key, 403 another key's).
   */
  async authorizeRead(streamId: string, credential: string | undefined): Promise<ReadGrant> {
    if (!this.enabled) return { keyId: undefined };
    if (credential === undefined) {
      throw new SpoolError(
        'unauthorized',
        'Reading this stream needs its read token or API key: Authorization: Bearer <…>, ?token= or the subscribe frame\'s "token".',
      );
    }
    if (!looksLikeReadToken(credential)) {
      const key = this.requireKey(credential);
      await this.authorizeOwner(streamId, key);
      return { keyId: key?.id };
    }
    const claims = this.#verifiedToken(credential);
    if (claims.streamId !== streamId) {
      throw new SpoolError('forbidden', 'This read token is for another stream.');
    }
    return { keyId: claims.keyId };
  }

  #verifiedToken(token: string): ReadTokenClaims {
    const check = verifyReadToken(this.#tokenSecret, token, this.#now());
    if (check.ok) return check.claims;
    throw new SpoolError(
      'unauthorized',
      check.reason === 'expired' ? 'The read token has expired.' : 'The read token is not valid.',
    );
  }

  /** 403 unless `key` created stream `streamId` (with access control on). */
  async authorizeOwner(streamId: string, key: ApiKey | undefined): Promise<void> {
    if (!this.enabled) return;
    if (key === undefined) throw new SpoolError('unauthorized');
    const meta = await this.#log.meta(streamId);
    if (meta.fields[OWNER_FIELD] !== key.id) {
      throw new SpoolError('forbidden', 'This API key did not create the stream.');
    }
  }
}

/**
 * The credential of an `Authorization: Bearer <…>` header, else of a `?token=` query parameter
 * (browsers' EventSource cannot send headers); undefined when neither is there. 401 for another
 * scheme or an oversized value.
 */
export function credentialOf(
  authorization: string | undefined,
  queryToken: unknown,
): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match?.[1]) {
      throw new SpoolError('unauthorized', 'Authorization: expected "Bearer <key or token>".');
    }
    return checkedLength(match[1]);
  }
  if (queryToken === undefined) return undefined;
  if (typeof queryToken !== 'string' || queryToken === '') {
    throw new SpoolError('unauthorized', 'token: expected one read token or API key.');
  }
  return checkedLength(queryToken);
}

function checkedLength(credential: string): string {
  if (credential.length > MAX_CREDENTIAL_LENGTH) {
    throw new SpoolError('unauthorized', 'The credential is too long to be valid.');
  }
  return credential;
}
