/**
 * The targets of the hot-path and backpressure issues, judged from the run's own figures (the
 * medians where a scenario ran several times): met or missed, and by how much. A target whose
 * scenario or baseline was not run is "not measured", never guessed.
 */
import { type KeyName, keyOf } from '../measure/key-figures.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { READER_NAMES } from '../scenarios/scenario-types.ts';
import { count, mb, ms, ratio, seconds } from './format.ts';
import { idleRss, mostPaused } from './key-tables.ts';
import { cpuPercent, megabytes } from './paused-table.ts';

export interface TargetVerdict {
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
  by: string;
}

const find = (results: readonly RunResult[], scenario: string, system: string) =>
  results.find((result) => result.scenario === scenario && result.system === system);

const medianOf = (result: RunResult | undefined, key: KeyName) =>
  result ? (keyOf(result.keyRuns, key)?.median ?? undefined) : undefined;

/** "≤ limit" for a lower-is-better figure; `show` formats values. */
function atMost(input: {
  target: string;
  value: number | undefined;
  limit: number | undefined;
  show: (value: number) => string;
  /** How the limit is written beside the value, e.g. `1.5 × 8.0 ms`. */
  limitText?: string;
}): TargetVerdict {
  const { target, value, limit, show } = input;
  if (value === undefined || limit === undefined || !Number.isFinite(limit)) {
    return { target, measured: '—', verdict: 'not measured', by: '—' };
  }
  const met = value <= limit;
  const over = value - limit;
  return {
    target,
    measured: `${show(value)} (limit ${input.limitText ?? show(limit)})`,
    verdict: met ? 'met' : 'missed',
    by: met
      ? `${show(-over)} under`
      : `${show(over)} over${limit > 0 ? ` (${ratio(value / limit)} the limit)` : ''}`,
  };
}

