/**
 * One measured run: spawn the load processes, wait until all are ready, give them a common start
 * time, fire the planned events (a SIGKILL), sample resources meanwhile, collect the reports.
 *
 * Every wait has a deadline: a process that is not ready in time, or has not reported by the
 * run's deadline plus a grace, is killed and stands in the results as its `unreported` report
 * (its readers unfinished), so a stuck client never hangs the run.
 */

import { withTimeout } from '@spool/runtime';
import type { RedisClient } from '@spool/token-log';
import { ProgressBar } from '../progress-bar.ts';
import type { ProgressLine } from '../shared/assignment.ts';
import { type LoadProcess, spawnLoadProcess } from '../system/node-process.ts';
import {
  type ResourceReport,
  ResourceSampler,
  type WatchedProcess,
} from '../system/resource-sampler.ts';

/** Time between the start line and the common epoch, so every process has it in time. */
const START_DELAY_MS = 100;
const READY_TIMEOUT_MS = 30_000;
/** After the run's deadline, time for a process to serialise and send its report. */
const REPORT_GRACE_MS = 20_000;

export interface LoadProcessSpec {
  name: string;
  entry: string;
  assignment: unknown;
  env: Record<string, string>;
  /** How its resources are reported (default `client`). */
  role?: string;
  /** What stands for its report when it sends none in time: its readers, unfinished. */
  unreported(reason: string): Record<string, unknown>;
}

/** What a scenario's own controller (`during`) can do while the load runs. */
export interface LoadControl {
  epoch: number;
  /** Aborts at the run's deadline. */
  deadline: AbortSignal;
  /** Readers holding and readers in all, from the processes' latest progress lines. */
  held(): { held: number; total: number };
  /** Sends `release` to every load process. */
  release(): void;
  /** Records the wall-clock time of a named moment (`LoadRunResult.marks`). */
  mark(name: string): void;
}

export interface LoadRunResult {
  reports: Record<string, unknown>[];
  resources: ResourceReport;
  epoch: number;
  events: { name: string; at: number }[];
  /** Named moments (ms since 1970) recorded by `during`. */
  marks: Record<string, number>;
}

export async function runLoad(input: {
  label: string;
  processes: LoadProcessSpec[];
  watched: WatchedProcess[];
  redis?: RedisClient;
  /** ms after the epoch at which the processes cut every reader (their assignment's deadline). */
  deadlineMs: number;
  /** Called once every process is ready; returns the stream ids readers join by key. */
  beforeStart?: () => Promise<Record<string, string>>;
  events?: { name: string; atMs: number; action: () => Promise<unknown> }[];
  /** Runs beside the load (after the start line); the run ends when it and every report are in. */
  during?: (control: LoadControl) => Promise<void>;
}): Promise<LoadRunResult> {
  const bar = new ProgressBar(input.label);
  const progress = new Map<string, ProgressLine>();
  const totals = () => {
    const sum = { done: 0, total: 0, items: 0, held: 0 };
    for (const value of progress.values()) {
      sum.done += value.done;
      sum.total += value.total;
      sum.items += value.items;
      sum.held += value.held ?? 0;
    }
    return sum;
  };
  const loads = input.processes.map((spec) =>
    spawnLoadProcess({
      ...spec,
      onProgress: (line) => {
        progress.set(spec.name, line);
        const sum = totals();
        bar.update(sum.done, sum.total, sum.items);
      },
    }),
  );
  const notReady = await readiness(loads);
  const streams = (await input.beforeStart?.()) ?? {};
  const sampler = new ResourceSampler(
    [
      ...input.watched,
      ...loads.map((load, index) => ({
        name: load.name,
        role: input.processes[index]?.role ?? 'client',
        pid: load.pid,
      })),
    ],
    input.redis,
  );
  const epoch = Date.now() + START_DELAY_MS;
  for (const load of loads) load.start({ type: 'start', epoch, streams });
  await sampler.start();
  const events: { name: string; at: number }[] = [];
  const timers = (input.events ?? []).map((event) =>
    setTimeout(
      () => {
        events.push({ name: event.name, at: Date.now() });
        void event
          .action()
          .catch((error: unknown) => bar.finish(`event ${event.name} failed: ${String(error)}`));
      },
      epoch + event.atMs - Date.now(),
    ),
  );
  const reportBy = epoch + input.deadlineMs + REPORT_GRACE_MS;
  const marks: Record<string, number> = {};
  const control: LoadControl = {
    epoch,
    deadline: AbortSignal.timeout(Math.max(1, epoch + input.deadlineMs - Date.now())),
    held: () => {
      const sum = totals();
      return { held: sum.held, total: sum.total };
    },
    release: () => {
      for (const load of loads) load.send({ type: 'release' });
    },
    mark: (name) => {
      marks[name] = Date.now();
    },
  };
  try {
    const [reports] = await Promise.all([
      Promise.all(
        loads.map((load, index) => {
          const spec = input.processes[index] as LoadProcessSpec;
          const reason = notReady.get(load);
          return reason === undefined
            ? reportOrStandIn(load, spec, reportBy)
            : spec.unreported(reason);
        }),
      ),
      input.during?.(control).catch((error: unknown) => {
        bar.finish(`controller failed: ${error instanceof Error ? error.message : String(error)}`);
      }),
    ]);
    const resources = await sampler.stop();
    bar.finish(`done in ${resources.seconds.toFixed(1)} s`);
    return { reports, resources, epoch, events, marks };
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/** Waits for every process's ready line; those not ready in time are killed (reason kept). */
async function readiness(loads: readonly LoadProcess[]): Promise<Map<LoadProcess, string>> {
  const failed = new Map<LoadProcess, string>();
  await Promise.all(
    loads.map((load) =>
      withTimeout(load.ready, {
        timeoutMs: READY_TIMEOUT_MS,
        onTimeout: () => new Error(`not ready within ${READY_TIMEOUT_MS / 1_000} s`),
      }).catch((error: unknown) => {
        load.kill();
        failed.set(load, `${load.name}: ${error instanceof Error ? error.message : error}`);
      }),
    ),
  );
  return failed;
}

async function reportOrStandIn(
  load: LoadProcess,
  spec: LoadProcessSpec,
  reportBy: number,
): Promise<Record<string, unknown>> {
  try {
    return await withTimeout(load.report, {
      timeoutMs: Math.max(1, reportBy - Date.now()),
      onTimeout: () => new Error('no report by the deadline; killed'),
    });
  } catch (error) {
    load.kill();
    const reason = `${load.name}: ${error instanceof Error ? error.message.split('\n')[0] : error}`;
    process.stderr.write(`spool-bench: ${reason}; its readers count as unfinished\n`);
    return spec.unreported(reason);
  }
}
