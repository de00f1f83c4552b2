/**
 * spool-bench: Spool under load, side by side with its baselines, in one run.
 *
 *   node test/bench/spool-bench.ts [--quick] [--scenario NAME]… [--no-baselines] [--no-docs] [--no-profile]
 *
 * Full mode writes docs/benchmarks.md (its spool-bench section), docs/benchmarks/*.svg and
 * docs/benchmarks/spool-bench.json. Quick mode is a smoke test: it asserts the harness works and
 * that Spool lost and repeated nothing (exit 1 otherwise), never timings, and writes no docs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkIntegrity } from './report/integrity-check.ts';
import { runMeta, writeReport } from './report/write-report.ts';
import { runBaseline } from './scenarios/run-baseline.ts';
import { medianRun, type RunResult } from './scenarios/run-result.ts';
import { runSpool } from './scenarios/run-spool.ts';
import { scenarios } from './scenarios/scenario-spec.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'no-baselines': { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const started = performance.now();
const chosen = scenarios(quick).filter(
  (spec) => !values.scenario || values.scenario.includes(spec.name),
);

const results: RunResult[] = [];
for (const spec of chosen) {
  const systems = ['spool' as const, ...(values['no-baselines'] ? [] : spec.baselines)];
  const runs = new Map<string, RunResult[]>(systems.map((system) => [system, []]));
  // Repeated scenarios run the systems in turn (a, b, c, a, b, c, …), so drift hits all alike.
  for (let round = 0; round < (spec.runs ?? 1); round++) {
    for (const system of systems) {
      const result = system === 'spool' ? await runSpool(spec) : await runBaseline(spec, system);
      runs.get(system)?.push(result);
    }
  }
  for (const system of systems) results.push(medianRun(runs.get(system) ?? []));
}
// Profiling slows a process down, so the profile comes from one more steady run, not the measured one.
const steady = chosen.find((spec) => spec.name === 'steady');
let profileDir: string | undefined;
if (!quick && !values['no-profile'] && steady) {
  profileDir = await mkdtemp(join(tmpdir(), 'spool-bench-profile-'));
  await runSpool({ ...steady }, { gatewayFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
}
const seconds = (performance.now() - started) / 1_000;
process.stderr.write(`spool-bench: ${results.length} runs in ${seconds.toFixed(0)} s\n`);

const failures = checkIntegrity(results);
for (const failure of failures) process.stderr.write(`FAIL ${failure}\n`);

const writeDocs = !quick && !values['no-docs'];
const command = quick ? 'pnpm bench --quick' : 'pnpm bench';
const meta = runMeta({ command, seconds, profileDir });
const summary = await writeReport({ results, quick, writeDocs, meta, failures });
process.stdout.write(`${summary}\n`);
if (profileDir) await rm(profileDir, { recursive: true, force: true });
if (!writeDocs) {
  const file = join(tmpdir(), 'spool-bench-last-run.json');
  await writeFile(file, JSON.stringify(results, null, 1));
  process.stderr.write(`spool-bench: results in ${file} (docs not written)\n`);
}
process.exit(failures.length > 0 ? 1 : 0);
