/**
 * Spool as real processes: a fresh redis-server, N gateways, M workers with the synthetic model.
 * After a run, `truth()` reads each stream's log back (XRANGE of `{st_…}:log`): its items (for
 * the content checksum) and the append time of every offset (the entries' `t`).
 */

import { type RedisServer, startRedisServer } from '@spool/testing';
import { connectRedis, decodeEntry, type RedisClient, streamKeys } from '@spool/token-log';
import type { StreamTruth } from '../measure/stream-truth.ts';
import { truthOfItems } from '../measure/stream-truth.ts';
import { REPO_ROOT, type RunningService, startNodeService } from './node-process.ts';
import type { WatchedProcess } from './resource-sampler.ts';

const KEY_PREFIX = 'bench:';
const GATEWAY_ENTRY = `${REPO_ROOT}services/gateway/src/server.ts`;
const WORKER_ENTRY = `${REPO_ROOT}services/worker/src/main.ts`;

export interface SpoolSystemOptions {
  gateways: number;
  workers: number;
  workerConcurrency: number;
  gatewayEnv?: Record<string, string>;
  /** Node flags for the gateways, e.g. `--cpu-prof`. */
  gatewayFlags?: string[];
}

export class SpoolSystem {
  readonly redisServer: RedisServer;
  readonly redis: RedisClient;
  readonly gateways: RunningService[];
  readonly workers: RunningService[];

  private constructor(input: {
    redisServer: RedisServer;
    redis: RedisClient;
    gateways: RunningService[];
    workers: RunningService[];
  }) {
    this.redisServer = input.redisServer;
    this.redis = input.redis;
    this.gateways = input.gateways;
    this.workers = input.workers;
  }

  static async start(options: SpoolSystemOptions): Promise<SpoolSystem> {
    const redisServer = await startRedisServer();
    const env = {
      REDIS_URL: redisServer.url,
      SPOOL_KEY_PREFIX: KEY_PREFIX,
      SPOOL_QUEUE_PREFIX: `${KEY_PREFIX}{q}`,
      SPOOL_LOG_LEVEL: 'info',
    };
    const workers = await Promise.all(
      Array.from({ length: options.workers }, (_, index) =>
        startNodeService({
          name: `worker-${index + 1}`,
          entry: WORKER_ENTRY,
          env: { ...env, SPOOL_WORKER_CONCURRENCY: String(options.workerConcurrency) },
          readyMessage: 'worker ready',
        }),
      ),
    );
    const gateways = await Promise.all(
      Array.from({ length: options.gateways }, (_, index) =>
        startNodeService({
          name: `gateway-${index + 1}`,
          entry: GATEWAY_ENTRY,
          env: { ...env, SPOOL_PORT: '0', SPOOL_HOST: '127.0.0.1', ...options.gatewayEnv },
          readyMessage: 'gateway ready',
          nodeFlags: options.gatewayFlags,
        }),
      ),
    );
    const redis = connectRedis(redisServer.url, { connectionName: 'bench-harness' });
    return new SpoolSystem({ redisServer, redis, gateways, workers });
  }

  watched(): WatchedProcess[] {
    return [
      { name: 'redis', role: 'redis', pid: this.redisServer.pid },
      ...this.gateways.map((gateway) => ({
        name: gateway.name,
        role: 'gateway',
        pid: gateway.pid,
      })),
      ...this.workers.map((worker) => ({ name: worker.name, role: 'worker', pid: worker.pid })),
    ];
  }

  /** Each stream's items and append times, read back from its log. */
  async truth(streamIds: Iterable<string>): Promise<Map<string, StreamTruth>> {
    const truths = new Map<string, StreamTruth>();
    await Promise.all(
      [...new Set(streamIds)].map(async (streamId) => {
        const entries = (await this.redis.xrange(
          streamKeys(KEY_PREFIX, streamId).log,
          '-',
          '+',
        )) as [string, string[]][];
        const items = [];
        const times = [];
        for (const entry of entries) {
          const decoded = decodeEntry(entry);
          for (const item of decoded.items) {
            items.push(item);
            times.push(decoded.appendedAt);
          }
        }
        truths.set(streamId, truthOfItems(items, times));
      }),
    );
    return truths;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.gateways, ...this.workers].map((process) => process.service.stop(5_000)),
    );
    this.redis.disconnect();
    await this.redisServer.stop();
  }
}
