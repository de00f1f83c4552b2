/**
 * The BullMQ side of the worker: take generation jobs, run them, hand them back at shutdown.
 *
 * Fencing attempt = BullMQ's `attemptsStarted` (1 on the first run, +1 each time a stalled job
 * is restarted), so a restarted job always outranks the run it replaces. A job restarted more
 * than `maxStartedAttempts` times fails, and its stream is ended with `worker_lost`: no stream
 * waits forever for workers that keep dying.
 *
 * That stream is ended before BullMQ is told the job failed: BullMQ says `failed` only once its
 * moveToFailed script answered, and after a lost reply (a failover, a reconnect) it runs the
 * script again, finds the job removed and says nothing — the stream stayed `running` for good.
 * So the processor checks the limit itself (BullMQ's own check fails the job without calling it)
 * and ends the stream first. Other failures of a run are ended on `failed`, which BullMQ says only
 * for the run holding the job's lock: a stale run's failure must not end its successor's stream.
 */
import { type GenerationJob, generationJobSchema, QUEUE_NAME } from '@spool/generation-queue';
import { type Logger, withTimeout } from '@spool/runtime';
import type { RedisClient, TokenLog } from '@spool/token-log';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { type GenerationContext, type GenerationOutcome, runGeneration } from './generate.ts';
import { reclaimLock } from './lock-reclaim.ts';
import type { WorkerMetrics } from './metrics.ts';
import { failureItems, StopReason } from './stop-reason.ts';

export interface GenerationWorkerOptions {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  /** How often each job's lock is renewed (BullMQ's `lockRenewTime`). */
  lockRenewMs: number;
  stalledIntervalMs: number;
  maxStartedAttempts: number;
  context: GenerationContext & { metrics: WorkerMetrics };
  /** Most jobs one BullMQ Worker instance holds (default SLOTS_PER_QUEUE_WORKER). */
  slotsPerQueueWorker?: number;
}

export interface GenerationWorker {
  /** Generations running in this process. */
  readonly running: number;
  /** Stop taking jobs; let running ones finish for `graceMs`; hand back the rest. */
  drain(graceMs: number): Promise<void>;
}

