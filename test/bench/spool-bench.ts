/**
 * spool-bench: Spool under load, side by side with its baselines, in one run.
 *
 *   node test/bench/spool-bench.ts [--quick] [--scenario NAME]… [--no-baselines] [--no-docs]
 *     [--no-profile] [--system-root DIR] [--save FILE] [--compare FILE]
 *
 * Full mode writes docs/benchmarks.md (its spool-bench section), docs/benchmarks/*.svg and
 * docs/benchmarks/spool-bench.json. Quick mode is a smoke test: it asserts the harness works and
 * that Spool lost and repeated nothing (exit 1 otherwise), never timings, and writes no docs.
 *
 * `--system-root DIR` measures the gateway and worker of another checkout (with its own
 * node_modules): the system as it was before a change. `--save FILE` keeps this run's results;
 * `--compare FILE` shows a saved run's key figures beside this run's ("before → after").
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkDurableStreams,
  durableStreamsSummary,
  writeDurableStreamsDocs,
} from './report/durable-streams-section.ts';
import { checkIntegrity } from './report/integrity-check.ts';
import { runMeta } from './report/run-meta.ts';
import { formatFiles, type SavedRun, writeReport } from './report/write-report.ts';
import { type DsResult, durableStreamsPlan } from './scenarios/durable-streams-types.ts';
import { runBaseline } from './scenarios/run-baseline.ts';
import { runDurableStreams } from './scenarios/run-durable-streams.ts';
import { runPausedReaders } from './scenarios/run-paused.ts';
import { medianRun, type RunResult, upgradeResult } from './scenarios/run-result.ts';
import { runSpool } from './scenarios/run-spool.ts';
import { scenarios } from './scenarios/scenario-spec.ts';
import {
  expectedSecondsOf,
  runsOf,
  type ScenarioSpec,
  systemsOf,
} from './scenarios/scenario-types.ts';
import { REPO_ROOT } from './system/node-process.ts';
import { currentSystemRoot, useSystemRoot } from './system/spool-system.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'no-baselines': { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    'system-root': { type: 'string' },
    save: { type: 'string' },
    compare: { type: 'string' },
  },
});
const quick = values.quick === true;
const withBaselines = !values['no-baselines'];
const fromCwd = (path: string) => (isAbsolute(path) ? path : resolve(process.cwd(), path));
if (values['system-root']) useSystemRoot(fromCwd(values['system-root']));
const before = values.compare
  ? (JSON.parse(await readFile(fromCwd(values.compare), 'utf8')) as SavedRun)
  : undefined;
if (before) before.results = before.results.map(upgradeResult);

const all = scenarios(quick);
// durable-streams is not a token-stream scenario: its own plan, runner and report section.
const DURABLE_STREAMS = 'durable-streams';
const names = [...all.map((spec) => spec.name), DURABLE_STREAMS];
const unknown = (values.scenario ?? []).filter((name) => !names.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `spool-bench: no scenario ${unknown.join(', ')} (there are: ${names.join(', ')})\n`,
  );
  process.exit(2);
}
const chosen = all.filter((spec) => !values.scenario || values.scenario.includes(spec.name));
const dsPlan =
  !values.scenario || values.scenario.includes(DURABLE_STREAMS)
    ? durableStreamsPlan(quick)
    : undefined;
if (dsPlan && !withBaselines) dsPlan.systems = ['spool'];
const dsExpected = dsPlan ? dsPlan.rounds * dsPlan.systems.length * dsPlan.expectedSeconds : 0;
const steady = chosen.find((spec) => spec.name === 'steady');
const profiling = !quick && !values['no-profile'] && steady !== undefined;
const expected =
  chosen.reduce((sum, spec) => sum + expectedSecondsOf(spec, withBaselines), 0) +
  (profiling && steady ? steady.expectedSeconds : 0) +
  dsExpected;
const loadAverage = os.loadavg();
process.stderr.write(
  `spool-bench: ${chosen.length + (dsPlan ? 1 : 0)} scenarios (${[...chosen.map((spec) => spec.name), ...(dsPlan ? [DURABLE_STREAMS] : [])].join(', ')}), expected to take about ${minutes(expected)} on this machine (load average ${loadAverage.map((value) => value.toFixed(2)).join(' / ')})${currentSystemRoot() === REPO_ROOT ? '' : `; Spool from ${currentSystemRoot()}`}\n`,
);
// The last line of defence against a hang: whatever is stuck, the run ends with a failure.
const limitSeconds = quick ? Math.max(240, 2 * expected) : 1.5 * expected + 600;
setTimeout(() => {
  process.stderr.write(
    `FAIL spool-bench exceeded its time limit (${limitSeconds.toFixed(0)} s); stopping\n`,
  );
  process.exit(1);
}, limitSeconds * 1_000).unref();

const started = performance.now();
const results: RunResult[] = [];
for (const spec of chosen) results.push(...(await runScenario(spec)));
let durableStreams: DsResult | undefined;
if (dsPlan) {
  durableStreams = await runDurableStreams(dsPlan, (run) =>
    process.stderr.write(
      `durable-streams · ${run.system} · round ${run.round + 1}: ${run.unavailable ?? (run.errors.length > 0 ? run.errors.join('; ') : 'done')}\n`,
    ),
  );
}
// Profiling slows a process down, so the profile comes from one more steady run, not the measured one.
let profileDir: string | undefined;
if (profiling && steady) {
  profileDir = await mkdtemp(join(tmpdir(), 'spool-bench-profile-'));
  await runSpool(steady, { gatewayFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
}
const seconds = (performance.now() - started) / 1_000;
process.stderr.write(
  `spool-bench: ${results.length} results in ${minutes(seconds)} (expected ${minutes(expected)})\n`,
);

const failures = [
  ...checkIntegrity(results),
  ...(durableStreams ? checkDurableStreams(durableStreams) : []),
];
for (const failure of failures) process.stderr.write(`FAIL ${failure}\n`);

const writeDocs = !quick && !values['no-docs'];
const meta = runMeta({
  command: quick ? 'pnpm bench --quick' : 'pnpm bench',
  quick,
  seconds,
  expectedSeconds: expected,
  loadAverage,
  systemRoot: currentSystemRoot(),
  profileDir,
});
// With durable-streams alone, the token scenarios' section of the docs is left as it is.
const summary =
  results.length > 0
    ? await writeReport({ results, quick, writeDocs, meta, failures, before })
    : undefined;
if (durableStreams && writeDocs) await writeDurableStreamsDocs(durableStreams, meta);
process.stdout.write(
  `${[summary, durableStreams && durableStreamsSummary(durableStreams)].filter(Boolean).join('\n\n')}\n`,
);
if (profileDir) await rm(profileDir, { recursive: true, force: true });
const saved: SavedRun & { durableStreams?: DsResult } = { ...meta, results, durableStreams };
if (values.save) {
  const file = fromCwd(values.save);
  await writeFile(file, `${JSON.stringify(saved, null, 1)}\n`);
  if (file.startsWith(REPO_ROOT)) formatFiles([file]);
  process.stderr.write(`spool-bench: results saved in ${file} (for --compare)\n`);
}
if (!writeDocs) {
  const file = join(tmpdir(), 'spool-bench-last-run.json');
  await writeFile(file, JSON.stringify(saved, null, 1));
  process.stderr.write(`spool-bench: results in ${file} (docs not written)\n`);
}
process.exit(failures.length > 0 ? 1 : 0);

/** Every system of a scenario, repeated ones in turn (a, b, a, b, …) so drift hits all alike. */
async function runScenario(spec: ScenarioSpec): Promise<RunResult[]> {
  if (spec.paused) return runPausedReaders(spec);
  const systems = systemsOf(spec, withBaselines);
  const runs = new Map<string, RunResult[]>(systems.map((system) => [system, []]));
  const rounds = Math.max(...systems.map((system) => runsOf(spec, system)));
  for (let round = 0; round < rounds; round++) {
    for (const system of systems) {
      if (round >= runsOf(spec, system)) continue;
      const result = system === 'spool' ? await runSpool(spec) : await runBaseline(spec, system);
      runs.get(system)?.push(result);
    }
  }
  return systems.map((system) => medianRun(runs.get(system) ?? [], spec));
}

function minutes(value: number): string {
  return value < 120 ? `${value.toFixed(0)} s` : `${(value / 60).toFixed(1)} min`;
}
