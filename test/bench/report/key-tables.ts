/**
 * The key figures as medians of repeated runs with their spread, Spool beside
 * resumable-stream, and the saved run of another system beside this one ("before → after").
 */
import {
  KEY_TITLES,
  type KeyFigures,
  type KeyName,
  keyOf,
  pairedRatio,
  type Spread,
} from '../measure/key-figures.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { READER_NAMES } from '../scenarios/scenario-types.ts';
import { mb, ms, rate, ratio, seconds, table } from './format.ts';

/** The figures a medians table shows, in order. */
export const MEDIAN_KEYS: KeyName[] = [
  'ttftP50',
  'latencyP50',
  'latencyP99',
  'cpuPerMillionTokens',
  'tokensPerSecond',
];

export function formatKey(key: KeyName, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (key === 'cpuPerMillionTokens') return seconds(value);
  if (key === 'tokensPerSecond') return rate(value);
  if (key === 'serverRssMaxMB') return mb(value);
  return ms(value);
}

function spreadText(key: KeyName, spread: Spread | null): string {
  if (!spread) return '—';
  if (spread.runs === 1) return formatKey(key, spread.median);
  return `${formatKey(key, spread.median)} (${formatKey(key, spread.min)}–${formatKey(key, spread.max)})`;
}

function ratioText(spread: Spread | null): string {
  if (!spread) return '—';
  if (spread.runs === 1) return ratio(spread.median);
  return `${ratio(spread.median)} (${ratio(spread.min)}–${ratio(spread.max)})`;
}

/** Spool and resumable-stream side by side: medians (min–max) and per-round ratios. */
export function mediansTable(results: readonly RunResult[]): string | undefined {
  const spool = results.find((result) => result.system === 'spool');
  const peer = results.find((result) => result.system === 'resumable');
  if (!spool || spool.keyRuns.length < 2) return undefined;
  const rows = MEDIAN_KEYS.map((key) => [
    KEY_TITLES[key],
    spreadText(key, keyOf(spool.keyRuns, key)),
    peer ? spreadText(key, keyOf(peer.keyRuns, key)) : '—',
    peer ? ratioText(pairedRatio(spool.keyRuns, peer.keyRuns, key)) : '—',
  ]);
  return table(
    [
      `median of ${spool.keyRuns.length} (min–max)`,
      'Spool',
      'resumable-stream',
      'Spool ÷ resumable-stream, per round',
    ],
    rows,
    ['l'],
  );
}

/** One line of the before → after table. */
interface CompareRow {
  figure: string;
  key: KeyName | 'count' | 'mb' | 'percent';
  pick: (results: readonly RunResult[]) => number | null | undefined;
}

const find = (results: readonly RunResult[], scenario: string, system: string, variant?: string) =>
  results.find(
    (result) =>
      result.scenario === scenario &&
      result.system === system &&
      (variant === undefined || result.variant === variant),
  );

const median = (runs: readonly KeyFigures[] | undefined, key: KeyName) =>
  runs ? (keyOf(runs, key)?.median ?? null) : null;

function compareRows(): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const scenario of ['steady-light', 'steady', 'burst']) {
    for (const key of MEDIAN_KEYS) {
      rows.push({
        figure: `${scenario} · Spool · ${KEY_TITLES[key]}`,
        key,
        pick: (results) => median(find(results, scenario, 'spool')?.keyRuns, key),
      });
    }
    for (const key of ['latencyP50', 'cpuPerMillionTokens'] as const) {
      rows.push({
        figure: `${scenario} · resumable-stream · ${KEY_TITLES[key]} (drift check)`,
        key,
        pick: (results) => median(find(results, scenario, 'resumable')?.keyRuns, key),
      });
    }
  }
  rows.push(
    {
      figure: 'throughput · Spool · tokens/s',
      key: 'tokensPerSecond',
      pick: (results) => median(find(results, 'throughput', 'spool')?.keyRuns, 'tokensPerSecond'),
    },
    {
      figure: 'ramp · Spool · knee (open streams)',
      key: 'count',
      pick: (results) => find(results, 'ramp', 'spool')?.ramp?.knee,
    },
    {
      figure: 'ramp · resumable-stream · knee (drift check)',
      key: 'count',
      pick: (results) => find(results, 'ramp', 'resumable')?.ramp?.knee,
    },
    {
      figure: 'connections · gateway RSS peak',
      key: 'mb',
      pick: (results) => median(find(results, 'connections', 'spool')?.keyRuns, 'serverRssMaxMB'),
    },
    {
      figure: 'connections · latency p99',
      key: 'latencyP99',
      pick: (results) => median(find(results, 'connections', 'spool')?.keyRuns, 'latencyP99'),
    },
    {
      figure: 'gateway RSS idle (largest)',
      key: 'mb',
      pick: (results) => idleRss(results),
    },
  );
  for (const transport of READER_NAMES) {
    rows.push(
      {
        figure: `paused-readers · most ${transport} readers · gateway RSS growth`,
        key: 'mb',
        pick: (results) => mostPaused(results, transport)?.paused?.rssGrowthMB,
      },
      {
        figure: `paused-readers · most ${transport} readers · gateway CPU while stopped`,
        key: 'percent',
        pick: (results) => mostPaused(results, transport)?.paused?.pausedCpuPercent,
      },
    );
  }
  return rows;
}

export function idleRss(results: readonly RunResult[]): number | null {
  const values = results.flatMap((result) => result.idleGatewayRssMB ?? []);
  return values.length > 0 ? Math.max(...values) : null;
}

/** The paused-readers variant with the most readers of a kind (`SSE`, `SSE with acks`, …). */
export function mostPaused(results: readonly RunResult[], transport: string) {
  return results
    .filter((result) => result.paused && result.variant?.endsWith(transport))
    .sort((a, b) => (b.paused?.readers ?? 0) - (a.paused?.readers ?? 0))[0];
}

function formatRow(row: CompareRow, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (row.key === 'count') return Math.round(value).toLocaleString('en-US');
  if (row.key === 'mb') return mb(value);
  if (row.key === 'percent') return `${value.toFixed(0)}%`;
  return formatKey(row.key, value);
}

export function compareTable(before: readonly RunResult[], after: readonly RunResult[]): string {
  const rows = compareRows().flatMap((row) => {
    const was = row.pick(before);
    const now = row.pick(after);
    if ((was === null || was === undefined) && (now === null || now === undefined)) return [];
    const change =
      was !== null && was !== undefined && now !== null && now !== undefined && was !== 0
        ? ratio(now / was)
        : '—';
    return [[row.figure, `${formatRow(row, was)} → ${formatRow(row, now)}`, change]];
  });
  return table(['figure (medians where repeated)', 'before → after', 'after ÷ before'], rows, [
    'l',
    'l',
  ]);
}