export function startGenerationWorker(options: GenerationWorkerOptions): GenerationWorker {
  const { context } = options;
  const shutdown = new AbortController();
  let running = 0;
  const { metrics } = context;
  /** The latest run here of each job: a failed renewal is checked against it (lock-reclaim.ts). */
  const runs = new Map<string, Run>();
  const processor = async (job: Job, token?: string): Promise<GenerationOutcome> => {
    const pickedUpAt = performance.now();
    if (job.attemptsStarted > options.maxStartedAttempts) {
      // This run is the job's latest (it holds the lock BullMQ just gave it): the stream is ended
      // now, then BullMQ fails the job.
      const error = new UnrecoverableError(TOO_MANY_STARTS);
      await endLostGeneration(job, error, context.log, context.logger);
      throw error;
    }
    // A restarted job keeps its first enqueue time: only a first pickup is a queue wait.
    if (job.attemptsStarted === 1) {
      metrics.stages.observe('queue_wait', Math.max(0, Date.now() - job.timestamp) / 1_000);
    }
    const parsed = generationJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Invalid job data: ${parsed.error.message}`);
    running++;
    metrics.running.inc();
    let ended = () => {};
    const run: Run = {
      token: token ?? '',
      attempt: job.attemptsStarted,
      ended: new Promise((resolve) => {
        ended = resolve;
      }),
    };
    if (job.id && token) runs.set(job.id, run);
    let outcome: GenerationOutcome;
    try {
      outcome = await runGeneration(
        {
          request: parsed.data,
          attempt: job.attemptsStarted,
          shutdown: shutdown.signal,
          pickedUpAt,
        },
        context,
      );
    } finally {
      if (job.id && runs.get(job.id) === run) runs.delete(job.id);
      ended();
      running--;
      metrics.running.dec();
    }
    if (outcome === 'handed_back') {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome === 'fenced') {
      await leaveFencedJob(job, token);
      throw new WaitingError();
    }
    return outcome;
  };
  /**
   * A newer attempt owns the stream. Completing the job would remove it: when that attempt's run
   * has no job (it lost it: a failover, a lapse) and its worker dies, nothing restarts the
   * stream. A job this run still holds goes back to wait instead (its next run fences and
   * continues); one it no longer holds is left to its holder.
   *
   * Whatever a run's end is, BullMQ then stops renewing the lock of its job id in that BullMQ
   * Worker — also the lock of a newer run of the same job that Worker took since, which would
   * lapse and move the job once more. So a fenced run whose job runs again here ends after that
   * newer run does.
   */
  const leaveFencedJob = async (job: Job, token: string | undefined): Promise<void> => {
    const newer = job.id === undefined ? undefined : runs.get(job.id);
    if (newer && newer.token !== token) await newer.ended;
    const requeued = await job.moveToWait(token).then(
      () => true,
      () => false,
    );
    if (requeued) context.logger.warn({ stream: job.id }, 'fenced run held its job: requeued');
  };
  const reclaim = {
    connection: options.connection,
    prefix: options.prefix,
    lockMs: options.lockDurationMs,
  };
  const takeBackLapsedLocks = async (jobIds: string[]) => {
    const lost: string[] = [];
    for (const jobId of jobIds) {
      const run = runs.get(jobId);
      if (run === undefined) continue;
      // Still ours, or ours again: the run goes on. Redis out of reach: the next renewal says.
      const ours = await reclaimLock(reclaim, { id: jobId, ...run }).catch(() => true);
      if (!ours) lost.push(jobId);
    }
    // The job moved: its new run's claim fences this one, which stops at its next append.
    if (lost.length > 0) context.logger.warn({ jobs: lost }, 'job locks lost to other runs');
  };
  const slots = options.slotsPerQueueWorker ?? SLOTS_PER_QUEUE_WORKER;
  const workers = splitConcurrency(options.concurrency, slots).map((concurrency) => {
    const worker = new Worker(QUEUE_NAME, processor, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency,
      drainDelay: IDLE_BLOCK_SECONDS,
      lockDuration: options.lockDurationMs,
      lockRenewTime: options.lockRenewMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: 1_000,
      // Checked by the processor, which ends the stream first (see the top of this file).
    });
    worker.on('failed', (job, error) => {
      if (job) void endLostGeneration(job, error, context.log, context.logger);
    });
    // A lock that merely lapsed (Redis out of reach, a stalled event loop) is taken back: BullMQ
    // only extends a lock that is still there (lock-reclaim.ts). The event names job ids only:
    // the run is found by its token.
    worker.on('lockRenewalFailed', (jobIds) => {
      void takeBackLapsedLocks(jobIds);
    });
    worker.on('error', (error) => {
      if (LOCK_RENEWAL_FAILURE.test(error.message)) return; // Said by lockRenewalFailed.
      // A generation stopped for a lost lock cannot finish its job: the job is another run's.
      if (MISSING_LOCK.test(error.message)) context.logger.debug({ err: error }, 'job not ours');
      else context.logger.error({ err: error }, 'queue error');
    });
    // This process's stalled check found the job's lock expired: its worker died or froze.
    worker.on('stalled', (jobId) =>
      context.logger.warn({ stream: jobId }, 'job stalled: requeued'),
    );
    return worker;
  });
  return {
    get running() {
      return running;
    },
    drain: async (graceMs) => {
      const graceOver = new Error('grace period over');
      try {
        await withTimeout(Promise.all(workers.map((worker) => worker.pause(false))), {
          timeoutMs: graceMs,
          onTimeout: () => graceOver,
        });
      } catch (error) {
        if (error !== graceOver) throw error;
        context.logger.info({ running }, 'grace period over: handing running generations back');
        shutdown.abort();
      }
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

/** A run of a job in this process. */
interface Run {
  /** Its BullMQ lock token. */
  token: string;
  /** Its fencing attempt (the job's `attemptsStarted` when it started). */
  attempt: number;
  /** Resolves when its generation has stopped. */
  ended: Promise<void>;
}

/** Why a job restarted more than `maxStartedAttempts` times failed (BullMQ's own words). */
const TOO_MANY_STARTS = 'job started more than allowable limit';
/** BullMQ's error for each job of a failed lock renewal (also reported by `lockRenewalFailed`). */
const LOCK_RENEWAL_FAILURE = /^could not renew lock for job /;
/** BullMQ's errors when a job is finished by a run that no longer holds its lock. */
const MISSING_LOCK = /^(Missing lock|Lock mismatch) for job /;

/**
 * Most jobs one BullMQ `Worker` instance holds; a process runs as many instances as its
 * concurrency needs. One Worker fetches its jobs one `moveToActive` round trip after another and
 * starts none of them until its slots are full or the queue is empty: with 500 slots, the first
 * job of a burst waited for 500 round trips, each a whole turn of an event loop busy with the
 * running generations. Instances fetch side by side, each starting after at most this many. The
 * price: one blocking connection (BZPOPMIN on the queue's marker) per instance.
 */
export const SLOTS_PER_QUEUE_WORKER = 32;

/**
 * How long an idle BullMQ Worker blocks on the queue's marker before it looks again (BullMQ's
 * `drainDelay`, 5 s by default). A job a stalled check puts back wakes one blocked Worker through
 * the marker, the one that blocked first — possibly one of a frozen (SIGSTOPped) process, whose
 * connections stay open: that wake-up is lost, and the job waited up to this long for the next
 * look. 0.5 s keeps generation failover within 3 s (docs/failover.md) for one BZPOPMIN every
 * half second per idle Worker.
 */
export const IDLE_BLOCK_SECONDS = 0.5;

/** `concurrency` as the slots of Worker instances of at most `slots` each, as even as can be. */
export function splitConcurrency(concurrency: number, slots: number): number[] {
  const count = Math.ceil(concurrency / slots);
  return Array.from({ length: count }, (_, index) => Math.floor((concurrency + index) / count));
}

/** A job BullMQ failed (restarted too often, invalid data, …): end its stream if still open. */
async function endLostGeneration(
  job: Job,
  error: Error,
  log: TokenLog,
  logger: Logger,
): Promise<void> {
  const data = job.data as Partial<GenerationJob>;
  if (typeof data.streamId !== 'string') return;
  const streamId = data.streamId;
  try {
    // One above every attempt BullMQ started fences any of them that might still be alive.
    const claim = await log.claimAttempt(streamId, job.attemptsStarted + 1);
    if (claim.status !== 'queued' && claim.status !== 'running') return;
    const reason = /allowable limit|stalled/.test(error.message) ? StopReason.workerLost : error;
    await log.append({
      streamId,
      attempt: job.attemptsStarted + 1,
      at: claim.length,
      items: failureItems(reason, error),
    });
    logger.warn({ stream: streamId, reason: error.message }, 'generation failed: stream ended');
  } catch (failure) {
    logger.error({ stream: streamId, err: failure }, 'could not end the stream of a failed job');
  }
}
