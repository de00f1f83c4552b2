/**
 * What the worker's benchmarks compute from their samples: percentiles, and the
 * `spool_stage_seconds` histograms that worker processes expose on `/metrics`.
 */
import { STAGE_METRIC_NAME } from '@spool/runtime';

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** One stage's histogram: cumulative counts per upper bound (seconds), sum and count. */
export interface StageHistogramSnapshot {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

const LINE = new RegExp(
  `^${STAGE_METRIC_NAME}_(bucket|sum|count)\\{(?:le="([^"]+)",)?stage="([a-z_]+)"\\} (\\S+)$`,
);

/** The stage histograms of a Prometheus text exposition, by stage. */
export function parseStageHistograms(text: string): Map<string, StageHistogramSnapshot> {
  const stages = new Map<string, StageHistogramSnapshot>();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, part, le, stage = '', value] = match;
    let snapshot = stages.get(stage);
    if (!snapshot) {
      snapshot = { buckets: new Map(), sum: 0, count: 0 };
      stages.set(stage, snapshot);
    }
    if (part === 'bucket')
      snapshot.buckets.set(le === '+Inf' ? Infinity : Number(le), Number(value));
    else if (part === 'sum') snapshot.sum = Number(value);
    else snapshot.count = Number(value);
  }
  return stages;
}

/** A process's `process_cpu_seconds_total` (prom-client's default metrics), in seconds. */
export function parseCpuSeconds(text: string): number {
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** `after − before` of every process, added up: what happened between two scrapes. */
export function stageDelta(
  before: Map<string, StageHistogramSnapshot>[],
  after: Map<string, StageHistogramSnapshot>[],
): Map<string, StageHistogramSnapshot> {
  const total = new Map<string, StageHistogramSnapshot>();
  after.forEach((stages, index) => {
    for (const [stage, snapshot] of stages) {
      const earlier = before[index]?.get(stage);
      const sum = total.get(stage) ?? { buckets: new Map(), sum: 0, count: 0 };
      sum.sum += snapshot.sum - (earlier?.sum ?? 0);
      sum.count += snapshot.count - (earlier?.count ?? 0);
      for (const [bound, count] of snapshot.buckets) {
        const delta = count - (earlier?.buckets.get(bound) ?? 0);
        sum.buckets.set(bound, (sum.buckets.get(bound) ?? 0) + delta);
      }
      total.set(stage, sum);
    }
  });
  return total;
}

/** Adds `more` into `total`. */
export function addStages(
  total: Map<string, StageHistogramSnapshot>,
  more: Map<string, StageHistogramSnapshot>,
): void {
  for (const [stage, snapshot] of more) {
    const sum = total.get(stage) ?? { buckets: new Map(), sum: 0, count: 0 };
    sum.sum += snapshot.sum;
    sum.count += snapshot.count;
    for (const [bound, count] of snapshot.buckets) {
      sum.buckets.set(bound, (sum.buckets.get(bound) ?? 0) + count);
    }
    total.set(stage, sum);
  }
}

/**
 * A quantile as Prometheus' `histogram_quantile` estimates it: linear within the bucket that
 * holds it. In seconds; an estimate, good to about its bucket's width.
 */
export function histogramQuantile(snapshot: StageHistogramSnapshot, q: number): number {
  const bounds = [...snapshot.buckets.keys()].sort((a, b) => a - b);
  const rank = q * snapshot.count;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = snapshot.buckets.get(bound) ?? 0;
    if (cumulative >= rank) {
      if (bound === Infinity) return lower;
      const inBucket = cumulative - below;
      return inBucket === 0 ? bound : lower + ((bound - lower) * (rank - below)) / inBucket;
    }
    lower = bound;
    below = cumulative;
  }
  return lower;
}
