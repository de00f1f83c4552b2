import { GenerationQueue } from '@spool/generation-queue';
import type { Item } from '@spool/protocol';
import { createLogger, sleep } from '@spool/runtime';
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

  /** `hold`: what every run waits for before it generates, or a function giving each run its own. */
  function start(
    concurrency: number,
    hold: Promise<void> | (() => Promise<void>),
    locks = SLOW_LOCKS,
  ) {
    const holdOf = typeof hold === 'function' ? hold : () => hold;
    const prefix = `${redis().keyPrefix}{q${prefixes++}}`;
    const queue = new GenerationQueue({ connection: client, prefix });
    const metrics = createWorkerMetrics();
    const adapter = scriptedAdapter(() => textAnswer(3));
    const held: typeof adapter = {
      ...adapter,
      async *generate(request, options) {
        // Held until released, or aborted (cancel, hand-back) as the adapter contract asks.
        await new Promise<void>((resolve, reject) => {
          holdOf().then(resolve);
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

  /** A job whose run here is held, with a 1 s lock renewed every 0.25 s and no stalled check. */
  async function oneHeldJob() {
    const { hold, release } = held();
    const started = start(1, hold, { ...SLOW_LOCKS, lockDurationMs: 1_000, lockRenewMs: 250 });
    const [streamId = ''] = await enqueue(started.queue, 1);
    await expect.poll(() => started.worker.running, { timeout: 10_000 }).toBe(1);
    return { ...started, release, streamId, jobKey: `${started.prefix}:generations:${streamId}` };
  }

  it('leaves a newer run’s lapsed lock alone, and its job with it when fenced', async () => {
    const { queue, worker, prefix, release, streamId, jobKey } = await oneHeldJob();
    // As after a restart elsewhere: BullMQ started the job again, the new run claimed the stream,
    // then that run's lock lapsed (its worker starved or died) with the job still active.
    await client.hset(jobKey, 'ats', '2');
    await log.claimAttempt(streamId, 2);
    await client.del(`${jobKey}:lock`);
    await sleep(1_500); // Six renewals of the stale run, each followed by a reclaim.
    expect(await client.exists(`${jobKey}:lock`)).toBe(0);
    release(); // The stale run appends, is fenced, and stops.
    await expect.poll(() => worker.running, { timeout: 10_000 }).toBe(0);
    // Not completed (that removed it, and the stream stayed `running` for good): still active,
    // for the stalled check to give to a new run.
    expect(await client.exists(jobKey)).toBe(1);
    expect(await client.lpos(`${prefix}:generations:active`, streamId)).toBe(0);
    await stop(worker, queue);
  });

  it('puts back to wait a job its fenced run still holds, and the next run ends the stream', async () => {
    const { queue, worker, release, streamId, jobKey } = await oneHeldJob();
    // A newer attempt claimed the stream, but the job stayed with this run (its start was lost).
    await log.claimAttempt(streamId, 2);
    release();
    expect(await itemTypes(streamId)).toEqual(textAnswer(3).map((item) => item.type));
    expect((await log.meta(streamId)).attempt).toBe(2); // The second BullMQ run finished it.
    await expect.poll(() => client.exists(jobKey)).toBe(0);
    await stop(worker, queue);
  });

  it('keeps renewing the lock of a newer run of a job when an older run of it here is fenced', async () => {
    const gates: (() => void)[] = [];
    const gate = () => new Promise<void>((resolve) => gates.push(resolve));
    // One BullMQ Worker with two slots; the stalled check moves a job without a lock at once.
    const locks = { lockDurationMs: 1_000, lockRenewMs: 250, stalledIntervalMs: 250 };
    const { queue, worker, prefix } = start(2, gate, locks);
    const [streamId = ''] = await enqueue(queue, 1);
    const jobKey = `${prefix}:generations:${streamId}`;
    await expect.poll(() => gates.length, { timeout: 10_000 }).toBe(1);
    // The first run goes stale, as when its lock lapsed while its worker starved and the job was
    // counted as started again: it cannot take the lock back, and the stalled check gives the
    // job to the same BullMQ Worker, whose second run claims the stream.
    await client.hset(jobKey, 'ats', '2');
    await client.del(`${jobKey}:lock`);
    await expect.poll(() => gates.length, { timeout: 10_000 }).toBe(2);
    expect(await client.hget(jobKey, 'ats')).toBe('3');
    gates[0]?.(); // The first run appends, is fenced, and stops.
    // Twice the lock: unrenewed, the second run's lock would lapse and the job move again.
    await sleep(2_000);
    expect(await client.hget(jobKey, 'ats')).toBe('3');
    expect(await client.exists(`${jobKey}:lock`)).toBe(1);
    gates[1]?.();
    expect(await itemTypes(streamId)).toEqual(textAnswer(3).map((item) => item.type));
    expect((await log.meta(streamId)).attempt).toBe(3);
    await stop(worker, queue);
  });

  it('ends the stream with worker_lost before failing a job started too often', async () => {
    const prefix = `${redis().keyPrefix}{q${prefixes}}`;
    const queue = new GenerationQueue({ connection: client, prefix });
    const [streamId = ''] = await enqueue(queue, 1);
    await client.hset(`${prefix}:generations:${streamId}`, 'ats', '4'); // The limit (4) is reached.
    const started = start(1, Promise.resolve());
    expect(started.prefix).toBe(prefix);
    const items: Item[] = [];
    await expect
      .poll(async () => (await log.meta(streamId)).status, { timeout: 10_000 })
      .toBe('failed');
    for await (const item of log.items(streamId)) items.push(item);
    expect(items).toMatchObject([{ type: 'error', code: 'worker_lost' }, { type: 'end' }]);
    await queue.close();
    await stop(started.worker, started.queue);
  });
});
