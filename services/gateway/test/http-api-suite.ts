/**
 * The HTTP API of SPEC section 3 through `app.inject()`, over a real Redis, the real token log
 * and the real generation queue. No worker runs: tests append items through the log themselves.
 * What the `http-api-*.test.ts` files share.
 */
import { GenerationQueue } from '@spool/generation-queue';
import type { NewItem } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import { redisPerFile } from '@spool/testing/vitest';
import {
  connectRedis,
  newStreamId,
  type RedisClient,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from '@spool/token-log';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';
import type { GatewayDependencies } from '../src/context.ts';

export interface ApiGateway {
  app: FastifyInstance;
  log: RedisTokenLog;
  queue: GenerationQueue;
}

export interface GatewayOptions {
  env?: Record<string, string>;
  log?: Partial<RedisTokenLogOptions>;
  ping?: GatewayDependencies['ping'];
}

/**
 * The file's Redis and its main gateway app (queue depth limit 1,000), set up before and closed
 * after the file's tests; `gateway()` makes more, each with its own queue so depths do not mix.
 */
export function httpApiSuite() {
  const redis = redisPerFile();
  let client: RedisClient;
  let main: ApiGateway;
  const closers: (() => Promise<void>)[] = [];

  async function gateway(name: string, options: GatewayOptions = {}): Promise<ApiGateway> {
    const log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix, ...options.log });
    const queue = new GenerationQueue({
      connection: client,
      prefix: `${redis().keyPrefix}{${name}}`,
    });
    const config = loadGatewayConfig({ SPOOL_MAX_BODY_BYTES: '16384', ...options.env });
    const ping = options.ping ?? (async () => void (await client.ping()));
    const app = await buildApp(config, {
      log,
      queue,
      logger: createLogger('test', 'silent'),
      ping,
    });
    closers.push(async () => {
      await app.close();
      await queue.close();
      await log.close();
    });
    return { app, log, queue };
  }

  beforeAll(async () => {
    client = connectRedis(redis().url, { maxRetriesPerRequest: null });
    main = await gateway('q', { env: { SPOOL_MAX_QUEUE_DEPTH: '1000' } });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    client.disconnect();
  });

  return {
    gateway,
    get main(): ApiGateway {
      return main;
    },
    /** The file's Redis connection and key prefix (to break things on purpose). */
    get redis(): { client: RedisClient; keyPrefix: string } {
      return { client, keyPrefix: redis().keyPrefix };
    },
    call(
      method: 'GET' | 'POST' | 'DELETE',
      url: string,
      options: {
        body?: object | string;
        headers?: Record<string, string>;
        app?: FastifyInstance;
      } = {},
    ) {
      return (options.app ?? main.app).inject({
        method,
        url,
        payload: options.body,
        headers: options.headers,
      });
    },
    async waiting(queue = main.queue): Promise<number> {
      return (await queue.depth()).waiting;
    },
    async streamCount(): Promise<number> {
      return (await client.keys(`${redis().keyPrefix}*:meta`)).length;
    },
    /** A stream holding `items`, created straight in the log (nothing enqueued). */
    async stored(items: NewItem[], log: RedisTokenLog = main.log): Promise<string> {
      const streamId = newStreamId();
      await log.create({ id: streamId });
      if (items.length > 0) await log.append({ streamId, attempt: 1, at: 0, items });
      return streamId;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every error answers exactly `{ error: { code, message } }` with the code's status. */
export function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  return response.json().error.message as string;
}

export function text(block: number, count: number): NewItem[] {
  return [
    { type: 'block_start', block, kind: 'text' },
    ...Array.from({ length: count }, (_, index) => ({
      type: 'token' as const,
      block,
      text: `t${index}`,
    })),
    { type: 'block_end', block },
  ];
}

export const stop: NewItem = { type: 'end', finish_reason: 'stop' };
