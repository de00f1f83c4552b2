/**
 * The time to first token, stage by stage: one histogram, `spool_stage_seconds{stage}`, that
 * gateways and workers both register on their own registry, so that one dashboard (or
 * benchmark) reads every stage of the path by the same name and buckets.
 *
 * Here, below both services, because services never import each other. Stages of one
 * generation, in order:
 *
 * - `enqueue` (gateway): the create request received → its job enqueued.
 * - `queue_wait` (worker): the job enqueued (BullMQ's `job.timestamp`) → picked up, the
 *   processor starting; first attempts only (a restarted job's timestamp is its first enqueue).
 * - `model_first_token` (worker): picked up → the model adapter's first item (the stream's
 *   claim, its cancel watch and the model's prefill).
 * - `first_append` (worker): the first item produced → its append acknowledged by Redis.
 *
 * And of every delivery, per read: `notify` (gateway): items appended (Redis time) → in the
 * gateway's hands, ready to write (through the tail's message, or a read). From there to the
 * socket is `spool_delivery_lag_seconds`.
 *
 * A new stage is one more name in `STAGES`.
 */
import { Histogram, type Registry } from 'prom-client';

export const STAGE_METRIC_NAME = 'spool_stage_seconds';

export const STAGES = [
  'enqueue',
  'queue_wait',
  'model_first_token',
  'first_append',
  'notify',
] as const;
export type Stage = (typeof STAGES)[number];

/** 0.5 ms to 30 s: a pickup on an idle system is sub-millisecond, a saturated queue seconds. */
export const STAGE_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

export interface StageHistogram {
  /** Records that one generation spent `seconds` in `stage`. */
  observe(stage: Stage, seconds: number): void;
}

/**
 * The `spool_stage_seconds` histogram of `registry`, registered on first use: a gateway and a
 * worker in one process (tests) may share a registry and both call this.
 */
export function createStageHistogram(registry: Registry): StageHistogram {
  const existing = registry.getSingleMetric(STAGE_METRIC_NAME);
  const histogram =
    existing instanceof Histogram
      ? (existing as Histogram<'stage'>)
      : new Histogram({
          name: STAGE_METRIC_NAME,
          help: 'Time spent in each stage of a token’s trip: create → enqueued → picked up → first model token → appended → at the gateway.',
          labelNames: ['stage'] as const,
          buckets: [...STAGE_BUCKETS_SECONDS],
          registers: [registry],
        });
  // One child per stage, made once: observing then costs no label lookup.
  const children = new Map(STAGES.map((stage) => [stage, histogram.labels({ stage })]));
  return {
    observe: (stage, seconds) => children.get(stage)?.observe(seconds),
  };
}
