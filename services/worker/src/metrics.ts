/**
 * The worker's Prometheus metrics (prom-client), one registry per worker so tests stay apart.
 *
 * Cheap enough to keep on in production: a generation observes three stages once each, and an
 * append adds to two counters; nothing is computed until `/metrics` is scraped.
 */
import { createStageHistogram, type StageHistogram } from '@spool/runtime';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  /** `spool_stage_seconds{stage}`: queue_wait, model_first_token, first_append. */
  stages: StageHistogram;
  appends: Counter;
  itemsAppended: Counter;
  running: Gauge;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    stages: createStageHistogram(registry),
    appends: new Counter({
      name: 'spool_appends_total',
      help: 'Appends to the token log acknowledged by Redis (one per batch).',
      registers: [registry],
    }),
    itemsAppended: new Counter({
      name: 'spool_items_appended_total',
      help: 'Items appended to the token log.',
      registers: [registry],
    }),
    running: new Gauge({
      name: 'spool_generations_running',
      help: 'Generations this worker is running.',
      registers: [registry],
    }),
  };
}

/** What one generation reports; tests that do not read metrics pass `createWorkerMetrics()`. */
export type GenerationMetrics = Pick<WorkerMetrics, 'stages' | 'appends' | 'itemsAppended'>;
