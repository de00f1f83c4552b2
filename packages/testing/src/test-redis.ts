import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { dockerAvailable, startRedisContainer } from './docker.ts';
import { startRedisCluster, startRedisServer } from './watched-processes.ts';

/** Where the Redis came from; see `getTestRedis` for the rule. */
export type TestRedisSource = 'env' | 'container' | 'process' | 'cluster';

/** One Redis server, or a Redis Cluster of 3 masters (local processes). */
export type RedisTopology = 'single' | 'cluster';

export interface TestRedisOptions {
  /** Default 'single'. 'cluster' starts 3 masters unless `REDIS_URL` is set. */
  topology?: RedisTopology;
}

export interface TestRedis {
  readonly url: string;
  /** Unique per call (`t:<12 hex>:`): prefix every key so tests sharing a Redis never collide. */
  readonly keyPrefix: string;
  readonly source: TestRedisSource;
  /**
   * Source 'env': deletes the keys under `keyPrefix` (the Redis is not ours to stop).
   * Otherwise: stops the container or process. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * A real Redis for one test file (or one test), chosen in this order:
 * 1. `REDIS_URL` is set → that Redis; nothing is started (with `topology: 'cluster'` it must be
 *    a `redis-cluster://` URL: a single server is refused rather than silently used).
 * 2. `topology: 'cluster'` → a Redis Cluster of 3 masters, local `redis-server` processes
 *    (`redis-cluster://` URL).
 * 3. A Docker engine answers → a `redis:7` container (testcontainers).
 * 4. Otherwise → a `redis-server` child process on a free loopback port.
 */
export async function getTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const keyPrefix = `t:${randomBytes(6).toString('hex')}:`;
  const environmentUrl = process.env.REDIS_URL;
  if (environmentUrl) {
    const isCluster = environmentUrl.startsWith(CLUSTER_SCHEME);
    if (options.topology === 'cluster' && !isCluster) {
      throw new Error(
        'A Redis Cluster was asked for (E2E_REDIS=cluster) but REDIS_URL names one server: ' +
          `unset REDIS_URL to start a local cluster, or give a ${CLUSTER_SCHEME} URL.`,
      );
    }
    const url = environmentUrl;
    const stop = runOnce(() =>
      isCluster ? deleteClusterKeys({ url, keyPrefix }) : deleteKeys({ url, keyPrefix }),
    );
    return { url: environmentUrl, keyPrefix, source: 'env', stop };
  }
  if (options.topology === 'cluster') {
    const cluster = await startRedisCluster({ masters: 3 });
    return { url: cluster.url, keyPrefix, source: 'cluster', stop: runOnce(() => cluster.stop()) };
  }
  const server = (await dockerAvailable())
    ? { source: 'container' as const, redis: await startRedisContainer() }
    : { source: 'process' as const, redis: await startRedisServer() };
  return {
    url: server.redis.url,
    keyPrefix,
    source: server.source,
    stop: runOnce(() => server.redis.stop()),
  };
}

const CLUSTER_SCHEME = 'redis-cluster://';

/** SCAN + UNLINK of `<keyPrefix>*`. The prefix is hex and ':', so it has no glob characters. */
async function deleteKeys(input: { url: string; keyPrefix: string }): Promise<void> {
  const client = new Redis(input.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // Surfaces through the failed command instead.
  try {
    await unlinkPrefixed(client, input.keyPrefix);
  } finally {
    client.disconnect();
  }
}

/** The same on every master of a `redis-cluster://host:port,…` Cluster, one key at a time. */
async function deleteClusterKeys(input: { url: string; keyPrefix: string }): Promise<void> {
  const nodes = input.url
    .slice(CLUSTER_SCHEME.length)
    .split(',')
    .map((node) => {
      const [host = '127.0.0.1', port = '6379'] = node.split(':');
      return { host, port: Number(port) };
    });
  const cluster = new Cluster(nodes, { lazyConnect: true });
  cluster.on('error', () => {});
  try {
    await cluster.connect();
    for (const master of cluster.nodes('master')) await unlinkPrefixed(master, input.keyPrefix);
  } finally {
    cluster.disconnect();
  }
}

/** Keys of different hash slots cannot go in one UNLINK on a Cluster node: one call per key. */
async function unlinkPrefixed(client: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    for (const key of keys) await client.unlink(key);
    cursor = next;
  } while (cursor !== '0');
}

function runOnce(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= action();
    return running;
  };
}

/**
 * The environment that points a Spool service (a gateway or worker, in this process or its own)
 * at a test's Redis: its URL, and its key and queue prefixes, so tests sharing a Redis never meet.
 */
export function serviceEnv(redis: TestRedis): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    SPOOL_KEY_PREFIX: redis.keyPrefix,
    SPOOL_QUEUE_PREFIX: `${redis.keyPrefix}{q}`,
  };
}
