/**
 * Gateways in this test process on real ports, over a real Redis, and a raw SSE reader.
 * No worker runs here: tests append items themselves through the token log, live while the
 * client reads, as a generation would. Also used by the SDK's tests (`@spool/gateway/testing`).
 */
import { GenerationQueue } from '@spool/generation-queue';
import { type Item, type NewItem, SpoolError } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import type { TestRedis } from '@spool/testing';
import {
  connectRedis,
  newStreamId,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from '@spool/token-log';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

export interface TestGateway {
  app: FastifyInstance;
  url: string;
  log: RedisTokenLog;
  /** Drains: open deliveries end with `draining` (WebSocket clients see close 1012). */
  close(): Promise<void>;
  /** Dies abruptly: every connection is cut, nothing is said. */
  kill(): Promise<void>;
}

export async function startGateway(
  redis: TestRedis,
  env: Record<string, string> = {},
  logOptions: Partial<RedisTokenLogOptions> = {},
): Promise<TestGateway> {
  const client = connectRedis(redis.url, { maxRetriesPerRequest: null });
  const log = new RedisTokenLog({ redis: client, keyPrefix: redis.keyPrefix, ...logOptions });
  const queue = new GenerationQueue({ connection: client, prefix: `${redis.keyPrefix}{q}` });
  const config = loadGatewayConfig({ SPOOL_PORT: '0', SPOOL_HOST: '127.0.0.1', ...env });
  const app = await buildApp(config, {
    log,
    queue,
    logger: createLogger('gateway-test', 'silent'),
    ping: async () => {
      await client.ping();
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let stopped: Promise<void> | undefined;
  const stop = (abrupt: boolean) => {
    stopped ??= (async () => {
      if (abrupt) app.server.closeAllConnections();
      else app.spool.deliveries.closeAll(new SpoolError('draining'));
      await app.close();
      await queue.close();
      await log.close();
      client.disconnect();
    })();
    return stopped;
  };
  return { app, url, log, close: () => stop(false), kill: () => stop(true) };
}

/** Every stored item of a stream, read straight from the token log. */
export async function storedItems(log: RedisTokenLog, streamId: string): Promise<Item[]> {
  const items: Item[] = [];
  for (let from = 0; ; ) {
    const read = await log.read(streamId, from, 1_000);
    items.push(...read.items);
    if (read.items.length === 0 || read.next >= read.length) return items;
    from = read.next;
  }
}

export function answer(count: number, finish: 'stop' | 'length' = 'stop'): NewItem[] {
  return [
    { type: 'block_start', block: 0, kind: 'text' },
    ...Array.from({ length: count }, (_, index) => ({
      type: 'token' as const,
      block: 0,
      text: `tok${index} `,
    })),
    { type: 'block_end', block: 0 },
    { type: 'end', finish_reason: finish },
  ];
}

/** A stream whose items are appended in batches of `batch`, `everyMs` apart (a live generation). */
export async function liveStream(
  log: RedisTokenLog,
  items: NewItem[],
  options: { batch: number; everyMs: number },
) {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  const done = (async () => {
    for (let at = 0; at < items.length; at += options.batch) {
      await log.append({ streamId, attempt: 1, at, items: items.slice(at, at + options.batch) });
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
    }
  })();
  return { streamId, done };
}

export async function storedStream(
  log: RedisTokenLog,
  items: NewItem[],
  batch = 5,
): Promise<string> {
  const { streamId, done } = await liveStream(log, items, { batch, everyMs: 0 });
  await done;
  return streamId;
}

export { offsetsOf, readSse, type SseRead, textOf } from '@spool/testing';
