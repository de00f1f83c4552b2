/**
 * Benchmarks write their figures into docs/benchmarks.md themselves, between markers
 * `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`, so the doc always holds the figures
 * of a real run, with the command and machine that produced them.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const BENCHMARKS_DOC = new URL('../../../docs/benchmarks.md', import.meta.url);

/** `2 cores (Intel(R) Xeon(R) Processor)`: the machine line of every benchmark section. */
export function machineDescription(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})`;
}

/**
 * Replaces the section `name` of docs/benchmarks.md, formatted as `biome check` wants it (a
 * table written as it comes fails `pnpm test`); false when the doc has no such section.
 */
export async function rewriteBenchSection(name: string, body: string): Promise<boolean> {
  const current = await readFile(BENCHMARKS_DOC, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < from) return false;
  await writeFile(
    BENCHMARKS_DOC,
    `${current.slice(0, from + start.length)}\n${body}\n${current.slice(to)}`,
  );
  const path = fileURLToPath(BENCHMARKS_DOC);
  spawnSync('pnpm', ['exec', 'biome', 'format', '--write', path], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: 'ignore',
  });
  return true;
}
