/**
 * Opening the Redis connection of a process from a URL.
 *
 * `redis://host:port/db` (or `rediss://`) opens one server; `redis-cluster://host:port,host:port`
 * opens a Redis Cluster from its seed nodes. Auto-pipelining batches the commands of one event
 * loop turn into one write, which is what makes many small appends and reads cheap (one server
 * only: see connectRedis on a Cluster).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { coalesceWrites } from './write-coalescing.ts';

/** A connection to one Redis server or to a Redis Cluster: the token log works on both. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** A name shown in CLIENT LIST, e.g. `spool-gateway`. */
  connectionName?: string;
  /** BullMQ needs `null` (retry forever); request paths want a bound so errors surface. */
  maxRetriesPerRequest?: number | null;
}

/**
 * The wait before reconnect attempt `times` (1, 2, …): 50 ms more each time, at most 1 s. A Redis
 * restarted in 0.3 s is found again within ~0.5 s (doubling from 100 ms found it after 0.7 s,
 * by when the workers' 1 s job locks had lapsed and every generation moved: docs/failover.md); a
 * long outage costs each connection one attempt a second.
 */
export function reconnectDelay(times: number): number {
  return Math.min(50 * Math.max(1, times), 1_000);
}

export function isClusterUrl(url: string): boolean {
  return url.startsWith('redis-cluster://');
}

export function connectRedis(url: string, options: ConnectOptions = {}): RedisClient {
  const common: RedisOptions = {
    connectionName: options.connectionName,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 3 : options.maxRetriesPerRequest,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
    // A Redis that restarts answers while it loads its AOF; ioredis then looks again after the
    // load's ETA in whole seconds (at least 1 s), and the processes waited that second on top of
    // the restart: long enough for the workers' job locks to lapse. Look every 100 ms instead.
    maxLoadingRetryTime: 100,
  };
  if (!isClusterUrl(url)) return new Redis(url, common);
  const nodes = url
    .slice('redis-cluster://'.length)
    .split(',')
    .map((node) => {
      const [host = '127.0.0.1', port = '6379'] = node.split(':');
      return { host, port: Number(port) };
    });
  // No auto-pipelining on a Cluster: ioredis retries a pipeline that got MOVED (a failover, a
  // resharding) only when every command in it failed with the same error, and an auto-pipeline to
  // one master holds commands of many slots, each MOVED to its own slot: none was redirected, and
  // appends, reads and BullMQ's scripts failed with `MOVED …` after a master failed over. Sent one
  // by one, each command is redirected by itself. (Commands still go out without waiting for each
  // other's replies, and each node's socket still takes one turn's commands in one write:
  // write-coalescing.ts.)
  const cluster = new Cluster(nodes, {
    redisOptions: { ...common, enableAutoPipelining: false },
    enableAutoPipelining: false,
  });
  cluster.on('+node', coalesceWrites);
  return cluster;
}

/**
 * A pub/sub connection beside `redis` for the token log's listeners (notifier.ts): a duplicate of
 * one server's connection, or of a Cluster's with ioredis's sharded subscribers (one subscriber
 * per master, each for the channels of its slots).
 *
 * Without auto-pipelining and without a ready check: ioredis auto-pipelines SSUBSCRIBE (its list
 * of commands never pipelined has SUBSCRIBE but not SSUBSCRIBE), and on a Cluster a pipeline goes
 * to the slot's ordinary node connection, not to the sharded subscriber. SSUBSCRIBE may be written
 * to a connection still between connect and ready (Redis allows it while loading), and the ready
 * check's INFO that follows then fails with "Can't execute 'info': only (P|S)SUBSCRIBE … are
 * allowed in this context", which ioredis hands to every command in flight: the SSUBSCRIBEs of
 * streams being watched at that moment failed (docs/decisions/2026-11-30-cluster-end-to-end.md).
 */
export function subscriberFor(redis: RedisClient): RedisClient {
  const pubSubOnly = { enableAutoPipelining: false };
  const noHandshakeAfterSubscribe = { enableReadyCheck: false, disableClientInfo: true };
  return redis instanceof Cluster
    ? redis.duplicate([], {
        ...pubSubOnly,
        shardedSubscribers: true,
        redisOptions: { ...redis.options.redisOptions, ...noHandshakeAfterSubscribe },
      })
    : redis.duplicate({ ...pubSubOnly, ...noHandshakeAfterSubscribe });
}
