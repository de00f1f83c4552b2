/**
 * The key figures of a run — TTFT p50, delivery latency p50/p99, CPU per million delivered
 * tokens, tokens/s, the delivery servers' peak RSS — and their medians over repeated runs, with
 * the spread (min–max), so a figure is never one lucky or unlucky run.
 */
import type { Figures } from './figures.ts';

export interface KeyFigures {
  ttftP50: number | null;
  latencyP50: number | null;
  latencyP99: number | null;
  cpuPerMillionTokens: number | null;
  tokensPerSecond: number;
  /** Peak RSS of the delivery servers (Spool's gateways, a baseline's HTTP servers), MB. */
  serverRssMaxMB: number | null;
}

export type KeyName = keyof KeyFigures;

export const KEY_TITLES: Record<KeyName, string> = {
  ttftP50: 'TTFT p50',
  latencyP50: 'latency p50',
  latencyP99: 'latency p99',
  cpuPerMillionTokens: 'CPU s / M tokens',
  tokensPerSecond: 'tokens/s',
  serverRssMaxMB: 'server RSS peak',
};

/** Lower is better for all but tokens/s. */
export const HIGHER_IS_BETTER: ReadonlySet<KeyName> = new Set(['tokensPerSecond']);

export function keyFiguresOf(figures: Figures, serverRole: string): KeyFigures {
  return {
    ttftP50: figures.ttft?.p50 ?? null,
    latencyP50: figures.latency?.p50 ?? null,
    latencyP99: figures.latency?.p99 ?? null,
    cpuPerMillionTokens: figures.cpuPerMillionTokens,
    tokensPerSecond: figures.tokensPerSecond,
    serverRssMaxMB: figures.roles.find((usage) => usage.role === serverRole)?.rssMaxMB ?? null,
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median (the lower middle of an even count) and range of the values present. */
export function spreadOf(values: readonly (number | null | undefined)[]): Spread | null {
  const present = values
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value))
    .sort((a, b) => a - b);
  if (present.length === 0) return null;
  return {
    median: present[Math.floor((present.length - 1) / 2)] as number,
    min: present[0] as number,
    max: present.at(-1) as number,
    runs: present.length,
  };
}

/** A key figure over the runs of one system (one run: that run's value, no spread). */
export function keyOf(runs: readonly KeyFigures[], key: KeyName): Spread | null {
  return spreadOf(runs.map((run) => run[key]));
}

/**
 * Per-round ratios a ÷ b (round i of a with round i of b: runs next to each other in time, so a
 * drift of the machine hits both), summarised as median and range.
 */
export function pairedRatio(
  a: readonly KeyFigures[],
  b: readonly KeyFigures[],
  key: KeyName,
): Spread | null {
  const ratios = a.map((run, round) => {
    const mine = run[key];
    const theirs = b[round]?.[key];
    return mine === null || theirs === null || theirs === undefined || theirs === 0
      ? null
      : mine / theirs;
  });
  return spreadOf(ratios);
}