function latencyTargets(results: readonly RunResult[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const cases = [
    { scenario: 'steady-light', factor: 1.5 },
    { scenario: 'steady', factor: 1 },
    { scenario: 'burst', factor: 1 },
  ];
  for (const { scenario, factor } of cases) {
    const spool = find(results, scenario, 'spool');
    const peer = find(results, scenario, 'resumable');
    const times = factor === 1 ? '' : `${factor}× `;
    for (const [key, name] of [
      ['latencyP50', 'p50'],
      ['latencyP99', 'p99'],
    ] as const) {
      const theirs = medianOf(peer, key);
      verdicts.push(
        atMost({
          target: `${scenario}: delivery ${name} ≤ ${times}resumable-stream's`,
          value: medianOf(spool, key),
          limit: theirs === undefined ? undefined : factor * theirs,
          show: ms,
          limitText: theirs === undefined ? undefined : `${times}${ms(theirs)}`,
        }),
      );
    }
    const ttft = medianOf(peer, 'ttftP50');
    verdicts.push(
      atMost({
        target: `${scenario}: TTFT p50 ≤ resumable-stream's + 20 ms`,
        value: medianOf(spool, 'ttftP50'),
        limit: ttft === undefined ? undefined : ttft + 20,
        show: ms,
        limitText: ttft === undefined ? undefined : `${ms(ttft)} + 20 ms`,
      }),
    );
  }
  return verdicts;
}

function kneeText(result: RunResult | undefined): string {
  const ramp = result?.ramp;
  if (!ramp) return '—';
  return ramp.knee === null
    ? `never crossed (up to ${count(ramp.maxUnder)})`
    : `${count(ramp.knee)} open streams`;
}

function rampTargets(results: readonly RunResult[]): TargetVerdict[] {
  const spool = find(results, 'ramp', 'spool');
  const peer = find(results, 'ramp', 'resumable');
  const verdicts: TargetVerdict[] = [];
  const target = 'ramp: knee (p99 > 100 ms) ≥ 2,000 open streams at 50 tokens/s';
  if (!spool?.ramp) verdicts.push({ target, measured: '—', verdict: 'not measured', by: '—' });
  else {
    const { knee, maxUnder } = spool.ramp;
    const reached = knee ?? maxUnder;
    const met = reached >= 2_000;
    verdicts.push({
      target,
      measured: kneeText(spool),
      verdict: met ? 'met' : 'missed',
      by:
        knee === null && !met
          ? `the ramp reached only ${count(maxUnder)} open streams`
          : `${count(Math.abs(reached - 2_000))} streams ${met ? 'over' : 'short'}`,
    });
  }
  const versus = "ramp: knee ≥ resumable-stream's";
  if (!spool?.ramp || !peer?.ramp) {
    verdicts.push({ target: versus, measured: '—', verdict: 'not measured', by: '—' });
  } else {
    const mine = spool.ramp.knee ?? Number.POSITIVE_INFINITY;
    const theirs = peer.ramp.knee ?? Number.POSITIVE_INFINITY;
    const met = mine >= theirs;
    verdicts.push({
      target: versus,
      measured: `${kneeText(spool)} vs ${kneeText(peer)}`,
      verdict: met ? 'met' : 'missed',
      by: Number.isFinite(mine - theirs)
        ? `${count(Math.abs(mine - theirs))} streams ${met ? 'over' : 'short'}`
        : met
          ? 'Spool never crossed'
          : 'resumable-stream never crossed',
    });
  }
  return verdicts;
}

function costTargets(results: readonly RunResult[]): TargetVerdict[] {
  const verdicts = ['steady-light', 'steady', 'burst'].map((scenario) =>
    atMost({
      target: `${scenario}: CPU per delivered token ≤ resumable-stream's`,
      value: medianOf(find(results, scenario, 'spool'), 'cpuPerMillionTokens'),
      limit: medianOf(find(results, scenario, 'resumable'), 'cpuPerMillionTokens'),
      show: (value) => `${seconds(value)}/M`,
    }),
  );
  const mine = medianOf(find(results, 'throughput', 'spool'), 'tokensPerSecond');
  const theirs = medianOf(find(results, 'throughput', 'resumable'), 'tokensPerSecond');
  const target = "throughput: tokens/s ≥ 10× resumable-stream's";
  if (mine === undefined || theirs === undefined || theirs === 0) {
    verdicts.push({ target, measured: '—', verdict: 'not measured', by: '—' });
  } else {
    const times = mine / theirs;
    verdicts.push({
      target,
      measured: `${ratio(times)} (${count(mine)} vs ${count(theirs)})`,
      verdict: times >= 10 ? 'met' : 'missed',
      by:
        times >= 10
          ? `${ratio(times / 10)} the target`
          : `${((1 - times / 10) * 100).toFixed(0)}% short`,
    });
  }
  return verdicts;
}

function memoryTargets(results: readonly RunResult[]): TargetVerdict[] {
  const steady = find(results, 'steady', 'spool');
  const bytes = steady?.figures.bytesPerToken;
  return [
    atMost({
      target: 'gateway RSS idle ≤ 80 MB',
      value: idleRss(results) ?? undefined,
      limit: 80,
      show: mb,
    }),
    atMost({
      target: 'steady: gateway RSS peak ≤ 150 MB',
      value: medianOf(steady, 'serverRssMaxMB'),
      limit: 150,
      show: mb,
    }),
    atMost({
      target: 'connections: gateway RSS with all connections open ≤ 600 MB',
      value: medianOf(find(results, 'connections', 'spool'), 'serverRssMaxMB'),
      limit: 600,
      show: mb,
    }),
    atMost({
      target: 'steady: wire bytes per token ≤ 30',
      value: bytes,
      limit: 30,
      show: (value) => `${value.toFixed(1)} B`,
    }),
  ];
}

function pausedTargets(results: readonly RunResult[]): TargetVerdict[] {
  const reference = results.find(
    (result) => result.scenario === 'paused-readers' && result.paused?.transport === 'none',
  )?.paused;
  return READER_NAMES.flatMap((transport) => {
    const run = mostPaused(results, transport);
    const paused = run?.paused;
    const owed = paused ? `${megabytes(paused.textOwedBytes)} owed` : '';
    const who = paused
      ? `${count(paused.readers)} stopped ${transport} readers`
      : `stopped ${transport} readers`;
    return [
      atMost({
        target: `paused-readers: ${who}${owed ? ` (${owed})` : ''}: gateway RSS growth ≤ no readers' + 40 MB`,
        value: paused?.rssGrowthMB,
        limit: reference ? reference.rssGrowthMB + 40 : undefined,
        show: mb,
      }),
      atMost({
        target: `paused-readers: ${who}: gateway CPU while stopped ≤ 2× no readers'`,
        value: paused?.pausedCpuPercent,
        limit: reference ? 2 * reference.pausedCpuPercent : undefined,
        show: cpuPercent,
      }),
    ];
  });
}

function integrityTarget(
  results: readonly RunResult[],
  failures: readonly string[],
): TargetVerdict {
  const spool = results.filter((result) => result.system === 'spool');
  const target = 'integrity: 0 lost / 0 repeated / 0 changed, everywhere';
  if (spool.length === 0) return { target, measured: '—', verdict: 'not measured', by: '—' };
  let lost = 0;
  let repeated = 0;
  let changed = 0;
  for (const result of spool) {
    lost += result.figures.integrity.lost;
    repeated += result.figures.integrity.duplicated;
    changed += result.figures.integrity.contentMismatches + result.sourceMismatches;
  }
  return {
    target,
    measured: `${count(lost)} / ${count(repeated)} / ${count(changed)} over ${spool.length} Spool results`,
    verdict: failures.length === 0 ? 'met' : 'missed',
    by: failures.length === 0 ? '—' : `${failures.length} failed checks (see Integrity)`,
  };
}

export function judgeTargets(
  results: readonly RunResult[],
  failures: readonly string[],
): TargetVerdict[] {
  return [
    ...latencyTargets(results),
    ...rampTargets(results),
    ...costTargets(results),
    ...memoryTargets(results),
    integrityTarget(results, failures),
    ...pausedTargets(results),
  ];
}
