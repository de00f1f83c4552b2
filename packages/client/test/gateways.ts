/**
 * Test helpers of the SDK's suites: gateways in this process on real ports over a real Redis
 * (the gateway's own `startGateway`), and a stand-in worker that honours cancel.
 */
import { type Gateway, loadGatewayConfig, startGateway } from '@spool/gateway';
import type { Item, NewItem } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import { serviceEnv, type TestRedis } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { newStreamId, type RedisTokenLog } from '@spool/token-log';
import { afterAll, beforeAll } from 'vitest';
import { SpoolClient } from '../src/index.ts';

export { answer, liveStream, storedItems, storedStream } from '@spool/testing';

export type TestGateway = Gateway;

/** A gateway in this process, on a free loopback port, over the test's Redis. */
export function startTestGateway(redis: TestRedis): Promise<TestGateway> {
  const config = loadGatewayConfig({
    ...serviceEnv(redis),
    SPOOL_PORT: '0',
    SPOOL_HOST: '127.0.0.1',
  });
  return startGateway(config, {
    logger: createLogger('gateway-test', 'silent'),
    redis: { maxRetriesPerRequest: null },
  });
}

type ClientOptions = ConstructorParameters<typeof SpoolClient>[0];

/**
 * A test file's gateway over its own Redis, started before the file's tests and drained after
 * them, and the SDK clients they make through `client`, closed then.
 */
export function gatewayPerFile(): {
  readonly gateway: TestGateway;
  client(options?: Partial<ClientOptions>): SpoolClient;
} {
  const redis = redisPerFile();
  let started: TestGateway | undefined;
  const clients: SpoolClient[] = [];
  beforeAll(async () => {
    started = await startTestGateway(redis());
  });
  afterAll(async () => {
    for (const each of clients) each.close();
    await started?.drain();
  });
  const gateway = () => {
    if (!started) throw new Error('The gateway starts in beforeAll.');
    return started;
  };
  return {
    get gateway() {
      return gateway();
    },
    client: (options = {}) => {
      const created = new SpoolClient({ baseUrl: gateway().url, ...options });
      clients.push(created);
      return created;
    },
  };
}

export function textOf(items: readonly Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * A stand-in worker: appends one token every `everyMs` until the stream is cancelled, then
 * appends `end` (cancelled), as a worker that aborts its model call does.
 */
export async function cancellableGeneration(
  log: RedisTokenLog,
  everyMs: number,
): Promise<{ streamId: string; done: Promise<number> }> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  let cancelled = false;
  const stopWatching = await log.watchCancel(streamId, () => {
    cancelled = true;
  });
  const done = (async () => {
    await log.append({
      streamId,
      attempt: 1,
      at: 0,
      items: [{ type: 'block_start', block: 0, kind: 'text' }],
    });
    let at = 1;
    while (!cancelled) {
      await log.append({
        streamId,
        attempt: 1,
        at,
        items: [{ type: 'token', block: 0, text: `t${at} ` }],
      });
      at += 1;
      await sleep(everyMs);
    }
    const end: NewItem[] = [
      { type: 'block_end', block: 0 },
      { type: 'end', finish_reason: 'cancelled' },
    ];
    await log.append({ streamId, attempt: 1, at, items: end });
    await stopWatching();
    return at + end.length;
  })();
  return { streamId, done };
}

/** Resolves once the stream holds at least `length` items. */
export async function lengthReached(log: RedisTokenLog, streamId: string, length: number) {
  while ((await log.read(streamId, 0, 1)).length < length) await sleep(2);
}
