/**
 * Spool's stage breakdown of a scenario: where an item's time goes, from create to the reader,
 * out of Spool's own histograms (p50/p99 from buckets) and, for the last hop, the readers' clocks.
 */
import type { BucketQuantile, StageFigure } from '../measure/stage-metrics.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { count, ms, table } from './format.ts';

const WHAT: Record<string, string> = {
  enqueue: 'gateway: create request → generation enqueued',
  queue_wait: 'worker: enqueued → picked up',
  model_first_token: 'worker: picked up → first item from the model',
  first_append: 'worker: first item → appended to the log',
  notify: 'gateway: appended → at the gateway (tail message or read), every read',
  write: 'gateway: appended → written to the socket',
};

function quantile(value: BucketQuantile | null): string {
  if (!value) return '—';
  const upper = value.upperMs === Infinity ? '+Inf' : ms(value.upperMs).replace(' ms', '');
  return `${ms(value.ms)} (${ms(value.lowerMs).replace(' ms', '')}–${upper})`;
}

function source(figure: StageFigure): string {
  if (figure.family === null) return 'not exposed by this build';
  return figure.family === 'spool_stage_seconds'
    ? `\`spool_stage_seconds{stage="${figure.stage}"}\``
    : `\`${figure.family}\` (no write stage in this build)`;
}

export function stageTable(result: RunResult): string | undefined {
  const breakdown = result.stages;
  if (!breakdown) return undefined;
  const rows = breakdown.stages.map((figure) => [
    `\`${figure.stage}\``,
    WHAT[figure.stage] ?? '—',
    quantile(figure.p50),
    quantile(figure.p99),
    figure.family === null ? '—' : count(figure.count),
    source(figure),
  ]);
  const latency = result.figures.latency;
  rows.push([
    'client',
    'appended → received by the reader (live items, readers’ clocks)',
    ms(latency?.p50),
    ms(latency?.p99),
    count(latency?.count ?? 0),
    'the harness (exact, not buckets)',
  ]);
  return table(['stage', 'span', 'p50 (bucket)', 'p99 (bucket)', 'observations', 'from'], rows, [
    'l',
    'l',
    'r',
    'r',
    'r',
    'l',
  ]);
}

/** Endpoints that could not be scraped (a worker without `SPOOL_METRICS_PORT`, say). */
export function stageNotes(result: RunResult): string[] {
  const unreachable = result.stages?.unreachable ?? [];
  return unreachable.length === 0
    ? []
    : [
        `Stage metrics not scraped from ${unreachable.length} endpoint(s) (${unreachable
          .map((entry) => `\`${entry.replaceAll('|', '/')}\``)
          .join(', ')}): their stages are missing or partial.`,
      ];
}
