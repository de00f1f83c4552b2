/**
 * The generation queue: one BullMQ queue shared by every gateway (producer) and worker.
 *
 * Job id = stream id, so enqueueing the same stream twice is a no-op (BullMQ ignores a job id
 * it already holds): a retried create never starts two generations. The key prefix is a hash
 * tag, so all of the queue's keys share one slot and BullMQ's scripts run on Redis Cluster.
 *
 * The producer side does not load BullMQ: a gateway only adds jobs and counts them, and
 * importing BullMQ (Worker, sandboxes, flows, schedulers, telemetry, …) cost it 120–270 ms at
 * start and 5.6 MB of heap (`pnpm --filter @spool/generation-queue bench`). It runs BullMQ's own
 * `addStandardJob` and `getCounts` scripts (bullmq-scripts.ts) with the keys and arguments
 * `Queue.add` and `Queue.getJobCounts` pass; generation-queue.test.ts holds it to what
 * `Queue.add` stores and what a `Worker` reads.
 */
import type { RedisClient } from '@spool/token-log';
import {
  ADD_STANDARD_JOB,
  BULLMQ_VERSION,
  type BullmqScript,
  GET_COUNTS,
} from './bullmq-scripts.ts';
import { type GenerationJob, generationJobSchema } from './generation-job.ts';
import { encodeMsgpack } from './msgpack.ts';

export const QUEUE_NAME = 'generations';
export const DEFAULT_QUEUE_PREFIX = '{spool-queue}';
export const JOB_NAME = 'generate';

/** BullMQ job options (`JobsOptions`) of every generation job. */
export const JOB_OPTIONS = Object.freeze({
  // The worker ends the stream itself on every failure it sees; a retry would re-run a
  // generation that already ended. Lost workers are handled by BullMQ's stalled-job checks.
  attempts: 1,
  // A job holds the whole prompt: nothing of it stays in Redis once the job ends (issue 13: a
  // 1 MiB prompt was kept for an hour, a failed one for a day). What a finished generation left
  // is its stream. A repeat create of an ended stream enqueues again; its worker finds the
  // stream ended and stops at once.
  removeOnComplete: true,
  removeOnFail: true,
});

/** The queue keys addStandardJob takes, in its order. */
const ADD_STANDARD_JOB_KEYS = [
  'wait',
  'paused',
  'meta',
  'id',
  'completed',
  'delayed',
  'active',
  'events',
  'marker',
] as const;

/** What `Queue` writes to the queue's meta hash when it opens (BullMQ's defaults). */
const QUEUE_META = { 'opts.maxLenEvents': '10000', version: `bullmq:${BULLMQ_VERSION}` };

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

type ScriptCall = (args: (string | number | Buffer)[]) => Promise<unknown>;

export class GenerationQueue {
  readonly #connection: RedisClient;
  /** `<prefix>:generations:` — every key of the queue is this and a type (BullMQ's QueueKeys). */
  readonly #keyPrefix: string;
  #meta: Promise<unknown> | undefined;

  constructor(options: GenerationQueueOptions) {
    this.#connection = options.connection;
    this.#keyPrefix = `${options.prefix ?? DEFAULT_QUEUE_PREFIX}:${QUEUE_NAME}:`;
  }

  /** Enqueues the generation of `job.streamId`; idempotent by stream id. */
  async enqueue(job: GenerationJob): Promise<void> {
    const data = generationJobSchema.parse(job);
    this.#meta ??= this.#connection.hset(this.#key('meta'), QUEUE_META).catch((error: unknown) => {
      this.#meta = undefined;
      throw error;
    });
    // KEYS and ARGV as RedisQueueBackend.addStandardJobArgs builds them for Job.create.
    const result = await this.#script(ADD_STANDARD_JOB)([
      ...ADD_STANDARD_JOB_KEYS.map((type) => this.#key(type)),
      encodeMsgpack([
        this.#keyPrefix,
        data.streamId, // the job id
        JOB_NAME,
        Date.now(), // the job's timestamp
        null, // parent key
        null, // parent dependencies key
        undefined, // parent
        undefined, // repeat job key
        null, // deduplication key
        null, // defer parent release
      ]),
      JSON.stringify(data),
      // Job options in Job's order (attempts first), as optsAsJSON packs them.
      encodeMsgpack({ ...JOB_OPTIONS, jobId: data.streamId }),
    ]);
    if (typeof result === 'number' && result < 0) {
      throw new Error(`BullMQ's addStandardJob failed with code ${result}`);
    }
    await this.#meta;
  }

  async depth(): Promise<QueueDepth> {
    const counts = (await this.#script(GET_COUNTS)([
      this.#keyPrefix,
      'wait',
      'delayed',
      'prioritized',
      'active',
    ])) as number[];
    const [wait = 0, delayed = 0, prioritized = 0, active = 0] = counts.map(Number);
    return { waiting: wait + delayed + prioritized, active };
  }

  /** Nothing to release: the connection is the caller's. */
  async close(): Promise<void> {}

  #key(type: string): string {
    return `${this.#keyPrefix}${type}`;
  }

  /**
   * Runs a script by its SHA1, and by its text when Redis does not hold it yet (what ioredis'
   * `defineCommand` does; that one cannot be used here: auto-pipelined batches opened before a
   * command was defined do not know it).
   */
  #script(script: BullmqScript): ScriptCall {
    return async (args) => {
      try {
        return await this.#connection.evalsha(script.sha1, script.keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return this.#connection.eval(script.lua, script.keys, ...args);
      }
    };
  }
}
