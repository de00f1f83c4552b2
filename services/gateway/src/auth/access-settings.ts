/**
 * The access-control settings of the gateway's configuration (config.ts calls it once), and the
 * safe defaults: without API keys the gateway serves loopback only, unless
 * `SPOOL_ALLOW_INSECURE=1`; with keys it refuses example or short secrets. docs/security.md
 * explains each rule.
 */
import { ConfigError } from '@spool/runtime';
import { type ApiKey, ApiKeysError, parseApiKeys } from './api-keys.ts';
import { type OriginPolicy, parseOrigins } from './origins.ts';

export const EXAMPLE_ID_SECRET = 'spool-dev-secret-change-me';
export const EXAMPLE_TOKEN_SECRET = 'spool-dev-token-secret-change-me';
/** Shortest secret accepted with access control on (HMAC-SHA256 keys: 32 bytes of entropy or so). */
export const MIN_SECRET_LENGTH = 32;

export interface AccessInput {
  SPOOL_API_KEYS?: string | undefined;
  SPOOL_HOST?: string | undefined;
  SPOOL_ID_SECRET: string;
  SPOOL_TOKEN_SECRET: string;
  SPOOL_READ_TOKEN_TTL: number;
  SPOOL_STREAM_TTL: number;
  SPOOL_ALLOW_INSECURE: '0' | '1';
  SPOOL_CORS_ORIGINS?: string | undefined;
  SPOOL_QUOTA_CREATES_PER_MINUTE: number;
  SPOOL_QUOTA_RUNNING_STREAMS: number;
  SPOOL_QUOTA_CONNECTIONS: number;
  SPOOL_DEMO_GATEWAYS?: string | undefined;
  SPOOL_PUBLIC_URL?: string | undefined;
}

export interface QuotaSettings {
  /** Creates per minute per API key (0: no quota). */
  createsPerMinute: number;
  /** Streams of one key queued or running at once (0: no quota). */
  runningStreams: number;
  /** Connections of one key open at once, across gateways (0: no quota). */
  connections: number;
}

export function accessSettings(raw: AccessInput, readFile: (path: string) => string) {
  const errors: string[] = [];
  let apiKeys: ApiKey[] = [];
  if (raw.SPOOL_API_KEYS !== undefined) {
    try {
      apiKeys = parseApiKeys(raw.SPOOL_API_KEYS, readFile);
    } catch (error) {
      if (!(error instanceof ApiKeysError)) throw error;
      errors.push(`SPOOL_API_KEYS: ${error.message}`);
    }
  }
  const keysOn = raw.SPOOL_API_KEYS !== undefined;
  const allowInsecure = raw.SPOOL_ALLOW_INSECURE === '1';
  const host = raw.SPOOL_HOST ?? (keysOn ? '0.0.0.0' : '127.0.0.1');
  if (!keysOn && !allowInsecure && !isLoopback(host)) {
    errors.push(
      `SPOOL_HOST: ${JSON.stringify(host)} is not a loopback address and SPOOL_API_KEYS is not set: set API keys, or SPOOL_ALLOW_INSECURE=1 to serve it without access control`,
    );
  }
  if (keysOn) {
    for (const name of ['SPOOL_ID_SECRET', 'SPOOL_TOKEN_SECRET'] as const) {
      const problem = secretProblem(raw[name]);
      if (problem) errors.push(`${name}: ${problem} (required with SPOOL_API_KEYS)`);
    }
  }
  let corsOrigins: OriginPolicy = { any: false, origins: [] };
  try {
    corsOrigins = parseOrigins(raw.SPOOL_CORS_ORIGINS ?? '');
  } catch (error) {
    errors.push(`SPOOL_CORS_ORIGINS: ${(error as Error).message}`);
  }
  // The demo page may switch between the gateways of SPOOL_DEMO_GATEWAYS: their pages are trusted.
  corsOrigins = withOrigins(corsOrigins, [
    ...(raw.SPOOL_DEMO_GATEWAYS ?? '').split(','),
    raw.SPOOL_PUBLIC_URL ?? '',
  ]);
  if (errors.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${errors.join('\n  ')}`);
  }
  const quotas: QuotaSettings = {
    createsPerMinute: raw.SPOOL_QUOTA_CREATES_PER_MINUTE,
    runningStreams: raw.SPOOL_QUOTA_RUNNING_STREAMS,
    connections: raw.SPOOL_QUOTA_CONNECTIONS,
  };
  return {
    host,
    idSecret: raw.SPOOL_ID_SECRET,
    access: Object.freeze({
      apiKeys,
      tokenSecret: raw.SPOOL_TOKEN_SECRET,
      /** Lifetime of a read token from its create (default: the stream's retention). */
      readTokenTtlMs: raw.SPOOL_READ_TOKEN_TTL || raw.SPOOL_STREAM_TTL,
      allowInsecure,
      corsOrigins,
      quotas: Object.freeze(quotas),
    }),
  };
}

/** Why a secret will not do with access control on, or undefined when it will. */
function secretProblem(secret: string): string | undefined {
  if (/change-?me/i.test(secret)) return 'the example value; set a secret of your own';
  if (secret.length < MIN_SECRET_LENGTH) {
    return `at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`;
  }
  return undefined;
}

/** Whether `host` only listens on this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}

/** `policy` with the origins of `urls` added (entries that are not URLs are left out). */
function withOrigins(policy: OriginPolicy, urls: readonly string[]): OriginPolicy {
  if (policy.any) return policy;
  const origins = new Set(policy.origins);
  for (const url of urls) {
    if (URL.canParse(url.trim())) origins.add(new URL(url.trim()).origin);
  }
  return { any: false, origins: [...origins] };
}
