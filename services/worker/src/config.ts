/**
 * The worker's configuration: parsed from the environment once, validated, frozen.
 * docs/configuration.md lists every variable.
 */
import { DEFAULT_QUEUE_PREFIX } from '@spool/generation-queue';
import {
  ConfigError,
  duration,
  findUnknownVariables,
  integer,
  oneOf,
  parseEnv,
  text,
} from '@spool/runtime';
import { z } from 'zod';

const HOUR = 3_600_000;

const shape = {
  REDIS_URL: text('redis://127.0.0.1:6379'),
  SPOOL_KEY_PREFIX: text('spool:'),
  SPOOL_QUEUE_PREFIX: text(DEFAULT_QUEUE_PREFIX),
  SPOOL_WORKER_CONCURRENCY: integer(1, 10_000, 256),
  SPOOL_MODEL_ADAPTER: oneOf(['synthetic', 'openai', 'anthropic'], 'synthetic'),
  SPOOL_SYNTHETIC_TOKENS_PER_SECOND: integer(0, 100_000, 50),
  SPOOL_OPENAI_BASE_URL: z.url().optional(),
  SPOOL_OPENAI_API_KEY: z.string().optional(),
  SPOOL_OPENAI_MODEL: z.string().min(1).optional(),
  SPOOL_ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  SPOOL_ANTHROPIC_API_KEY: z.string().optional(),
  SPOOL_ANTHROPIC_MODEL: z.string().min(1).optional(),
  SPOOL_ANTHROPIC_MAX_TOKENS: integer(1, 1_000_000, 4_096),
  SPOOL_UPSTREAM_TIMEOUT_MS: duration(100, HOUR, 30_000),
  SPOOL_UPSTREAM_RETRIES: integer(0, 10, 2),
  SPOOL_APPEND_MAX_ITEMS: integer(1, 4_096, 128),
  SPOOL_GENERATION_IDLE_TIMEOUT_MS: duration(100, 24 * HOUR, 60_000),
  SPOOL_STREAM_TTL: duration(1_000, 365 * 24 * HOUR, 24 * HOUR),
  SPOOL_MAX_STREAM_ITEMS: integer(10, 100_000_000, 1_000_000),
  /** Absent: by the adapter (see LOCK_MS_BY_ADAPTER). */
  SPOOL_WORKER_LOCK_MS: duration(100, HOUR, 0),
  /** Absent: a quarter of the lock (see lockRenewMs below). */
  SPOOL_WORKER_LOCK_RENEW_MS: duration(25, HOUR, 0),
  SPOOL_WORKER_STALLED_INTERVAL_MS: duration(50, HOUR, 250),
  SPOOL_WORKER_MAX_STALLED: integer(0, 100, 10),
  SPOOL_SHUTDOWN_GRACE_MS: duration(0, HOUR, 10_000),
  SPOOL_METRICS_PORT: integer(0, 65_535, 0),
  SPOOL_METRICS_HOST: text('127.0.0.1'),
  SPOOL_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
};

/**
 * The job lock when SPOOL_WORKER_LOCK_MS is not set. A lock lapses when its worker dies, and also
 * when Redis is out of reach for about three quarters of it (a restart, a failover) or the event
 * loop stops that long; the job then moves to another worker. A model that can continue a stream
 * (synthetic) makes that a pause of about a second and a half; one that cannot (a remote API: the
 * stream ends with `worker_lost`) gains nothing from speed, and a lapse ends a healthy stream, so
 * it keeps the lock longer. See docs/failover.md.
 */
const LOCK_MS_BY_ADAPTER = { synthetic: 1_500, openai: 5_000, anthropic: 5_000 } as const;

export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env) {
  const raw = parseEnv(shape, env);
  if (raw.SPOOL_MODEL_ADAPTER === 'openai' && !raw.SPOOL_OPENAI_BASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  SPOOL_OPENAI_BASE_URL: required when SPOOL_MODEL_ADAPTER=openai',
    );
  }
  const lockMs = raw.SPOOL_WORKER_LOCK_MS || LOCK_MS_BY_ADAPTER[raw.SPOOL_MODEL_ADAPTER];
  // Renewing every quarter of the lock: a dead worker's lock lapses 0.75–1 lock after its death
  // (half to one with BullMQ's every-half), and a live one loses it only when its event loop
  // stops for three quarters of the lock, as long as with a lock half as long again renewed at
  // half. See docs/failover.md.
  const lockRenewMs = raw.SPOOL_WORKER_LOCK_RENEW_MS || Math.round(lockMs / 4);
  if (lockRenewMs >= lockMs) {
    throw new ConfigError(
      'Invalid configuration:\n  SPOOL_WORKER_LOCK_RENEW_MS: must be shorter than SPOOL_WORKER_LOCK_MS',
    );
  }
  return Object.freeze({
    redisUrl: raw.REDIS_URL,
    keyPrefix: raw.SPOOL_KEY_PREFIX,
    queuePrefix: raw.SPOOL_QUEUE_PREFIX,
    concurrency: raw.SPOOL_WORKER_CONCURRENCY,
    adapter: raw.SPOOL_MODEL_ADAPTER,
    synthetic: { tokensPerSecond: raw.SPOOL_SYNTHETIC_TOKENS_PER_SECOND },
    openai: {
      baseUrl: raw.SPOOL_OPENAI_BASE_URL ?? '',
      apiKey: raw.SPOOL_OPENAI_API_KEY,
      model: raw.SPOOL_OPENAI_MODEL,
      byteTimeoutMs: raw.SPOOL_UPSTREAM_TIMEOUT_MS,
    },
    anthropic: {
      baseUrl: raw.SPOOL_ANTHROPIC_BASE_URL,
      apiKey: raw.SPOOL_ANTHROPIC_API_KEY,
      model: raw.SPOOL_ANTHROPIC_MODEL,
      defaultMaxTokens: raw.SPOOL_ANTHROPIC_MAX_TOKENS,
      byteTimeoutMs: raw.SPOOL_UPSTREAM_TIMEOUT_MS,
    },
    upstreamRetries: raw.SPOOL_UPSTREAM_RETRIES,
    append: { maxItems: raw.SPOOL_APPEND_MAX_ITEMS },
    idleTimeoutMs: raw.SPOOL_GENERATION_IDLE_TIMEOUT_MS,
    retentionMs: raw.SPOOL_STREAM_TTL,
    maxStreamItems: raw.SPOOL_MAX_STREAM_ITEMS,
    lockDurationMs: lockMs,
    lockRenewMs,
    stalledIntervalMs: raw.SPOOL_WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: raw.SPOOL_WORKER_MAX_STALLED,
    shutdownGraceMs: raw.SPOOL_SHUTDOWN_GRACE_MS,
    /** `/metrics` over HTTP; port 0 = off. */
    metrics: { host: raw.SPOOL_METRICS_HOST, port: raw.SPOOL_METRICS_PORT },
    logLevel: raw.SPOOL_LOG_LEVEL,
    unknownVariables: findUnknownVariables(env),
  });
}
