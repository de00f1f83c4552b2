import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId } from '@spool/token-log';
import { type Job, Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerationJob } from './generation-job.ts';
import { GenerationQueue, JOB_NAME, JOB_OPTIONS, QUEUE_NAME } from './generation-queue.ts';

const redis = redisPerFile();
const clients: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
});

function openQueue(): { queue: GenerationQueue; raw: Queue; prefix: string } {
  const connection = connectRedis(redis().url);
  const prefix = `${redis().keyPrefix}{q${clients.length}}`;
  const queue = new GenerationQueue({ connection, prefix });
  const raw = new Queue(QUEUE_NAME, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
  clients.push({
    close: async () => {
      await queue.close();
      await raw.close();
      connection.disconnect();
    },
  });
  return { queue, raw, prefix };
}

function jobOf(streamId: string): GenerationJob {
  return {
    streamId,
    model: 'synthetic',
    messages: [{ role: 'user', content: 'héllo, "quoted" \n ünïcode ✓' }],
    params: { seed: 7, max_tokens: 100, stop: ['\n'], tools: [{ type: 'function' }] },
  };
}

/** Everything BullMQ keeps of a queue with one job, but for the times it took. */
async function storedShape(prefix: string, jobId: string) {
  const client = connectRedis(redis().url);
  try {
    const key = (type: string) => `${prefix}:${QUEUE_NAME}:${type}`;
    const { timestamp, ...job } = await client.hgetall(key(jobId));
    const events = (await client.xrange(key('events'), '-', '+')).map(([, fields]) => fields);
    return {
      job,
      timestamp: Number(timestamp),
      wait: await client.lrange(key('wait'), 0, -1),
      marker: await client.zrange(key('marker'), 0, -1, 'WITHSCORES'),
      id: await client.get(key('id')),
      meta: await client.hgetall(key('meta')),
      events,
      keys: (await client.keys(`${prefix}:*`)).map((name) => name.slice(prefix.length)).sort(),
    };
  } finally {
    client.disconnect();
  }
}

describe('generation queue', () => {
  it('enqueues once per stream id, however often it is asked', async () => {
    const { queue } = openQueue();
    const streamId = newStreamId();
    const job = { streamId, messages: [{ role: 'user' as const, content: 'hi' }], params: {} };
    await queue.enqueue(job);
    await queue.enqueue(job);
    expect(await queue.depth()).toEqual({ waiting: 1, active: 0 });
  });

  it('refuses a malformed job and enqueues nothing', async () => {
    const { queue } = openQueue();
    await expect(queue.enqueue({ streamId: 'nope', messages: [], params: {} })).rejects.toThrow(
      /streamId|messages/,
    );
    expect(await queue.depth()).toEqual({ waiting: 0, active: 0 });
  });

  it('carries JSON-valued params (tools, response_format, stop) to the worker unchanged', async () => {
    const { queue, raw } = openQueue();
    const streamId = newStreamId();
    const params = {
      temperature: 0.3,
      stop: ['\n\n', 'END'],
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
      tool_choice: 'auto',
      x_vendor: null,
    };
    await queue.enqueue({ streamId, messages: [{ role: 'user', content: 'hi' }], params });
    expect((await raw.getJob(streamId))?.data.params).toEqual(params);
  });

  it('stores a job exactly as BullMQ Queue.add does', async () => {
    const thin = openQueue();
    const bullmq = openQueue();
    const streamId = newStreamId();
    const before = Date.now();
    await thin.queue.enqueue(jobOf(streamId));
    await bullmq.raw.add(JOB_NAME, jobOf(streamId), { jobId: streamId });
    await expect
      .poll(async () => (await storedShape(bullmq.prefix, streamId)).meta.version)
      .toBeDefined();
    const ours = await storedShape(thin.prefix, streamId);
    const theirs = await storedShape(bullmq.prefix, streamId);
    expect(ours.timestamp).toBeGreaterThanOrEqual(before);
    expect(ours.timestamp).toBeLessThanOrEqual(Date.now());
    expect({ ...ours, timestamp: 0 }).toEqual({ ...theirs, timestamp: 0 });
    expect(ours.job.opts).toBe(theirs.job.opts);
    expect(JSON.parse(ours.job.data ?? '')).toEqual(jobOf(streamId));
  });

  it('hands a real BullMQ Worker the job it enqueued, which it then completes and removes', async () => {
    const { queue, prefix } = openQueue();
    const streamId = newStreamId();
    await queue.enqueue(jobOf(streamId));
    const connection = connectRedis(redis().url, { maxRetriesPerRequest: null });
    let seen: Job | undefined;
    const worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        seen = job;
        return 'completed';
      },
      { connection, prefix },
    );
    try {
      await expect.poll(async () => (await queue.depth()).waiting, { timeout: 10_000 }).toBe(0);
      await expect.poll(() => seen?.finishedOn, { timeout: 10_000 }).toBeDefined();
      expect(seen?.id).toBe(streamId);
      expect(seen?.name).toBe(JOB_NAME);
      expect(seen?.data).toEqual(jobOf(streamId));
      expect(seen?.attemptsStarted).toBe(1);
      expect(seen?.opts).toMatchObject({ ...JOB_OPTIONS, jobId: streamId });
      expect(seen?.returnvalue).toBe('completed');
      expect(await queue.depth()).toEqual({ waiting: 0, active: 0 });
      // Nothing of the job, its prompt least of all, stays once it ended.
      await expect.poll(async () => (await storedShape(prefix, streamId)).job).toEqual({});
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });

  it('keeps nothing of a job that failed', async () => {
    const { queue, prefix } = openQueue();
    const streamId = newStreamId();
    await queue.enqueue(jobOf(streamId));
    const connection = connectRedis(redis().url, { maxRetriesPerRequest: null });
    let failed = false;
    const worker = new Worker(
      QUEUE_NAME,
      async () => {
        failed = true;
        throw new Error('the generation failed');
      },
      { connection, prefix },
    );
    try {
      await expect.poll(() => failed, { timeout: 10_000 }).toBe(true);
      await expect.poll(async () => (await storedShape(prefix, streamId)).job).toEqual({});
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });

  it('counts waiting and active jobs as Queue.getJobCounts does', async () => {
    const { queue, raw, prefix } = openQueue();
    for (let index = 0; index < 3; index++) await queue.enqueue(jobOf(newStreamId()));
    const connection = connectRedis(redis().url, { maxRetriesPerRequest: null });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = new Worker(QUEUE_NAME, () => held, { connection, prefix, concurrency: 1 });
    try {
      await expect
        .poll(() => queue.depth(), { timeout: 10_000 })
        .toEqual({ waiting: 2, active: 1 });
      const counts = await raw.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      expect(counts).toEqual({ waiting: 2, delayed: 0, prioritized: 0, active: 1 });
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });
});
