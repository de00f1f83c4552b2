/**
 * The generation queue: one BullMQ queue shared by every gateway (producer) and worker.
 *
 * Job id = stream id, so enqueueing the same stream twice is a no-op (BullMQ ignores a job id
 * it already holds): a retried create never starts two generations. The key prefix is a hash
 * tag, so all of the queue's keys share one slot and BullMQ's scripts run on Redis Cluster.
 */
import type { RedisClient } from '@spool/token-log';
import { type JobsOptions, Queue } from 'bullmq';
import { type GenerationJob, generationJobSchema } from './generation-job.ts';

export const QUEUE_NAME = 'generations';
export const DEFAULT_QUEUE_PREFIX = '{spool-queue}';
export const JOB_NAME = 'generate';

export const JOB_OPTIONS: JobsOptions = {
  // The worker ends the stream itself on every failure it sees; a retry would re-run a
  // generation that already ended. Lost workers are handled by BullMQ's stalled-job checks.
  attempts: 1,
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 24 * 3_600 },
};

export interface QueueDepth {
  /** Jobs waiting for a worker (including delayed and prioritized). */
  waiting: number;
  /** Jobs a worker is running now: generations in flight. */
  active: number;
}

export interface GenerationQueueOptions {
  connection: RedisClient;
  prefix?: string;
}

export class GenerationQueue {
  readonly #queue: Queue;

  constructor(options: GenerationQueueOptions) {
    this.#queue = new Queue(QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
      defaultJobOptions: JOB_OPTIONS,
    });
  }

  /** Enqueues the generation of `job.streamId`; idempotent by stream id. */
  async enqueue(job: GenerationJob): Promise<void> {
    const data = generationJobSchema.parse(job);
    await this.#queue.add(JOB_NAME, data, { jobId: data.streamId });
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    return {
      waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}
