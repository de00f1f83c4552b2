/**
 * The targets of issue 7, judged from the run's own figures: met or missed, and by how much.
 * A target whose scenario or baseline was not run is "not measured", never guessed.
 */
import type { RunResult } from '../scenarios/run-result.ts';
import { mb, ms, ratio } from './format.ts';

export interface TargetVerdict {
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
  by: string;
}

const find = (results: readonly RunResult[], scenario: string, system: string) =>
  results.find((result) => result.scenario === scenario && result.system === system);

export function judgeTargets(results: readonly RunResult[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const unmeasured = (target: string) =>
    verdicts.push({ target, measured: '—', verdict: 'not measured', by: '—' });
  const steady = find(results, 'steady', 'spool');
  const p99 = steady?.figures.latency?.p99;
  if (p99 === undefined) unmeasured('delivery latency p99 ≤ 10 ms (steady)');
  else
    verdicts.push({
      target: 'delivery latency p99 ≤ 10 ms (steady)',
      measured: ms(p99),
      verdict: p99 <= 10 ? 'met' : 'missed',
      by:
        p99 <= 10
          ? `${ms(10 - p99)} under`
          : `${ms(p99 - 10)} over (${ratio(p99 / 10)} the target)`,
    });
  const spoolThroughput = find(results, 'throughput', 'spool')?.figures.tokensPerSecond;
  const resumable = find(results, 'throughput', 'resumable')?.figures.tokensPerSecond;
  const raw = find(results, 'throughput', 'raw')?.figures.tokensPerSecond;
  if (spoolThroughput === undefined || resumable === undefined)
    unmeasured('tokens/s ≥ 5× resumable-stream (throughput)');
  else {
    const times = spoolThroughput / resumable;
    verdicts.push({
      target: 'tokens/s ≥ 5× resumable-stream (throughput)',
      measured: ratio(times),
      verdict: times >= 5 ? 'met' : 'missed',
      by:
        times >= 5
          ? `${ratio(times / 5)} the target`
          : `${((1 - times / 5) * 100).toFixed(0)}% short`,
    });
  }
  if (spoolThroughput === undefined || raw === undefined)
    unmeasured('tokens/s ≥ 50% of the raw limit (throughput)');
  else {
    const share = spoolThroughput / raw;
    verdicts.push({
      target: 'tokens/s ≥ 50% of the raw limit (throughput)',
      measured: `${(share * 100).toFixed(0)}%`,
      verdict: share >= 0.5 ? 'met' : 'missed',
      by: `${((share - 0.5) * 100).toFixed(0)} points ${share >= 0.5 ? 'over' : 'short'}`,
    });
  }
  const slow = find(results, 'slow-readers', 'spool');
  const rss = slow?.figures.roles.find((usage) => usage.role === 'gateway')?.rssMaxMB;
  if (rss === undefined) unmeasured('gateway RSS < 150 MB (slow-readers)');
  else
    verdicts.push({
      target: 'gateway RSS < 150 MB (slow-readers)',
      measured: mb(rss),
      verdict: rss < 150 ? 'met' : 'missed',
      by: rss < 150 ? `${mb(150 - rss)} under` : `${mb(rss - 150)} over`,
    });
  const steadyRss = steady?.figures.roles.find((usage) => usage.role === 'gateway')?.rssMaxMB;
  if (rss !== undefined && steadyRss !== undefined) {
    const growth = rss / steadyRss - 1;
    verdicts.push({
      target: 'gateway RSS flat with slow readers (peak ≤ steady peak + 10%)',
      measured: `${mb(rss)} vs ${mb(steadyRss)} in steady`,
      verdict: growth <= 0.1 ? 'met' : 'missed',
      by: `${(growth * 100).toFixed(0)}%`,
    });
  }
  const fast = slow?.figures.latencyByClass.fast?.p99;
  if (fast === undefined || p99 === undefined)
    unmeasured("fast readers' p99 unchanged by slow readers");
  else
    verdicts.push({
      target: "fast readers' p99 unchanged by slow readers (≤ steady p99 + 20%)",
      measured: `${ms(fast)} vs ${ms(p99)} in steady`,
      verdict: fast <= p99 * 1.2 ? 'met' : 'missed',
      by: `${((fast / p99 - 1) * 100).toFixed(0)}%`,
    });
  const bytes = steady?.figures.bytesPerToken;
  if (bytes === undefined) unmeasured('wire bytes per token ≤ 30 (steady)');
  else
    verdicts.push({
      target: 'wire bytes per token ≤ 30 (steady)',
      measured: bytes.toFixed(1),
      verdict: bytes <= 30 ? 'met' : 'missed',
      by: `${Math.abs(bytes - 30).toFixed(1)} B ${bytes <= 30 ? 'under' : 'over'}`,
    });
  const added = steady?.figures.addedTtft?.p50;
  if (added === undefined) unmeasured('TTFT added over the model ≤ 2 ms p50 (steady)');
  else
    verdicts.push({
      target: 'TTFT added over the model ≤ 2 ms p50 (steady)',
      measured: ms(added),
      verdict: added <= 2 ? 'met' : 'missed',
      by: added <= 2 ? `${ms(2 - added)} under` : `${ms(added - 2)} over`,
    });
  return verdicts;
}
