/**
 * `pnpm bench` at the repo root.
 *
 *   pnpm bench           the micro-benchmarks (token log, worker, gateway WebSocket), then
 *                        spool-bench in full: every scenario beside its baselines; rewrites
 *                        docs/benchmarks.md and docs/benchmarks/.
 *   pnpm bench --quick   spool-bench in quick mode only (under two minutes): a smoke test that
 *                        fails when the harness breaks or Spool loses or repeats an item; no
 *                        timings are asserted, no docs are written.
 *
 * Other arguments go to spool-bench (`--scenario steady`, `--no-baselines`, `--system-root DIR`,
 * `--save FILE`, `--compare FILE`, …). With `--system-root` or `--scenario` the micro-benchmarks
 * are skipped: they measure this checkout's packages and rewrite their own docs sections.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { revision } from './report/run-meta.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');

function run(command: string, commandArgs: string[]): void {
  process.stderr.write(`\n> ${command} ${commandArgs.join(' ')}\n`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(
      `${command} ${commandArgs.join(' ')} failed (${result.status ?? result.signal})\n`,
    );
    process.exit(result.status ?? 1);
  }
}

const micro = !quick && !args.includes('--system-root') && !args.includes('--scenario');
// The commit measured, read before the micro-benchmarks rewrite their docs sections: spool-bench
// would otherwise label a run of a clean checkout "with uncommitted changes".
process.env.BENCH_REVISION ??= revision(root);
if (micro) {
  process.stderr.write('pnpm bench: micro-benchmarks first (about 2 min), then spool-bench\n');
  run('pnpm', ['bench:log']);
  run('pnpm', ['--filter', '@spool/worker', 'bench']);
  run('pnpm', ['--filter', '@spool/gateway', 'bench']);
}
run(process.execPath, [fileURLToPath(new URL('spool-bench.ts', import.meta.url)), ...args]);
