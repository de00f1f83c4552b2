/**
 * Where and how a run was measured: kept in spool-bench.json (and in a `--save` file), so the
 * docs can be redrawn from it and a later run can show it as "before".
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { summariseProfiles } from '../measure/cpu-profile.ts';
import { REPO_ROOT } from '../system/node-process.ts';

export interface RunMeta {
  measured: string;
  command: string;
  /** Quick mode (tiny sizes): the scenario titles depend on it. */
  quick?: boolean;
  machine: string;
  /** 1-, 5- and 15-minute load averages when the run started. */
  loadAverage?: number[];
  /** The harness's commit (`BENCH_REVISION` when `pnpm bench` read it before writing docs). */
  revision: string;
  /** The measured Spool's checkout and commit (another one with `--system-root`). */
  systemRoot?: string;
  systemRevision?: string;
  seconds: number;
  /** What spool-bench expected the run to take, s. */
  expectedSeconds?: number;
  profile?: ReturnType<typeof summariseProfiles>;
}

export function runMeta(input: {
  command: string;
  quick: boolean;
  seconds: number;
  expectedSeconds: number;
  loadAverage: number[];
  systemRoot: string;
  profileDir?: string;
}): RunMeta {
  const own = input.systemRoot === REPO_ROOT;
  return {
    measured: new Date().toISOString(),
    command: input.command,
    quick: input.quick,
    machine: machineLine(),
    loadAverage: input.loadAverage,
    revision: process.env.BENCH_REVISION ?? revision(REPO_ROOT),
    systemRoot: own ? undefined : input.systemRoot,
    systemRevision: own ? undefined : revision(input.systemRoot),
    seconds: input.seconds,
    expectedSeconds: input.expectedSeconds,
    profile: input.profileDir ? summariseProfiles(input.profileDir) : undefined,
  };
}

/** One sentence: the machine, its load when the run began, and that everything shares it. */
export function machineSentence(meta: RunMeta): string {
  const load = meta.loadAverage
    ? `, load average ${meta.loadAverage.map((value) => value.toFixed(2)).join(' / ')} (1 / 5 / 15 min) at the start`
    : '';
  const system = meta.systemRoot
    ? ` Spool's services taken from \`${meta.systemRoot}\` (${meta.systemRevision}); the harness is this checkout's (${meta.revision}).`
    : '';
  return `on ${meta.machine}${load}; everything (Redis, gateways, workers, baselines, load clients) co-located on this one machine over loopback.${system}`;
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

/** The commit of a checkout, and whether its work tree had changes on top of it. */
export function revision(directory: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: directory,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: directory,
      encoding: 'utf8',
    }).trim();
    return dirty ? `commit ${commit} (with uncommitted changes)` : `commit ${commit}`;
  } catch {
    return 'an unknown commit';
  }
}
