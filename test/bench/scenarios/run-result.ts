/** What one system measured in one scenario, as written to spool-bench.json. */
import type { Figures } from '../measure/figures.ts';
import type { ServerLag } from '../measure/gateway-metrics.ts';
import type { RampResult } from '../measure/ramp.ts';
import type { StreamTruth } from '../measure/stream-truth.ts';
import type { ConnectionReport, CreateRequest, SystemName } from '../shared/assignment.ts';
import { hashItems } from '../shared/checksum.ts';
import { expectedItems } from '../shared/synthetic-items.ts';
import type { ResourceReport } from '../system/resource-sampler.ts';
import type { ScenarioName } from './scenario-spec.ts';

export interface RunResult {
  scenario: ScenarioName;
  system: SystemName;
  figures: Figures;
  /** RSS of the delivery servers over time: [ms since start, MB]. */
  serverRss: { name: string; points: [number, number][] }[];
  /** Streams whose stored content differs from what the model said (source-side corruption). */
  sourceMismatches: number;
  /** Latency p50/p99 per second against open streams (every run; the knee matters for the ramp). */
  ramp?: RampResult;
  /** Spool only: the gateways' own delivery-lag histogram (append → socket write). */
  serverLag?: ServerLag | null;
  events: { name: string; atMs: number }[];
  notes: string[];
  /** Repeated scenarios: tokens/s of every run; the figures are those of the median run. */
  repeats?: number[];
}

/** The run with the median tokens/s, carrying every run's tokens/s. */
export function medianRun(runs: RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.figures.tokensPerSecond - b.figures.tokensPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no run');
  if (runs.length < 2) return median;
  // Integrity is summed over every run: a loss in any of them counts.
  const integrity = { ...median.figures.integrity };
  for (const run of runs) {
    if (run === median) continue;
    integrity.lost += run.figures.integrity.lost;
    integrity.duplicated += run.figures.integrity.duplicated;
    integrity.contentMismatches += run.figures.integrity.contentMismatches;
    integrity.unfinished += run.figures.integrity.unfinished;
  }
  return {
    ...median,
    figures: { ...median.figures, integrity },
    repeats: runs.map((run) => Math.round(run.figures.tokensPerSecond)),
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

/** Compares each stream's stored content with the model's (the oracle). */
export async function sourceMismatches(
  requests: ReadonlyMap<string, CreateRequest>,
  truths: ReadonlyMap<string, StreamTruth>,
): Promise<number> {
  let mismatches = 0;
  for (const [streamId, request] of requests) {
    const truth = truths.get(streamId);
    if (!truth) continue;
    const expected = hashItems(await expectedItems(request));
    if (expected !== truth.hash) mismatches++;
  }
  return mismatches;
}

export function connectionReports(reports: Record<string, unknown>[]): ConnectionReport[] {
  return reports.flatMap((report) => (report.connections as ConnectionReport[] | undefined) ?? []);
}
