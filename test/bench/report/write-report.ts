/**
 * Writes the run's results: the summary on stdout, and in full mode docs/benchmarks.md (the
 * spool-bench section, between its markers, other sections kept), docs/benchmarks/*.svg and
 * docs/benchmarks/spool-bench.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { summariseProfiles } from '../measure/cpu-profile.ts';
import type { RunResult } from '../scenarios/run-result.ts';
import { scenarios } from '../scenarios/scenario-spec.ts';
import { REPO_ROOT } from '../system/node-process.ts';
import { writeCharts } from './charts.ts';
import { baselineOutcomes, knownCauses, slowerThanBaselines } from './findings.ts';
import { table } from './format.ts';
import { latencyTable, ratioTable, resourceTable, SYSTEM_TITLES } from './tables.ts';
import { judgeTargets } from './targets.ts';

const START = '<!-- bench:spool:start -->';
const END = '<!-- bench:spool:end -->';
const HEADING = '## Load, side by side with baselines (`pnpm bench`: spool-bench)';

/** Where and how a run was measured: kept in spool-bench.json, so docs can be redrawn from it. */
export interface RunMeta {
  measured: string;
  command: string;
  machine: string;
  revision: string;
  seconds: number;
  profile?: ReturnType<typeof summariseProfiles>;
}

export function runMeta(input: { command: string; seconds: number; profileDir?: string }): RunMeta {
  return {
    measured: new Date().toISOString(),
    command: input.command,
    machine: machineLine(),
    revision: revision(),
    seconds: input.seconds,
    profile: input.profileDir ? summariseProfiles(input.profileDir) : undefined,
  };
}

