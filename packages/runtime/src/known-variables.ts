/**
 * Every `SPOOL_*` environment variable a Spool process reads, and a check for the others.
 *
 * One list for all processes, below every service: `pnpm start` hands its whole environment to
 * the gateways and workers it starts, so a gateway must not call a worker's setting unknown, and
 * services cannot import each other's config. A `SPOOL_*` variable outside this list is a typo
 * or a leftover (`SPOOL_WINDOWS`), which would otherwise be ignored without a word.
 *
 * docs/configuration.md documents each of them; test/repo/configuration-documented.test.ts
 * checks that this list, that page and the code agree.
 */

export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  // Gateway and worker.
  'SPOOL_KEY_PREFIX',
  'SPOOL_LOG_LEVEL',
  'SPOOL_MAX_STREAM_ITEMS',
  'SPOOL_QUEUE_PREFIX',
  'SPOOL_SHUTDOWN_GRACE_MS',
  'SPOOL_STREAM_TTL',
  // Gateway (services/gateway/src/config.ts); SPOOL_PORT and SPOOL_ID_SECRET also `pnpm start`.
  'SPOOL_ALLOW_UNPACED',
  'SPOOL_DEMO_DIR',
  'SPOOL_DEMO_GATEWAYS',
  'SPOOL_GATEWAY_ID',
  'SPOOL_GRPC_PORT',
  'SPOOL_HEARTBEAT_MS',
  'SPOOL_HOST',
  'SPOOL_ID_SECRET',
  'SPOOL_MAX_BODY_BYTES',
  'SPOOL_MAX_BUFFERED_BYTES',
  'SPOOL_MAX_CHUNK_ITEMS',
  'SPOOL_MAX_CONNECTIONS',
  'SPOOL_MAX_CONNECTIONS_PER_CLIENT',
  'SPOOL_MAX_PROMPT_CHARS',
  'SPOOL_MAX_SUBSCRIBERS_PER_STREAM',
  'SPOOL_MAX_TOKENS',
  'SPOOL_REDIS_TIMEOUT_MS',
  'SPOOL_REQUEST_TIMEOUT_MS',
  'SPOOL_MAX_QUEUE_DEPTH',
  'SPOOL_PORT',
  'SPOOL_PUBLIC_URL',
  'SPOOL_STALL_TIMEOUT_MS',
  'SPOOL_WINDOW',
  'SPOOL_WS_HIGH_WATER_BYTES',
  'SPOOL_WS_IDLE_MS',
  'SPOOL_WS_MAX_FRAME_BYTES',
  'SPOOL_WS_MAX_PAYLOAD_BYTES',
  'SPOOL_WS_MAX_STREAMS',
  'SPOOL_WS_PING_MS',
  'SPOOL_DS_LONG_POLL_MS',
  'SPOOL_DS_SSE_MAX_MS',
  // Gateway access control (services/gateway/src/auth/, docs/security.md).
  'SPOOL_ALLOW_INSECURE',
  'SPOOL_API_KEYS',
  'SPOOL_CORS_ORIGINS',
  'SPOOL_QUOTA_CONNECTIONS',
  'SPOOL_QUOTA_CREATES_PER_MINUTE',
  'SPOOL_QUOTA_RUNNING_STREAMS',
  'SPOOL_READ_TOKEN_TTL',
  'SPOOL_TOKEN_SECRET',
  // Worker (services/worker/src/config.ts).
  'SPOOL_ANTHROPIC_API_KEY',
  'SPOOL_ANTHROPIC_BASE_URL',
  'SPOOL_ANTHROPIC_MAX_TOKENS',
  'SPOOL_ANTHROPIC_MODEL',
  'SPOOL_APPEND_MAX_ITEMS',
  'SPOOL_GENERATION_IDLE_TIMEOUT_MS',
  'SPOOL_METRICS_HOST',
  'SPOOL_METRICS_PORT',
  'SPOOL_MODEL_ADAPTER',
  'SPOOL_OPENAI_API_KEY',
  'SPOOL_OPENAI_BASE_URL',
  'SPOOL_OPENAI_MODEL',
  'SPOOL_SYNTHETIC_TOKENS_PER_SECOND',
  'SPOOL_UPSTREAM_RETRIES',
  'SPOOL_UPSTREAM_TIMEOUT_MS',
  'SPOOL_WORKER_CONCURRENCY',
  'SPOOL_WORKER_LOCK_MS',
  'SPOOL_WORKER_LOCK_RENEW_MS',
  'SPOOL_WORKER_MAX_STALLED',
  'SPOOL_WORKER_STALLED_INTERVAL_MS',
  // `pnpm start`.
  'SPOOL_GATEWAYS',
  'SPOOL_REDIS',
  'SPOOL_WORKERS',
  // The `spool` command (packages/cli).
  'SPOOL_API_KEY',
  'SPOOL_GRPC',
  'SPOOL_URL',
]);

export interface UnknownVariable {
  name: string;
  /** The known variable it most likely meant, when one is close enough to be a typo. */
  suggestion: string | undefined;
  /** `SPOOL_WINDOWS is not a Spool variable; did you mean SPOOL_WINDOW?` */
  message: string;
}

export interface WarningLogger {
  warn(message: string): void;
}

const PREFIX = 'SPOOL_';

/** The `SPOOL_*` variables of `env` that no Spool process reads, by name. */
export function findUnknownVariables(
  env: Record<string, string | undefined>,
  known: ReadonlySet<string> = KNOWN_VARIABLES,
): UnknownVariable[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !known.has(name))
    .sort()
    .map((name) => {
      const suggestion = closestKnownVariable(name, known);
      const hint = suggestion
        ? `did you mean ${suggestion}?`
        : 'docs/configuration.md lists the ones there are';
      return { name, suggestion, message: `${name} is not a Spool variable; ${hint}` };
    });
}

/** Logs one warning per unknown `SPOOL_*` variable of `env`; returns them. */
export function warnUnknownVariables(
  env: Record<string, string | undefined>,
  logger: WarningLogger,
): UnknownVariable[] {
  const unknown = findUnknownVariables(env);
  for (const variable of unknown) logger.warn(variable.message);
  return unknown;
}

/**
 * The known variable nearest to `name` by edit distance, if it is near enough to be a typo:
 * within a third of the part after `SPOOL_` (at least 2), so `SPOOL_HEARTBEAT` finds
 * `SPOOL_HEARTBEAT_MS` but `SPOOL_FOO` finds nothing. Ties go to the first in name order.
 */
export function closestKnownVariable(
  name: string,
  known: Iterable<string> = KNOWN_VARIABLES,
): string | undefined {
  const limit = Math.max(2, Math.ceil((name.length - PREFIX.length) / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of [...known].sort()) {
    const distance = editDistance(name, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the
 * optimal-string-alignment distance, so `SPOOL_WIDNOW` is one edit from `SPOOL_WINDOW`.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: distance between the first i characters of a and the first j of b.
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      }
      row[j] = distance;
    }
  }
  return at(a.length, b.length);
}
