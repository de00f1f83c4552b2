/**
 * `node test/bench/report/redraw.ts`: writes the docs section and the charts again from the last
 * full run's docs/benchmarks/spool-bench.json, after a change to the report's wording or charts,
 * without measuring again. The figures are the run's own; nothing is recomputed but the text.
 */
import { readFile } from 'node:fs/promises';
import { upgradeResult } from '../scenarios/run-result.ts';
import { REPO_ROOT } from '../system/node-process.ts';
import { checkIntegrity } from './integrity-check.ts';
import { type SavedRun, writeReport } from './write-report.ts';

const saved = JSON.parse(
  await readFile(`${REPO_ROOT}docs/benchmarks/spool-bench.json`, 'utf8'),
) as SavedRun;
const { results: stored, ...meta } = saved;
const results = stored.map(upgradeResult);
await writeReport({
  results,
  quick: meta.quick ?? false,
  writeDocs: true,
  meta,
  failures: checkIntegrity(results),
});
process.stdout.write('docs/benchmarks.md and docs/benchmarks/ redrawn from spool-bench.json\n');