export async function writeReport(input: {
  results: RunResult[];
  quick: boolean;
  meta: RunMeta;
  writeDocs: boolean;
  /** What the integrity check found (empty: passed). */
  failures: string[];
}): Promise<string> {
  const { results } = input;
  const sections = scenarioSections(results, input.quick);
  const targets = judgeTargets(results);
  const targetTable = table(
    ['target', 'measured', 'verdict', 'by'],
    targets.map((verdict) => [verdict.target, verdict.measured, verdict.verdict, verdict.by]),
    ['l', 'l', 'l', 'l'],
  );
  const heading = input.quick
    ? 'Quick mode (smoke test): tiny loads; the timings below are not judged, only integrity is.\n\nTargets'
    : 'Targets';
  const summary = [`${heading}:\n\n${targetTable}`, ...sections].join('\n\n');
  if (!input.writeDocs) return summary;
  const directory = `${REPO_ROOT}docs/benchmarks`;
  await mkdir(directory, { recursive: true });
  const charts = await writeCharts(results, directory);
  const { meta } = input;
  const { profile } = meta;
  await writeFile(
    `${directory}/spool-bench.json`,
    `${JSON.stringify({ ...meta, targets, results }, null, 1)}\n`,
  );
  const section = [
    START,
    `Measured ${meta.measured.slice(0, 10)} by \`${meta.command}\` at ${meta.revision} on ${meta.machine}; everything (Redis, gateways, workers, baselines, load clients) on this one machine over loopback. Every scenario and baseline side by side in one run (${meta.seconds.toFixed(0)} s in all): one measurement each, except throughput (three per system, the median shown); compare ratios within this run. Raw figures: [spool-bench.json](benchmarks/spool-bench.json). Harness: [test/bench](../test/bench/README.md).`,
    '',
    DEFINITIONS,
    '',
    '### Integrity',
    '',
    input.failures.length === 0
      ? 'Passed: in every scenario Spool lost, repeated and changed no item, and every Spool reader reached its end (ramp: within its deadline).'
      : `**Failed** (a defect found by this run, not a harness error; see the scenario's notes):\n\n${input.failures.map((failure) => `- ${failure}`).join('\n')}`,
    '',
    '### Targets (issue 7)',
    '',
    targetTable,
    '',
    ...(profile ? [limitsText(results, profile)] : []),
    ...sections.flatMap((section) => [section, '']),
    '',
    '### Charts',
    '',
    ...charts.map((chart) => `![${chart.alt}](benchmarks/${chart.file})`),
    END,
  ].join('\n');
  const path = `${REPO_ROOT}docs/benchmarks.md`;
  const current = await readFile(path, 'utf8');
  const pattern = new RegExp(`${START}[\\s\\S]*${END}`);
  await writeFile(
    path,
    pattern.test(current)
      ? current.replace(pattern, section)
      : `${current.trimEnd()}\n\n${HEADING}\n\n${section}\n`,
  );
  // The repo's formatter owns markdown too (`biome check .` in `pnpm test`): format what was written.
  spawnSync('pnpm', ['exec', 'biome', 'format', '--write', path], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  return summary;
}

const DEFINITIONS = [
  'How to read it:',
  '',
  "- **Delivery latency** = client receive time − append time, for every item a reader got for the first time, \"live\" items only (appended after the reader (re)subscribed; catch-up after a resume is left out). Append time is the token log's `t` (Redis `TIME` at the append, whole ms) for Spool, the entry id's ms for the raw limit, and the moment the producer handed the item over (floored to ms alike) for the naive relay and resumable-stream; so latencies are overstated by 0–1 ms for every system alike. Spool's append comes after its worker's micro-batching (≤ 5 ms), which is therefore in the model's first-token delay, not in delivery latency.",
  "- **TTFT** = first token received − create request sent, by the reader that created the stream; **model 1st token** = that token's append time − create; **TTFT added** = first token received − its append time.",
  '- **Wire B/token** = bytes the clients received on their sockets (HTTP and WebSocket headers and framing included) ÷ tokens delivered. **tokens/s** = tokens delivered ÷ (last receive − first receive), all readers together.',
  "- Every item is checked by offset (no gap, no repeat) and every reader's content checksum (FNV over token texts and control items, in order) is compared with the stream's as stored in the log (Spool, raw) or as the synthetic model says it (baselines). **lost** = items a reader never got, **dup** = items it got twice, **content ≠** = readers with neither but a different checksum.",
  '- **Resume** = reconnect request sent → first new item received, over the resumes that got an item before the reader dropped again (ok / tries).',
  '- CPU % is of one core (200% = the whole machine), from /proc over the measured run; RSS is the peak. "machine busy" is the share of both cores in use, on average and in the busiest second. Clients run in their own processes (raw WebSocket/SSE readers, not the SDK); their CPU is shown so a saturated client would be visible.',
].join('\n');

function scenarioSections(results: readonly RunResult[], quick: boolean): string[] {
  const sections: string[] = [];
  for (const spec of scenarios(quick)) {
    const runs = results.filter((result) => result.scenario === spec.name);
    if (runs.length === 0) continue;
    const lines = [
      `### ${spec.name}: ${spec.title}`,
      '',
      latencyTable(runs),
      '',
      resourceTable(runs),
    ];
    const ratios = ratioTable(runs);
    if (ratios) lines.push('', ratios);
    const spool = runs.find((run) => run.system === 'spool');
    const extra: string[] = [];
    if (spool?.serverLag) {
      extra.push(
        `Spool gateways' own \`spool_delivery_lag_seconds\` (append → socket write): p50 ≤ ${spool.serverLag.p50AtMost} ms, p99 ≤ ${spool.serverLag.p99AtMost} ms (histogram buckets).`,
      );
    }
    const transports = Object.entries(spool?.figures.latencyByTransport ?? {})
      .map(
        ([name, figures]) =>
          `${name} p50 ${figures?.p50.toFixed(1)} / p99 ${figures?.p99.toFixed(1)} ms`,
      )
      .join(', ');
    if (transports) extra.push(`Spool latency by transport: ${transports}.`);
    const classes = Object.entries(spool?.figures.latencyByClass ?? {})
      .map(
        ([name, figures]) =>
          `${name} readers p50 ${figures?.p50.toFixed(1)} / p99 ${figures?.p99.toFixed(1)} ms`,
      )
      .join(', ');
    if (classes) extra.push(`By reader class: ${classes}.`);
    if (spool?.events.length)
      extra.push(
        `Events: ${spool.events.map((event) => `${event.name} at ${(event.atMs / 1_000).toFixed(1)} s`).join(', ')}.`,
      );
    if (spec.name === 'ramp' && spool?.ramp) {
      const { knee, maxUnder, thresholdMs } = spool.ramp;
      extra.push(
        knee === null
          ? `p99 never passed ${thresholdMs} ms: up to ${maxUnder} open streams stayed under it.`
          : `Knee: p99 first passed ${thresholdMs} ms in a second with ${knee} open streams (the most open streams in a second under it before: ${maxUnder}).`,
      );
    }
    if (spec.name === 'fan-out') extra.push(...knownCauses(runs));
    const repeated = runs.filter((run) => run.repeats);
    if (repeated.length > 0) {
      extra.push(
        `Each system ran ${repeated[0]?.repeats?.length} times, in turn; shown: the median run by tokens/s. tokens/s of every run: ${repeated.map((run) => `${SYSTEM_TITLES[run.system]} ${run.repeats?.map((value) => value.toLocaleString('en-US')).join(' / ')}`).join('; ')}.`,
      );
    }
    if (spool?.figures.ttft && spool.figures.modelFirstToken && spool.figures.addedTtft) {
      extra.push(
        `Spool's TTFT p50 ${spool.figures.ttft.p50.toFixed(0)} ms: the model's first token as Spool measures it (create → first append: the gateway's enqueue, the BullMQ queue, the worker's pickup, the synthetic prefill of ~200 ms and its append batching) p50 ${spool.figures.modelFirstToken.p50.toFixed(0)} ms, plus delivery p50 ${spool.figures.addedTtft.p50.toFixed(1)} ms.`,
      );
    }
    extra.push(...slowerThanBaselines(runs));
    if (spec.name === 'churn' || spec.name === 'gateway-kill')
      extra.push(...baselineOutcomes(runs));
    if (extra.length > 0) lines.push('', ...extra.map((line) => `- ${line}`));
    sections.push(lines.join('\n'));
  }
  return sections;
}

function limitsText(
  results: readonly RunResult[],
  profile: ReturnType<typeof summariseProfiles>,
): string {
  const steady = results.find(
    (result) => result.scenario === 'steady' && result.system === 'spool',
  );
  const raw = results.find((result) => result.scenario === 'steady' && result.system === 'raw');
  const rawP99 = raw?.figures.latency
    ? `, so much that even the raw limit's p99 there is ${raw.figures.latency.p99.toFixed(0)} ms`
    : '';
  const busy = steady
    ? `The machine was ${steady.figures.machine.busyPercent.toFixed(0)}% busy on average over steady and ${steady.figures.machine.peakBusyPercent.toFixed(0)}% in its busiest second: at that size (Redis, 2 gateways, 2 workers and 2 client processes on 2 cores) it is CPU-bound${rawP99}, and figures under saturation vary a lot from one run to the next. The ramp's knee is this machine's capacity figure. `
    : '';
  const top = profile.entries
    .slice(0, 8)
    .map((entry) => `\`${entry.name}\` ${entry.percent.toFixed(1)}%`)
    .join(', ');
  return [
    '### What limits Spool here',
    '',
    `${busy}CPU profile of the gateways in steady (\`--cpu-prof\`, ${profile.files} profiles, share of busy samples by function, self time): ${top}.`,
    '',
  ].join('\n');
}

function machineLine(): string {
  const redis = (() => {
    try {
      return (
        execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(
          /v=([0-9.]+)/,
        )?.[1] ?? '?'
      );
    } catch {
      return '?';
    }
  })();
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, redis-server ${redis}`;
}

/** The commit measured, and whether the work tree had changes on top of it. */
function revision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `commit ${commit} (with uncommitted changes)` : `commit ${commit}`;
  } catch {
    return 'an unknown commit';
  }
}
