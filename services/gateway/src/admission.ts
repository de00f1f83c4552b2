/**
 * Admission control: the gateway refuses new work with 429 `over_capacity` (the error handler
 * adds `Retry-After`) rather than let the queue or its own connections grow without bound.
 *
 * The queue depth is read at most once per `DEPTH_CACHE_MS`, and concurrent requests share
 * the read in flight, so a burst of creates costs Redis one count, not one per request.
 */
import type { GenerationQueue, QueueDepth } from '@spool/generation-queue';
import { SpoolError } from '@spool/protocol';
import { withTimeout } from '@spool/runtime';
import type { GatewayConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

/** How long a queue depth reading is trusted. */
export const DEPTH_CACHE_MS = 250;
/** How long a depth reading may take before the request fails with `redis_unavailable`. */
export const DEPTH_TIMEOUT_MS = 1_000;

export interface AdmissionOptions {
  queue: Pick<GenerationQueue, 'depth'>;
  config: Pick<GatewayConfig, 'maxQueueDepth' | 'maxConnections'> & {
    bounds: Pick<GatewayConfig['bounds'], 'maxConnectionsPerClient'>;
  };
  metrics: Pick<Metrics, 'rejected'>;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class Admission {
  readonly #queue: AdmissionOptions['queue'];
  readonly #config: AdmissionOptions['config'];
  readonly #metrics: AdmissionOptions['metrics'];
  readonly #now: () => number;
  #depth: QueueDepth | undefined;
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<QueueDepth> | undefined;

  constructor(options: AdmissionOptions) {
    this.#queue = options.queue;
    this.#config = options.config;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** The last queue depth read, if any (for metrics and readiness; never triggers a read). */
  get lastDepth(): QueueDepth | undefined {
    return this.#depth;
  }

  /** Throws `over_capacity` when the generations waiting for a worker reach the bound. */
  async checkCreate(): Promise<void> {
    const depth = await this.currentDepth();
    if (depth.waiting >= this.#config.maxQueueDepth) {
      this.#metrics.rejected.inc({ reason: 'queue_depth' });
      throw new SpoolError(
        'over_capacity',
        `${depth.waiting} generations are waiting (limit ${this.#config.maxQueueDepth}); retry later.`,
      );
    }
  }

  /**
   * Throws `over_capacity` when this gateway already holds `maxConnections` deliveries, or the
   * client (`client.open` of them) its share, `maxConnectionsPerClient`: one client cannot
   * take the whole limit from the others.
   */
  checkConnection(open: number, client?: { id: string; open: number }): void {
    if (open >= this.#config.maxConnections) {
      this.#metrics.rejected.inc({ reason: 'connections' });
      throw new SpoolError(
        'over_capacity',
        `This gateway holds ${open} connections (limit ${this.#config.maxConnections}); retry later or elsewhere.`,
      );
    }
    const share = this.#config.bounds.maxConnectionsPerClient;
    if (client && client.open >= share) {
      this.#metrics.rejected.inc({ reason: 'client_connections' });
      throw new SpoolError(
        'over_capacity',
        `You hold ${client.open} connections on this gateway (limit ${share} per client); close some or retry later.`,
      );
    }
  }

  /**
   * The queue depth, at most `DEPTH_CACHE_MS` old. One read at a time: concurrent callers
   * share it. A read that hangs (Redis unreachable) fails after `DEPTH_TIMEOUT_MS` instead of
   * holding every create behind it.
   */
  currentDepth(): Promise<QueueDepth> {
    if (this.#depth !== undefined && this.#now() - this.#readAt < DEPTH_CACHE_MS) {
      return Promise.resolve(this.#depth);
    }
    this.#reading ??= this.#readDepth();
    return this.#reading;
  }

  async #readDepth(): Promise<QueueDepth> {
    try {
      const depth = await withTimeout(this.#queue.depth(), {
        timeoutMs: DEPTH_TIMEOUT_MS,
        onTimeout: () =>
          new SpoolError('redis_unavailable', 'The queue depth could not be read in time.'),
      });
      this.#depth = depth;
      this.#readAt = this.#now();
      return depth;
    } finally {
      this.#reading = undefined;
    }
  }
}
