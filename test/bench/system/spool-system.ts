/**
 * Spool as real processes: a fresh redis-server (or a 3-master Redis Cluster with
 * `BENCH_REDIS=cluster`), N gateways, M workers with the synthetic model.
 * After a run, `truth()` reads each stream's log back (XRANGE of `{st_…}:log`): its items (for
 * the content checksum) and the append time of every offset (the entries' `t`).
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@spool/runtime';
import { findFreePort, startRedisCluster, startRedisServer } from '@spool/testing';
import { connectRedis, decodeEntry, type RedisClient, streamKeys } from '@spool/token-log';
import type { StreamTruth } from '../measure/stream-truth.ts';
import { truthOfItems } from '../measure/stream-truth.ts';
import { REPO_ROOT, type RunningService, startNodeService } from './node-process.ts';
import { readProc, type WatchedProcess } from './resource-sampler.ts';

const KEY_PREFIX = 'bench:';
/** What builds the services' bundles (infra/build/bundle.ts), in checkouts that have them. */
const BUNDLER = 'infra/build/bundle.ts';
/** How long a fresh gateway is left alone before its idle RSS is read. */
const IDLE_SETTLE_MS = 1_000;

/**
 * Where Spool's services come from: this checkout, or another one (`--system-root`: the system
 * as it was before a change, with its own node_modules). The harness, its clients and the
 * judge of integrity are always this checkout's.
 */
let systemRoot = REPO_ROOT;

export function useSystemRoot(root: string): void {
  systemRoot = root.endsWith('/') ? root : `${root}/`;
}

export function currentSystemRoot(): string {
  return systemRoot;
}

/**
 * What production runs: the service's bundle (`pnpm bench` builds it) with the gateway's V8
 * settings; a checkout from before bundles existed runs its sources. A checkout that has the
 * bundler but not the bundles is refused: its sources would be measured against bundles.
 */
function serviceEntry(bundle: string, source: string): string {
  const built = join(systemRoot, bundle);
  if (existsSync(built)) return built;
  if (existsSync(join(systemRoot, BUNDLER))) {
    throw new Error(
      `${built} is missing: build the checkout first (in ${systemRoot}: ` +
        'pnpm --filter @spool/gateway --filter @spool/worker build)',
    );
  }
  return join(systemRoot, source);
}

function gatewayNodeFlags(): string[] {
  const file = join(systemRoot, 'services/gateway/node-flags.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
}

/** The Redis a run's Spool uses: its URL, its server processes (for the CPU figures). */
export interface BenchRedis {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** One redis-server, or a 3-master Redis Cluster without replicas when `BENCH_REDIS=cluster`. */
async function startBenchRedis(): Promise<BenchRedis> {
  if (process.env.BENCH_REDIS === 'cluster') {
    const cluster = await startRedisCluster({ masters: 3 });
    return {
      url: cluster.url,
      pids: cluster.servers.map((server) => server.pid),
      stop: () => cluster.stop(),
    };
  }
  const server = await startRedisServer();
  return { url: server.url, pids: [server.pid], stop: () => server.stop() };
}

export interface SpoolSystemOptions {
  gateways: number;
  workers: number;
  workerConcurrency: number;
  gatewayEnv?: Record<string, string>;
  /** Node flags for the gateways, e.g. `--cpu-prof`. */
  gatewayFlags?: string[];
}

/** A worker and where its metrics are served (`SPOOL_METRICS_PORT`; a build without it serves none). */
export interface SpoolWorker extends RunningService {
  metricsUrl: string;
}

export class SpoolSystem {
  readonly benchRedis: BenchRedis;
  readonly redis: RedisClient;
  readonly gateways: RunningService[];
  readonly workers: SpoolWorker[];
  readonly #readyAt = performance.now();

  private constructor(input: {
    benchRedis: BenchRedis;
    redis: RedisClient;
    gateways: RunningService[];
    workers: SpoolWorker[];
  }) {
    this.benchRedis = input.benchRedis;
    this.redis = input.redis;
    this.gateways = input.gateways;
    this.workers = input.workers;
  }

  static async start(options: SpoolSystemOptions): Promise<SpoolSystem> {
    const benchRedis = await startBenchRedis();
    const env = {
      REDIS_URL: benchRedis.url,
      SPOOL_KEY_PREFIX: KEY_PREFIX,
      SPOOL_QUEUE_PREFIX: `${KEY_PREFIX}{q}`,
      SPOOL_LOG_LEVEL: 'info',
    };
    const starting = Promise.all(
      Array.from({ length: options.workers }, async (_, index) => {
        const metricsPort = await findFreePort();
        const worker = await startNodeService({
          name: `worker-${index + 1}`,
          entry: serviceEntry('services/worker/dist/main.mjs', 'services/worker/src/main.ts'),
          cwd: systemRoot,
          env: {
            ...env,
            SPOOL_WORKER_CONCURRENCY: String(options.workerConcurrency),
            SPOOL_METRICS_PORT: String(metricsPort),
          },
          readyMessage: 'worker ready',
        });
        return { ...worker, metricsUrl: `http://127.0.0.1:${metricsPort}` };
      }),
    );
    // Workers and gateways need only Redis, not each other: they start side by side.
    const [workers, gateways] = await Promise.all([
      starting,
      Promise.all(
        Array.from({ length: options.gateways }, (_, index) =>
          startNodeService({
            name: `gateway-${index + 1}`,
            entry: serviceEntry(
              'services/gateway/dist/server.mjs',
              'services/gateway/src/server.ts',
            ),
            cwd: systemRoot,
            env: {
              ...env,
              SPOOL_PORT: '0',
              SPOOL_HOST: '127.0.0.1',
              // gRPC readers (a build without gRPC ignores it, and its readers use WebSocket).
              SPOOL_GRPC_PORT: '0',
              // The load comes from one address and asks for unpaced streams in some scenarios:
              // the per-client share and the pacing cap (issue 13) would measure themselves.
              SPOOL_MAX_CONNECTIONS_PER_CLIENT: '1000000',
              SPOOL_ALLOW_UNPACED: '1',
              ...options.gatewayEnv,
            },
            readyMessage: 'gateway ready',
            nodeFlags: [...gatewayNodeFlags(), ...(options.gatewayFlags ?? [])],
          }),
        ),
      ),
    ]);
    const redis = connectRedis(benchRedis.url, { connectionName: 'bench-harness' });
    return new SpoolSystem({ benchRedis, redis, gateways, workers });
  }

  /**
   * RSS of each gateway before any load, at least `IDLE_SETTLE_MS` after it was ready (bytes).
   * Read while the load processes start, so the wait costs nothing.
   */
  async idleGatewayRss(): Promise<number[]> {
    const settle = this.#readyAt + IDLE_SETTLE_MS - performance.now();
    if (settle > 0) await sleep(settle);
    return this.gateways.map((gateway) => readProc(gateway.pid)?.rss ?? 0);
  }

  /** Whether each stream has ended (its status is final), from its metadata. */
  async ended(streamIds: readonly string[]): Promise<boolean[]> {
    const statuses = await Promise.all(
      streamIds.map((streamId) => this.redis.hget(streamKeys(KEY_PREFIX, streamId).meta, 'status')),
    );
    return statuses.map(
      (status) => status === 'done' || status === 'cancelled' || status === 'failed',
    );
  }

  watched(): WatchedProcess[] {
    return [
      ...this.benchRedis.pids.map((pid, index) => ({
        name: index === 0 ? 'redis' : `redis-${index + 1}`,
        role: 'redis',
        pid,
      })),
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
    await this.benchRedis.stop();
  }
}
