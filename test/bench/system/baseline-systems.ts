/**
 * The baselines as real processes. The judge of what their readers received is the oracle (the
 * synthetic model's items for each request) plus the hand-over time of each item that the
 * producing process reports (`GET /bench/report`); for the raw limit, the Redis streams
 * themselves (an entry id's ms part is its append time).
 */

import type { Item } from '@spool/protocol';
import { type RedisServer, startRedisServer } from '@spool/testing';
import { connectRedis, decodeEntryItems, type RedisClient } from '@spool/token-log';
import { idTime } from '../baselines/raw-streams.ts';
import { type StreamTruth, truthOfItems } from '../measure/stream-truth.ts';
import { BENCH_DIR, type RunningService, startNodeService } from './node-process.ts';
import type { WatchedProcess } from './resource-sampler.ts';

export interface BaselineSystem {
  /** Where readers read (several for resumable-stream: servers any reader may use). */
  readUrls: string[];
  createUrl: string;
  redis?: RedisClient;
  services: RunningService[];
  watched(): WatchedProcess[];
  /** Hand-over times per stream id, from the producing process. */
  times(): Promise<Record<string, number[]>>;
  stop(): Promise<void>;
}

async function reportTimes(url: string): Promise<Record<string, number[]>> {
  const response = await fetch(`${url}/bench/report`);
  return ((await response.json()) as { times: Record<string, number[]> }).times;
}

export async function startNaive(): Promise<BaselineSystem> {
  const relay = await startNodeService({
    name: 'naive-relay',
    entry: `${BENCH_DIR}baselines/naive-relay.ts`,
    env: {},
    readyMessage: 'naive ready',
  });
  let times: Record<string, number[]> = {};
  return {
    readUrls: [relay.url],
    createUrl: `${relay.url}/streams`,
    services: [relay],
    watched: () => [{ name: relay.name, role: 'server', pid: relay.pid }],
    // The relay may have been killed (gateway-kill): keep what it reported last.
    times: async () => {
      times = await reportTimes(relay.url).catch(() => times);
      return times;
    },
    stop: async () => {
      await relay.service.stop(3_000);
    },
  };
}

export async function startResumable(servers: number): Promise<BaselineSystem> {
  const redisServer: RedisServer = await startRedisServer();
  const env = { REDIS_URL: redisServer.url };
  const producer = await startNodeService({
    name: 'resumable-producer',
    entry: `${BENCH_DIR}baselines/resumable-producer.ts`,
    env,
    readyMessage: 'resumable-producer ready',
  });
  const readers = await Promise.all(
    Array.from({ length: servers }, (_, index) =>
      startNodeService({
        name: `resumable-server-${index + 1}`,
        entry: `${BENCH_DIR}baselines/resumable-server.ts`,
        env,
        readyMessage: 'resumable-server ready',
      }),
    ),
  );
  const redis = connectRedis(redisServer.url, { connectionName: 'bench-harness' });
  return {
    readUrls: readers.map((reader) => reader.url),
    createUrl: `${producer.url}/streams`,
    redis,
    services: [producer, ...readers],
    watched: () => [
      { name: 'redis', role: 'redis', pid: redisServer.pid },
      { name: producer.name, role: 'producer', pid: producer.pid },
      ...readers.map((reader) => ({ name: reader.name, role: 'server', pid: reader.pid })),
    ],
    times: () => reportTimes(producer.url),
    stop: async () => {
      await Promise.all([producer, ...readers].map((service) => service.service.stop(3_000)));
      redis.disconnect();
      await redisServer.stop();
    },
  };
}

export interface RawSystem {
  redisServer: RedisServer;
  redis: RedisClient;
  truth(keys: Iterable<string>): Promise<Map<string, StreamTruth>>;
  stop(): Promise<void>;
}

export async function startRaw(): Promise<RawSystem> {
  const redisServer = await startRedisServer();
  const redis = connectRedis(redisServer.url, { connectionName: 'bench-harness' });
  return {
    redisServer,
    redis,
    async truth(keys) {
      const truths = new Map<string, StreamTruth>();
      await Promise.all(
        [...keys].map(async (key) => {
          const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
          const items: Item[] = [];
          const times: number[] = [];
          for (const [id, fields] of entries) {
            for (const item of decodeEntryItems(fields[3] as string, Number(fields[1]))) {
              items.push(item);
              times.push(idTime(id));
            }
          }
          truths.set(key, truthOfItems(items, times));
        }),
      );
      return truths;
    },
    async stop() {
      redis.disconnect();
      await redisServer.stop();
    },
  };
}
