/** paused-readers: per variant, what the stopped readers cost the gateway beside nobody reading. */
import type { Spread } from '../measure/key-figures.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { count, mb, ratio, table } from './format.ts';

/** % of one core, one decimal when small: the reference gateway uses well under 1%. */
export const cpuPercent = (value: number) =>
  value < 10 ? `${value.toFixed(1)}%` : `${value.toFixed(0)}%`;

export const megabytes = (bytes: number) =>
  bytes < 1_048_576 ? `${(bytes / 1_024).toFixed(0)} kB` : `${(bytes / 1_048_576).toFixed(1)} MB`;

/** ` (low–high)` of several runs; nothing for one. */
function range(spread: Spread | undefined, show: (value: number) => string): string {
  return spread ? ` (${show(spread.min)}–${show(spread.max)})` : '';
}

export function pausedTable(results: readonly RunResult[]): string | undefined {
  const runs = results.filter((result) => result.paused);
  const reference = runs.find((result) => result.paused?.transport === 'none')?.paused;
  if (runs.length === 0) return undefined;
  const rows = runs.map((result) => {
    const paused = result.paused;
    if (!paused) return [];
    const { integrity } = result.figures;
    const growthRatio = reference ? paused.rssGrowthMB - reference.rssGrowthMB : Number.NaN;
    return [
      result.variant ?? '—',
      count(paused.spread?.rssGrowthMB.runs ?? 1),
      megabytes(paused.textProducedBytes),
      megabytes(paused.textOwedBytes),
      `${count(paused.heldReaders)} / ${count(paused.readers)}`,
      `${paused.generationSeconds.toFixed(1)} s`,
      `${mb(paused.rssStartMB)} → ${mb(paused.rssMaxMB)}`,
      `${paused.rssGrowthMB.toFixed(0)} MB${range(paused.spread?.rssGrowthMB, (value) => value.toFixed(0))}`,
      reference && paused.transport !== 'none'
        ? `${growthRatio >= 0 ? '+' : ''}${growthRatio.toFixed(0)} MB`
        : '—',
      `${cpuPercent(paused.pausedCpuPercent)} (${paused.pausedCpuSeconds.toFixed(2)} s in ${paused.pausedSeconds.toFixed(1)} s)${range(paused.spread?.pausedCpuPercent, cpuPercent)}`,
      reference && paused.transport !== 'none'
        ? ratio(paused.pausedCpuPercent / Math.max(0.01, reference.pausedCpuPercent))
        : '—',
      mb(paused.rssPeakMB),
      `${count(integrity.lost)} / ${count(integrity.duplicated)} / ${count(integrity.contentMismatches)}`,
      `${count(integrity.unfinished)} / ${count(result.figures.connections)}`,
    ];
  });
  return table(
    [
      'variant',
      'runs',
      'text produced',
      'owed to readers',
      'stopped / readers',
      'generation',
      'gateway RSS start → max',
      'growth',
      'growth − no readers',
      'gateway CPU while stopped',
      '÷ no readers',
      'RSS peak, catch-up included',
      'lost / dup / ≠',
      'unfinished / readers',
    ],
    rows,
    ['l'],
  );
}
