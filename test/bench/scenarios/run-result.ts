/** What one system measured in one scenario, as written to spool-bench.json. */
import type { Figures } from '../measure/figures.ts';
import { type KeyFigures, keyFiguresOf } from '../measure/key-figures.ts';
import type { PausedFigures } from '../measure/paused-figures.ts';
import type { RampResult } from '../measure/ramp.ts';
import type { StageBreakdown } from '../measure/stage-metrics.ts';
import type { StreamTruth } from '../measure/stream-truth.ts';
import type { ConnectionReport, CreateRequest, SystemName } from '../shared/assignment.ts';
import { hashItems } from '../shared/checksum.ts';
import { expectedItems } from '../shared/synthetic-items.ts';
import type { ResourceReport } from '../system/resource-sampler.ts';
import type { ScenarioName, ScenarioSpec } from './scenario-types.ts';

export interface RunResult {
  scenario: ScenarioName;
  system: SystemName;
  /** paused-readers: which variant (`none`, `300 sse`, …). */
  variant?: string;
  figures: Figures;
  /** RSS of the delivery servers over time: [ms since start, MB]. */
  serverRss: { name: string; points: [number, number][] }[];
  /** Streams whose stored content differs from what the model said (source-side corruption). */
  sourceMismatches: number;
  /** Latency p50/p99 per second against open streams (every run; the knee matters for the ramp). */
  ramp?: RampResult;
  /** Spool only: time per stage from its own histograms (see stage-metrics.ts). */
  stages?: StageBreakdown;
  /** Spool only: RSS of each gateway, started and idle, before the load (MB). */
  idleGatewayRssMB?: number[];
  /** connections: gateway RSS once every reader had its first item (MB), and when that was. */
  rssAllConnected?: { atMs: number; rssMB: number } | null;
  paused?: PausedFigures;
  events: { name: string; atMs: number }[];
  notes: string[];
  /** The key figures of every run, in run order (one entry when the system ran once). */
  keyRuns: KeyFigures[];
}

/** The role of a system's delivery servers. */
export const serverRoleOf = (system: SystemName) => (system === 'spool' ? 'gateway' : 'server');

/** A run's key figures, filled in once its figures are known. */
export function withKeyFigures(result: Omit<RunResult, 'keyRuns'>): RunResult {
  return { ...result, keyRuns: [keyFiguresOf(result.figures, serverRoleOf(result.system))] };
}

/** A result read back from an older spool-bench.json (before key figures were kept). */
export function upgradeResult(result: RunResult): RunResult {
  return result.keyRuns ? result : withKeyFigures(result);
}

/**
 * One result for runs of the same system: the representative run's figures (the median run by
 * the spec's measure), every run's key figures, and integrity summed over all runs.
 */
export function medianRun(
  runs: RunResult[],
  spec: Pick<ScenarioSpec, 'representative'>,
): RunResult {
  const measure = (run: RunResult) =>
    spec.representative === 'latency p50'
      ? (run.figures.latency?.p50 ?? Infinity)
      : run.figures.tokensPerSecond;
  const sorted = [...runs].sort((a, b) => measure(a) - measure(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no run');
  if (runs.length < 2) return median;
  // Integrity is summed over every run (readers too): a loss in any of them counts.
  const integrity = { ...median.figures.integrity };
  let connections = median.figures.connections;
  for (const run of runs) {
    if (run === median) continue;
    connections += run.figures.connections;
    integrity.lost += run.figures.integrity.lost;
    integrity.duplicated += run.figures.integrity.duplicated;
    integrity.contentMismatches += run.figures.integrity.contentMismatches;
    integrity.unfinished += run.figures.integrity.unfinished;
  }
  return {
    ...median,
    figures: { ...median.figures, integrity, connections },
    sourceMismatches: runs.reduce((sum, run) => sum + run.sourceMismatches, 0),
    keyRuns: runs.flatMap((run) => run.keyRuns),
  };
}

export function serverRss(resources: ResourceReport, roles: string[]): RunResult['serverRss'] {
  return resources.processes
    .filter((usage) => roles.includes(usage.role))
    .map((usage) => ({
      name: usage.name,
      points: usage.rss.map(
        ([at, bytes]) => [at, Math.round((bytes / 1_048_576) * 10) / 10] as [number, number],
      ),
    }));
}

/**
 * Compares each stream's stored content with the model's (the oracle): all of it, or the part
 * stored so far for a stream still generating when the run ended (the ramp cuts streams).
 */
export async function sourceMismatches(
  requests: ReadonlyMap<string, CreateRequest>,
  truths: ReadonlyMap<string, StreamTruth>,
): Promise<number> {
  let mismatches = 0;
  for (const [streamId, request] of requests) {
    const truth = truths.get(streamId);
    if (!truth) continue;
    const expected = await expectedItems(request);
    if (
      truth.length > expected.length ||
      hashItems(expected.slice(0, truth.length)) !== truth.hash
    ) {
      mismatches++;
    }
  }
  return mismatches;
}

export function connectionReports(reports: Record<string, unknown>[]): ConnectionReport[] {
  return reports.flatMap((report) => (report.connections as ConnectionReport[] | undefined) ?? []);
}
