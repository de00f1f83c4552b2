/**
 * API keys (`SPOOL_API_KEYS`): who may create streams, cancel them and manage subscriptions.
 *
 * The setting is a comma-separated list, or `@/path/to/file` with one entry per line (blank
 * lines and `#` comments skipped). An entry is `name:key` or just `key`; the name is the key's
 * identity (quotas, the owner of its streams, the scope of its Idempotency-Keys), so a key can be
 * rotated under the same name without losing its streams. An unnamed key is known by a digest
 * prefix. Only SHA-256 digests of the keys are kept, and a presented key is compared with every
 * one of them in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** What a key may look like: no separators, no whitespace, long enough not to be guessed. */
const KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/;
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ApiKey {
  /** The key's identity: its name, or `key-<12 hex digits of its digest>`. */
  id: string;
  digest: Buffer;
}

/** Why a `SPOOL_API_KEYS` value was refused: the message names the entry, never the key. */
export class ApiKeysError extends Error {}

/** The entries of `SPOOL_API_KEYS`; `readFile` reads the `@file` form. */
export function parseApiKeys(value: string, readFile: (path: string) => string): ApiKey[] {
  const fromFile = value.startsWith('@');
  const text = fromFile ? readKeyFile(value.slice(1), readFile) : value;
  const entries = (fromFile ? text.split(/\r?\n/) : text.split(','))
    .map((entry, index) => ({ entry: entry.replace(/#.*$/, '').trim(), index }))
    .filter(({ entry }) => entry !== '');
  const keys = entries.map(({ entry, index }) =>
    parseEntry(entry, fromFile ? `line ${index + 1}` : `entry ${index + 1}`),
  );
  if (keys.length === 0) throw new ApiKeysError('no key in it');
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.id)) throw new ApiKeysError(`the name or key "${key.id}" appears twice`);
    seen.add(key.id);
  }
  return keys;
}

function readKeyFile(path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (error) {
    throw new ApiKeysError(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

function parseEntry(entry: string, where: string): ApiKey {
  const colon = entry.indexOf(':');
  const name = colon < 0 ? undefined : entry.slice(0, colon).trim();
  const key = colon < 0 ? entry : entry.slice(colon + 1).trim();
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    throw new ApiKeysError(`${where}: a name is 1–64 letters, digits, "_", "." or "-"`);
  }
  if (!KEY_PATTERN.test(key)) {
    throw new ApiKeysError(
      `${where}: a key is 16–256 characters of letters, digits and . _ ~ + / = -`,
    );
  }
  const digest = sha256(key);
  return { id: name ?? `key-${digest.toString('hex').slice(0, 12)}`, digest };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class ApiKeyRing {
  readonly #keys: readonly ApiKey[];

  constructor(keys: readonly ApiKey[]) {
    this.#keys = keys;
  }

  /** Whether access control is on (at least one key configured). */
  get enabled(): boolean {
    return this.#keys.length > 0;
  }

  /** The key `presented` is, if any: every configured key is compared, in constant time. */
  find(presented: string): ApiKey | undefined {
    const digest = sha256(presented);
    let found: ApiKey | undefined;
    for (const key of this.#keys) {
      if (timingSafeEqual(key.digest, digest) && found === undefined) found = key;
    }
    return found;
  }
}
