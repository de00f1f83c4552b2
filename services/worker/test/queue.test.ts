import { GenerationQueue } from '@spool/generation-queue';
import { createLogger } from '@spool/runtime';
import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../src/metrics.ts';
import { type GenerationWorker, splitConcurrency, startGenerationWorker } from '../src/queue.ts';
import { scriptedAdapter, textAnswer } from './scripted-adapter.ts';

const redis = redisPerFile();
let client: ReturnType<typeof connectRedis>;
let log: RedisTokenLog;
const logger = createLogger('worker-test', 'silent');

beforeAll(() => {
  client = connectRedis(redis().url, { maxRetriesPerRequest: null });
  log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
});
afterAll(async () => {
  await log.close();
  client.disconnect();
});

describe('splitConcurrency', () => {
  it.each([
    [256, 32, Array(8).fill(32)],
    [40, 32, [20, 20]],
    [1, 32, [1]],
    [10, 3, [2, 2, 3, 3]],
  ])('splits %i slots into Workers of at most %i: %j', (concurrency, slots, expected) => {
    expect(splitConcurrency(concurrency, slots)).toEqual(expected);
  });

  it('keeps every slot, none over the bound, as even as can be', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (n, k) => {
        const parts = splitConcurrency(n, k);
        expect(parts.reduce((sum, part) => sum + part, 0)).toBe(n);
        expect(Math.max(...parts)).toBeLessThanOrEqual(k);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('startGenerationWorker', () => {
  let prefixes = 0;
  const SLOW_LOCKS = { lockDurationMs: 30_000, lockRenewMs: 15_000, stalledIntervalMs: 30_000 };

  function start(concurrency: number, hold: Promise<void>, locks = SLOW_LOCKS) {
    const prefix = `${redis().keyPrefix}{q${prefixes++}}`;
    const queue = new GenerationQueue({ connection: client, prefix });
    const metrics = createWorkerMetrics();
    const adapter = scriptedAdapter(() => textAnswer(3));
    const held: typeof adapter = {
      ...adapter,
      async *generate(request, options) {
        // Held until released, or aborted (cancel, hand-back) as the adapter contract asks.
        await new Promise<void>((resolve, reject) => {
          hold.then(resolve);
          options.signal.addEventListener('abort', () => reject(options.signal.reason));
        });
        yield* adapter.generate(request, options);
      },
    };
    const worker = startGenerationWorker({
      connection: client,
      prefix,
      concurrency,
      slotsPerQueueWorker: 3,
      ...locks,
      maxStartedAttempts: 4,
      context: {
        log,
        adapter: held,
        logger,
        metrics,
        settings: { append: { maxItems: 8 }, idleTimeoutMs: 60_000, upstreamRetries: 0 },
      },
    });
    return { queue, metrics, worker, prefix };
  }

  async function enqueue(queue: GenerationQueue, count: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const streamId = newStreamId();
        await log.create({ id: streamId });
        await queue.enqueue({ streamId, messages: [{ role: 'user', content: 'hi' }], params: {} });
        return streamId;
      }),
    );
  }

  async function stop(worker: GenerationWorker, queue: GenerationQueue) {
    await worker.drain(0);
    await queue.close();
  }

  it('runs its whole concurrency at once across several BullMQ Workers', async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queue, metrics, worker } = start(10, hold);
    const streams = await enqueue(queue, 12);
    await expect.poll(() => worker.running, { timeout: 10_000 }).toBe(10);
    expect(await queue.depth()).toEqual({ waiting: 2, active: 10 });
    release();
    for (const streamId of streams) {
      await expect.poll(async () => (await log.meta(streamId)).status).toBe('done');
    }
    const text = await metrics.registry.metrics();
    expect(text).toContain('spool_stage_seconds_count{stage="queue_wait"} 12');
    expect(text).toContain('spool_generations_running 0');
    await stop(worker, queue);
  });

  it('hands every running generation back when the grace period is over', async () => {
    const { queue, worker } = start(6, new Promise<void>(() => {}));
    const streams = await enqueue(queue, 6);
    await expect.poll(() => worker.running, { timeout: 10_000 }).toBe(6);
    await worker.drain(50);
    expect(worker.running).toBe(0);
    expect(await queue.depth()).toEqual({ waiting: 6, active: 0 });
    for (const streamId of streams) expect((await log.meta(streamId)).status).not.toBe('done');
    await queue.close();
  });

  function held() {
    let release = () => {};
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    return { hold, release };
  }

  async function itemTypes(streamId: string): Promise<string[]> {
    await expect
      .poll(async () => (await log.meta(streamId)).status, { timeout: 10_000 })
      .toBe('done');
    const types: string[] = [];
    for await (const item of log.items(streamId)) types.push(item.type);
    return types;
  }

  it('takes back a lock that lapsed while its run was fine, and the run goes on', async () => {
    const { hold, release } = held();
    // No stalled check during the test: what keeps the job here is the run taking its lock back.
    const locks = { lockDurationMs: 1_000, lockRenewMs: 250, stalledIntervalMs: 60_000 };
    const { queue, worker, prefix } = start(1, hold, locks);
    const [streamId = ''] = await enqueue(queue, 1);
    await expect.poll(() => worker.running, { timeout: 10_000 }).toBe(1);
    // As when Redis was out of reach longer than the lock: the lock is gone, the run alive.
    const jobKey = `${prefix}:generations:${streamId}`;
    await client.del(`${jobKey}:lock`);
    await expect.poll(() => client.exists(`${jobKey}:lock`), { timeout: 5_000 }).toBe(1);
    expect(await client.hget(jobKey, 'ats')).toBe('1'); // Not moved: the first run goes on.
    release();
    expect(await itemTypes(streamId)).toEqual(textAnswer(3).map((item) => item.type));
    await stop(worker, queue);
  });
});
