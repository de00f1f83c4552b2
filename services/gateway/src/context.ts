/**
 * What every part of the gateway shares, and how it is built: configuration, the token log, the
 * queue, the logger, metrics, admission, the open deliveries and their shared encodings. The bottom of the gateway's
 * layers: routes, transports and the delivery engine import it; it imports none of them.
 */
import type { GenerationQueue } from '@spool/generation-queue';
import type { Logger } from '@spool/runtime';
import type { RedisDurableStreams, RedisQuotas, TokenLog } from '@spool/token-log';
import { Admission } from './admission.ts';
import { AccessControl } from './auth/access-control.ts';
import { QuotaGuard } from './auth/quota-guard.ts';
import type { GatewayConfig } from './config.ts';
import { DeliveryRegistry } from './delivery-registry.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { RedisWatch, withQuotaDeadline, withRedisDeadline } from './redis-deadline.ts';
import { SharedEncodings } from './shared-encodings.ts';

export interface GatewayDependencies {
  log: TokenLog;
  queue: Pick<GenerationQueue, 'enqueue' | 'depth'>;
  logger: Logger;
  /** Is Redis reachable? (readiness) */
  ping: () => Promise<void>;
  metrics?: Metrics;
  /** The per-API-key quotas in Redis (none: quotas are not enforced). */
  quotas?: RedisQuotas;
  /** The Durable Streams store (none: `/v1/stream/` serves token streams only). */
  durableStreams?: RedisDurableStreams;
}

export interface GatewayContext
  extends Required<Omit<GatewayDependencies, 'quotas' | 'durableStreams'>> {
  durableStreams: RedisDurableStreams | undefined;
  config: GatewayConfig;
  /** API keys and read tokens (docs/security.md). */
  access: AccessControl;
  /** Per-API-key quotas. */
  quotas: QuotaGuard;
  admission: Admission;
  deliveries: DeliveryRegistry;
  /** Chunks encoded once per stream for all of its readers here. */
  encodings: SharedEncodings;
  /** Notices a hung Redis; the app starts and stops it. */
  redisWatch: RedisWatch;
  /** True once SIGTERM arrived: readiness fails, new requests get 503 `draining`. */
  draining: boolean;
}

export function buildContext(
  config: GatewayConfig,
  dependencies: GatewayDependencies,
): GatewayContext {
  const metrics = dependencies.metrics ?? createMetrics();
  const { redisTimeoutMs } = config.bounds;
  const redisWatch = new RedisWatch({
    ping: dependencies.ping,
    timeoutMs: redisTimeoutMs,
    intervalMs: Math.min(1_000, redisTimeoutMs),
    onChange: (hung) => {
      if (hung) dependencies.logger.warn({ timeoutMs: redisTimeoutMs }, 'Redis is not answering');
      else dependencies.logger.info('Redis answers again');
    },
  });
  const { quotas, durableStreams, ...shared } = dependencies;
  // Every token-log and quota call of a request or delivery (access checks included) waits at
  // most SPOOL_REDIS_TIMEOUT_MS.
  const log = withRedisDeadline(dependencies.log, redisWatch, redisTimeoutMs);
  return {
    ...shared,
    durableStreams,
    log,
    redisWatch,
    metrics,
    config,
    access: new AccessControl({ ...config.access, log }),
    quotas: new QuotaGuard({
      quotas: quotas && withQuotaDeadline(quotas, redisWatch, redisTimeoutMs),
      settings: config.access.quotas,
      gatewayId: config.gatewayId,
      log,
      logger: dependencies.logger,
    }),
    admission: new Admission({ queue: dependencies.queue, config, metrics }),
    deliveries: new DeliveryRegistry(),
    encodings: new SharedEncodings(),
    draining: false,
  };
}
