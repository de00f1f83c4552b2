/** The markdown tables of one scenario: figures per system, then Spool as ratios to each baseline. */
import type { Figures } from '../measure/figures.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { count, mb, ms, percent, rate, ratio, seconds, table } from './format.ts';

export const SYSTEM_TITLES: Record<string, string> = {
  spool: 'Spool',
  raw: 'raw limit (XADD → XREAD)',
  naive: 'naive relay',
  resumable: 'resumable-stream',
};

const role = (figures: Figures, name: string) => figures.roles.find((usage) => usage.role === name);

/** A result's name in the tables: its system, and its variant if it has one. */
export function titleOf(result: Pick<RunResult, 'system' | 'variant'>): string {
  const system = SYSTEM_TITLES[result.system] ?? result.system;
  return result.variant ? `${system}, ${result.variant}` : system;
}

/** The delivery servers: Spool's gateways, a baseline's HTTP servers (none for the raw limit). */
export function serverUsage(result: RunResult): { cpu: string; rss: string } {
  const usage = role(result.figures, result.system === 'spool' ? 'gateway' : 'server');
  const start = Math.max(0, ...result.serverRss.map((series) => series.points[0]?.[1] ?? 0));
  return usage
    ? {
        cpu: `${percent(usage.cpuPercent)} (${usage.processes})`,
        rss: `${mb(start)} → ${mb(usage.rssMaxMB)}`,
      }
    : { cpu: '—', rss: '—' };
}

export function latencyTable(results: readonly RunResult[]): string {
  const rows = results.map((result) => {
    const f = result.figures;
    return [
      titleOf(result),
      ms(f.ttft?.p50),
      ms(f.ttft?.p99),
      ms(f.modelFirstToken?.p50),
      ms(f.addedTtft?.p50),
      ms(f.latency?.p50),
      ms(f.latency?.p99),
      ms(f.latency?.p999),
      rate(f.tokensPerSecond),
      seconds(f.cpuPerMillionTokens),
      f.bytesPerToken.toFixed(1),
    ];
  });
  return table(
    [
      'system',
      'TTFT p50',
      'TTFT p99',
      'model 1st token p50',
      'TTFT added p50',
      'latency p50',
      'p99',
      'p99.9',
      'tokens/s',
      'CPU s / M tokens',
      'wire B/token',
    ],
    rows,
    ['l'],
  );
}

export function resourceTable(results: readonly RunResult[]): string {
  const rows = results.map((result) => {
    const f = result.figures;
    const server = serverUsage(result);
    const producer = role(f, result.system === 'spool' ? 'worker' : 'producer');
    const clients = role(f, 'client');
    return [
      titleOf(result),
      server.cpu,
      server.rss,
      producer ? percent(producer.cpuPercent) : '—',
      f.redis ? `${percent(f.redis.cpuPercent)} / ${mb(f.redis.usedMemoryMaxMB)}` : '—',
      clients ? percent(clients.cpuPercent) : '—',
      `${percent(f.machine.busyPercent)} / ${percent(f.machine.peakBusyPercent)}`,
      f.resume
        ? `${ms(f.resume.p50)} / ${ms(f.resume.p99)} (${count(f.resume.count)}/${count(f.resume.attempts)})`
        : '—',
      count(f.integrity.lost),
      count(f.integrity.duplicated),
      count(f.integrity.contentMismatches),
      `${count(f.integrity.unfinished)} / ${count(f.connections)}`,
    ];
  });
  return table(
    [
      'system',
      'server CPU (procs)',
      'server RSS start → max',
      'producer CPU',
      'Redis CPU / mem',
      'clients CPU',
      'machine busy avg / peak',
      'resume p50 / p99 (ok/tries)',
      'lost',
      'dup',
      'content ≠',
      'unfinished / readers',
    ],
    rows,
    ['l'],
  );
}

/** Spool's figures divided by each baseline's: > 1 on latency means Spool is slower. */
export function ratioTable(results: readonly RunResult[]): string | undefined {
  const spool = results.find((result) => result.system === 'spool');
  const baselines = results.filter((result) => result.system !== 'spool');
  if (!spool || baselines.length === 0) return undefined;
  const divide = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? Number.NaN : a / b;
  const rows = baselines.map((baseline) => {
    const s = spool.figures;
    const b = baseline.figures;
    return [
      `Spool ÷ ${SYSTEM_TITLES[baseline.system] ?? baseline.system}`,
      ratio(divide(s.ttft?.p50, b.ttft?.p50)),
      ratio(divide(s.latency?.p50, b.latency?.p50)),
      ratio(divide(s.latency?.p99, b.latency?.p99)),
      ratio(divide(s.tokensPerSecond, b.tokensPerSecond)),
      ratio(divide(s.cpuPerMillionTokens ?? undefined, b.cpuPerMillionTokens ?? undefined)),
      ratio(divide(s.bytesPerToken, b.bytesPerToken)),
    ];
  });
  return table(
    [
      'ratio',
      'TTFT p50',
      'latency p50',
      'latency p99',
      'tokens/s',
      'CPU s / M tokens',
      'wire B/token',
    ],
    rows,
    ['l'],
  );
}
