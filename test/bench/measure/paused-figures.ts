/**
 * paused-readers: what readers that stop reading cost the gateway. Its RSS growth (the peak
 * before the readers read again − its RSS at the start) and its CPU over the window in which
 * every reader was stopped, from the resource sampler's series; the variant without readers
 * gives the same figures for the same work minus the readers.
 */
import type { PausedTransport } from '../scenarios/scenario-types.ts';
import type { ProcessUsage, ResourceReport } from '../system/resource-sampler.ts';
import { type Spread, spreadOf } from './key-figures.ts';

const MB = 1024 * 1024;

export interface PausedFigures {
  transport: PausedTransport;
  readers: number;
  streams: number;
  /** UTF-8 bytes of token text the streams hold. */
  textProducedBytes: number;
  /** What the readers are owed: each stream's text times its readers. */
  textOwedBytes: number;
  /** Readers seen stopped when the window began (of `readers`). */
  heldReaders: number;
  /** Start → every stream ended, s. */
  generationSeconds: number;
  rssStartMB: number;
  /** Peak from the start until the readers read again. */
  rssMaxMB: number;
  rssGrowthMB: number;
  /** Peak over the whole run, catch-up after the release included. */
  rssPeakMB: number;
  /** The window: every reader stopped → released (no readers: streams created → hold over). */
  pausedSeconds: number;
  pausedCpuSeconds: number;
  /** % of one core. */
  pausedCpuPercent: number;
  /** Moments, ms since the sampler started: window start, all ended, release. */
  marks: { heldAtMs: number; endedAtMs: number; releasedAtMs: number };
  /** Several runs: median and range of the two judged figures (the others are the median run's). */
  spread?: { rssGrowthMB: Spread; pausedCpuPercent: Spread };
}

/**
 * The figures of one variant's runs: the run with the median CPU while stopped, with the median
 * growth, and the spread of both.
 */
export function medianPaused(runs: readonly PausedFigures[]): PausedFigures | undefined {
  const growth = spreadOf(runs.map((run) => run.rssGrowthMB));
  const cpu = spreadOf(runs.map((run) => run.pausedCpuPercent));
  const middle = runs.find((run) => run.pausedCpuPercent === cpu?.median);
  if (!middle || !growth || !cpu || runs.length < 2) return middle;
  return {
    ...middle,
    rssGrowthMB: growth.median,
    spread: { rssGrowthMB: growth, pausedCpuPercent: cpu },
  };
}

/** Cumulative CPU seconds at `atMs`, linear between samples. */
function cpuAt(usage: ProcessUsage, atMs: number): number {
  const series = usage.cpu;
  let previous: [number, number] = [0, 0];
  for (const point of series) {
    if (point[0] >= atMs) {
      const span = point[0] - previous[0];
      return span <= 0
        ? point[1]
        : previous[1] + ((point[1] - previous[1]) * (atMs - previous[0])) / span;
    }
    previous = point;
  }
  return previous[1];
}

export function pausedFigures(input: {
  resources: ResourceReport;
  gateway: string;
  transport: PausedFigures['transport'];
  readers: number;
  streams: number;
  textProducedBytes: number;
  heldReaders: number;
  /** Wall-clock moments (ms since 1970). */
  heldAt: number;
  endedAt: number;
  releasedAt: number;
}): PausedFigures {
  const { resources } = input;
  const usage = resources.processes.find((candidate) => candidate.name === input.gateway);
  if (!usage) throw new Error(`no resource series for ${input.gateway}`);
  const since = (wall: number) => wall - resources.startedAt;
  const heldAtMs = since(input.heldAt);
  const releasedAtMs = since(input.releasedAt);
  const rssStart = usage.rss[0]?.[1] ?? 0;
  const rssMax = Math.max(
    rssStart,
    ...usage.rss.filter(([at]) => at <= releasedAtMs).map(([, bytes]) => bytes),
  );
  const pausedSeconds = Math.max(0.001, (releasedAtMs - heldAtMs) / 1_000);
  const pausedCpuSeconds = cpuAt(usage, releasedAtMs) - cpuAt(usage, heldAtMs);
  const perStream = input.streams > 0 ? input.readers / input.streams : 0;
  return {
    transport: input.transport,
    readers: input.readers,
    streams: input.streams,
    textProducedBytes: input.textProducedBytes,
    textOwedBytes: input.textProducedBytes * perStream,
    heldReaders: input.heldReaders,
    generationSeconds: since(input.endedAt) / 1_000,
    rssStartMB: rssStart / MB,
    rssMaxMB: rssMax / MB,
    rssGrowthMB: (rssMax - rssStart) / MB,
    rssPeakMB: Math.max(rssStart, ...usage.rss.map(([, bytes]) => bytes)) / MB,
    pausedSeconds,
    pausedCpuSeconds,
    pausedCpuPercent: (100 * pausedCpuSeconds) / pausedSeconds,
    marks: { heldAtMs, endedAtMs: since(input.endedAt), releasedAtMs },
  };
}
