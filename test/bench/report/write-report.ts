/**
 * Writes the run's results: the summary on stdout, and in full mode docs/benchmarks.md (the
 * spool-bench section, between its markers, other sections kept), docs/benchmarks/*.svg and
 * docs/benchmarks/spool-bench.json. Everything written to the repo is formatted by its
 * formatter (`biome check .` runs in `pnpm test`).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { RunResult } from '../scenarios/run-result.ts';
import { scenarios } from '../scenarios/scenario-spec.ts';
import { REPO_ROOT } from '../system/node-process.ts';
import { writeCharts } from './charts.ts';
import { DEFINITIONS } from './definitions.ts';
import { table } from './format.ts';
import { compareTable } from './key-tables.ts';
import { machineSentence, type RunMeta } from './run-meta.ts';
import { scenarioSection } from './scenario-section.ts';
import { judgeTargets } from './targets.ts';

const START = '<!-- bench:spool:start -->';
const END = '<!-- bench:spool:end -->';
const HEADING = '## Load, side by side with baselines (`pnpm bench`: spool-bench)';

/** A run as `--save` keeps it, for `--compare` (and the docs' spool-bench.json). */
export type SavedRun = RunMeta & { results: RunResult[] };

/** Formats files of the repo in place with its formatter (ignored paths are left alone). */
/**
 * Puts `section` (which begins with `start` and ends with `end`) in docs/benchmarks.md in place
 * of the one there, or appends it under `heading`. Resolves with the file's path.
 */
export async function replaceDocsSection(input: {
  start: string;
  end: string;
  heading: string;
  section: string;
}): Promise<string> {
  const path = `${REPO_ROOT}docs/benchmarks.md`;
  const current = await readFile(path, 'utf8');
  const pattern = new RegExp(`${input.start}[\\s\\S]*${input.end}`);
  await writeFile(
    path,
    pattern.test(current)
      ? current.replace(pattern, input.section)
      : `${current.trimEnd()}\n\n${input.heading}\n\n${input.section}\n`,
  );
  return path;
}

export function formatFiles(paths: string[]): void {
  spawnSync('pnpm', ['exec', 'biome', 'format', '--write', ...paths], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
}

export async function writeReport(input: {
  results: RunResult[];
  quick: boolean;
  meta: RunMeta;
  writeDocs: boolean;
  /** What the integrity check found (empty: passed). */
  failures: string[];
  /** `--compare`: the saved run shown as "before". */
  before?: SavedRun;
}): Promise<string> {
  const { results, meta, before } = input;
  const sections = scenarios(input.quick).flatMap((spec) => {
    const runs = results.filter((result) => result.scenario === spec.name);
    return runs.length > 0 ? [scenarioSection(spec, runs)] : [];
  });
  const targets = judgeTargets(results, input.failures);
  const targetTable = table(
    ['target', 'measured', 'verdict', 'by'],
    targets.map((verdict) => [verdict.target, verdict.measured, verdict.verdict, verdict.by]),
    ['l', 'l', 'l', 'l'],
  );
  const comparison = before ? compareSection(before, meta, results) : [];
  const heading = input.quick
    ? 'Quick mode (smoke test): tiny loads; the timings below are not judged, only integrity is.\n\nTargets'
    : 'Targets';
  const summary = [`${heading}:\n\n${targetTable}`, ...comparison, ...sections].join('\n\n');
  if (!input.writeDocs) return summary;
  const directory = `${REPO_ROOT}docs/benchmarks`;
  await mkdir(directory, { recursive: true });
  const charts = await writeCharts(results, directory);
  await writeFile(
    `${directory}/spool-bench.json`,
    `${JSON.stringify({ ...meta, targets, results }, null, 1)}\n`,
  );
  const section = [
    START,
    `Measured ${meta.measured.slice(0, 10)} by \`${meta.command}\` at ${meta.revision} ${machineSentence(meta)} Every scenario and baseline in one run (${(meta.seconds / 60).toFixed(0)} min in all); where a scenario ran several times the key figures are medians with their range, otherwise one measurement; compare ratios within this run. Raw figures: [spool-bench.json](benchmarks/spool-bench.json). Harness: [test/bench](../test/bench/README.md).`,
    '',
    DEFINITIONS,
    '',
    '### Integrity',
    '',
    input.failures.length === 0
      ? 'Passed: in every scenario Spool lost, repeated and changed no item, and every Spool reader reached its end (ramp: within its deadline).'
      : `**Failed** (a defect found by this run, not a harness error; see the scenario's notes):\n\n${input.failures.map((failure) => `- ${failure}`).join('\n')}`,
    '',
    '### Targets',
    '',
    targetTable,
    '',
    ...comparison.flatMap((part) => [part, '']),
    ...(meta.profile ? [limitsText(results, meta.profile)] : []),
    ...sections.flatMap((part) => [part, '']),
    '### Charts',
    '',
    ...charts.map((chart) => `![${chart.alt}](benchmarks/${chart.file})`),
    END,
  ].join('\n');
  formatFiles([await replaceDocsSection({ start: START, end: END, heading: HEADING, section })]);
  return summary;
}

function compareSection(before: SavedRun, after: RunMeta, results: readonly RunResult[]): string[] {
  const cautions = [
    ...((before.quick ?? false) !== (after.quick ?? false)
      ? ['**One run is quick mode and the other full size: the loads differ, so do the figures.**']
      : []),
    ...(before.machine !== after.machine
      ? [`**Measured on different machines** (before: ${before.machine}).`]
      : []),
  ];
  return [
    [
      '### Before → after',
      '',
      ...cautions.flatMap((caution) => [caution, '']),
      `Before: measured ${before.measured.slice(0, 10)} by \`${before.command}\` ${machineSentence(before)}`,
      '',
      `After: this run ${machineSentence(after)}`,
      '',
      'The baselines did not change between the two runs: their figures (marked "drift check") show how much the machine moved.',
      '',
      compareTable(before.results, results),
    ].join('\n'),
  ];
}

function limitsText(
  results: readonly RunResult[],
  profile: NonNullable<RunMeta['profile']>,
): string {
  const steady = results.find(
    (result) => result.scenario === 'steady' && result.system === 'spool',
  );
  const busy = steady
    ? `The machine was ${steady.figures.machine.busyPercent.toFixed(0)}% busy on average over steady and ${steady.figures.machine.peakBusyPercent.toFixed(0)}% in its busiest second (Redis, 2 gateways, 2 workers and 2 client processes on ${steady.figures.machine.cores} cores); steady-light is the scenario that does not saturate it. `
    : '';
  const top = profile.entries
    .slice(0, 8)
    .map((entry) => `\`${entry.name}\` ${entry.percent.toFixed(1)}%`)
    .join(', ');
  return [
    '### What limits Spool here',
    '',
    `${busy}CPU profile of the gateways in one more steady run (\`--cpu-prof\`, ${profile.files} profiles, share of busy samples by function, self time): ${top}.`,
    '',
  ].join('\n');
}
