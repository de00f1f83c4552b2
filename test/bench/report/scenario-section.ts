/** The report's section for one scenario: its tables and what must be said in words. */
import type { RunResult } from '../scenarios/run-result.ts';
import type { ScenarioSpec } from '../scenarios/scenario-types.ts';
import { baselineOutcomes, knownCauses, slowerThanBaselines } from './findings.ts';
import { mb } from './format.ts';
import { mediansTable } from './key-tables.ts';
import { pausedTable } from './paused-table.ts';
import { stageNotes, stageTable } from './stage-table.ts';
import { latencyTable, ratioTable, resourceTable, SYSTEM_TITLES } from './tables.ts';

const percentiles = (name: string, figures: { p50: number; p99: number } | null | undefined) =>
  `${name} p50 ${figures?.p50.toFixed(1)} / p99 ${figures?.p99.toFixed(1)} ms`;

function notes(spec: ScenarioSpec, runs: readonly RunResult[]): string[] {
  const spool = runs.find((run) => run.system === 'spool' && run.variant === undefined);
  const extra: string[] = runs.flatMap((run) => run.notes);
  const transports = Object.entries(spool?.figures.latencyByTransport ?? {})
    .map(([name, figures]) => percentiles(name, figures))
    .join(', ');
  if (transports) extra.push(`Spool latency by transport: ${transports}.`);
  const classes = Object.entries(spool?.figures.latencyByClass ?? {})
    .map(([name, figures]) => percentiles(`${name} readers`, figures))
    .join(', ');
  if (classes) extra.push(`By reader class: ${classes}.`);
  if (spool?.events.length)
    extra.push(
      `Events: ${spool.events.map((event) => `${event.name} at ${(event.atMs / 1_000).toFixed(1)} s`).join(', ')}.`,
    );
  if (spec.name === 'ramp') {
    for (const run of runs) {
      if (!run.ramp) continue;
      const { knee, maxUnder, thresholdMs } = run.ramp;
      const who = SYSTEM_TITLES[run.system] ?? run.system;
      extra.push(
        knee === null
          ? `${who}: p99 never passed ${thresholdMs} ms for two seconds running; up to ${maxUnder} open streams stayed under it.`
          : `${who}: knee — p99 first passed ${thresholdMs} ms (and stayed over it the next second) in a second with ${knee} open streams (the most open streams in a second under it before: ${maxUnder}).`,
      );
    }
  }
  if (spec.name === 'connections' && spool) {
    const peak = spool.figures.roles.find((usage) => usage.role === 'gateway')?.rssMaxMB;
    const all = spool.rssAllConnected;
    extra.push(
      `Gateway RSS with all ${spool.figures.connections.toLocaleString('en-US')} connections open: ${all ? `${mb(all.rssMB)} at ${(all.atMs / 1_000).toFixed(1)} s (the first sample after every reader had its first item)` : 'not known (some reader never got an item)'}; peak over the run ${peak === undefined ? '—' : mb(peak)}.`,
    );
  }
  if (spec.name === 'fan-out') extra.push(...knownCauses(runs));
  const repeated = runs.filter((run) => run.keyRuns.length > 1);
  if (repeated.length > 0) {
    const by = spec.representative === 'latency p50' ? 'latency p50' : 'tokens/s';
    extra.push(
      `Repeated runs (in turn: ${repeated.map((run) => `${SYSTEM_TITLES[run.system]} ×${run.keyRuns.length}`).join(', ')}); the tables above show each system's median run by ${by}, integrity summed over all its runs; medians of the key figures below.`,
    );
  }
  if (spool?.figures.ttft && spool.figures.modelFirstToken && spool.figures.addedTtft) {
    extra.push(
      `Spool's TTFT p50 ${spool.figures.ttft.p50.toFixed(0)} ms: the model's first token as Spool measures it (create → first append: the gateway's enqueue, the BullMQ queue, the worker's pickup, the synthetic prefill of ~200 ms and its append batching) p50 ${spool.figures.modelFirstToken.p50.toFixed(0)} ms, plus delivery p50 ${spool.figures.addedTtft.p50.toFixed(1)} ms.`,
    );
  }
  if (spool) extra.push(...stageNotes(spool));
  extra.push(...slowerThanBaselines(runs));
  if (spec.name === 'churn' || spec.name === 'gateway-kill') extra.push(...baselineOutcomes(runs));
  return extra;
}

export function scenarioSection(spec: ScenarioSpec, runs: readonly RunResult[]): string {
  const lines = [`### ${spec.name}: ${spec.title}`, ''];
  if (spec.paused) {
    // Latency means little where readers stop on purpose: what the stop costs the gateway does.
    lines.push(pausedTable(runs) ?? '', '', resourceTable(runs));
    const extra = notes(spec, runs);
    if (extra.length > 0) lines.push('', ...extra.map((line) => `- ${line}`));
    return lines.join('\n');
  }
  lines.push(latencyTable(runs), '', resourceTable(runs));
  const ratios = ratioTable(runs.filter((run) => run.variant === undefined));
  if (ratios) lines.push('', ratios);
  const medians = mediansTable(runs);
  if (medians) lines.push('', medians);
  const spool =
    runs.find((run) => run.system === 'spool' && run.variant === undefined) ??
    runs.find((run) => run.system === 'spool');
  const stages = spool ? stageTable(spool) : undefined;
  if (stages) {
    lines.push(
      '',
      `Where Spool's time goes${spool?.variant ? ` (${spool.variant})` : ''}:`,
      '',
      stages,
    );
  }
  const extra = notes(spec, runs);
  if (extra.length > 0) lines.push('', ...extra.map((line) => `- ${line}`));
  return lines.join('\n');
}
