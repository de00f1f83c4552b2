/**
 * `pnpm --filter @spool/generation-queue bench`: what enqueueing costs a gateway process to
 * load. Each figure is the median of BENCH_RUNS fresh processes (`--expose-gc`, interleaved):
 * the time to import, and RSS and heap after it, over a process that imports only what a gateway
 * imports anyway (the token log, zod and the protocol).
 *
 * - `bullmq`: what `@spool/generation-queue` loaded while it used BullMQ's `Queue`.
 * - `@spool/generation-queue`: its producer side now (BullMQ's two scripts, no BullMQ).
 * Rewrites the bench:queue-import section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineDescription, rewriteBenchSection } from '@spool/testing';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PROBE = fileURLToPath(new URL('./import-probe.ts', import.meta.url));
const TARGETS = [
  { label: 'nothing more (token log, zod, protocol)', target: '' },
  { label: '`bullmq` (what the producer loaded before)', target: 'bullmq' },
  { label: '`@spool/generation-queue` (the producer now)', target: '@spool/generation-queue' },
];

interface Probe {
  importMs: number;
  rss: number;
  heapUsed: number;
}

function probe(target: string): Probe {
  const result = spawnSync(process.execPath, ['--expose-gc', PROBE, target], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`probe of ${target} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim()) as Probe;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const samples = TARGETS.map(() => [] as Probe[]);
for (let run = 0; run < RUNS; run++) {
  for (const [index, { target }] of TARGETS.entries()) samples[index]?.push(probe(target));
}
const figures = samples.map((probes) => ({
  importMs: median(probes.map((entry) => entry.importMs)),
  rss: median(probes.map((entry) => entry.rss)),
  heap: median(probes.map((entry) => entry.heapUsed)),
}));
const base = figures[0] ?? { importMs: 0, rss: 0, heap: 0 };
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const plus = (bytes: number) => `+${(bytes / 1_048_576).toFixed(1)} MB`;
const table = [
  '| a gateway process that also imports | import time | RSS after | heap after |',
  '|---|---:|---:|---:|',
  ...TARGETS.map(({ label }, index) => {
    const figure = figures[index] ?? base;
    if (index === 0) return `| ${label} | — | ${mb(figure.rss)} | ${mb(figure.heap)} |`;
    return `| ${label} | ${figure.importMs.toFixed(0)} ms | ${plus(figure.rss - base.rss)} | ${plus(figure.heap - base.heap)} |`;
  }),
].join('\n');
console.log(table);
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm --filter @spool/generation-queue bench\` on ${machineDescription()}, Node ${process.version}: medians of ${RUNS} fresh processes each, after two forced collections.`,
  '',
  table,
].join('\n');
if (!(await rewriteBenchSection('queue-import', section)))
  console.log('docs/benchmarks.md has no bench:queue-import section; not written');
