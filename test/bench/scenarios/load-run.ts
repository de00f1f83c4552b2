/**
 * One measured run: spawn the load processes, wait until all are ready, give them a common start
 * time, fire the planned events (a SIGKILL), sample resources meanwhile, collect the reports.
 */
import type { RedisClient } from '@spool/token-log';
import { ProgressBar } from '../progress-bar.ts';
import type { ProgressLine } from '../shared/assignment.ts';
import { spawnLoadProcess } from '../system/node-process.ts';
import {
  type ResourceReport,
  ResourceSampler,
  type WatchedProcess,
} from '../system/resource-sampler.ts';

/** Time between the start line and the common epoch, so every process has it in time. */
const START_DELAY_MS = 100;

export interface LoadProcessSpec {
  name: string;
  entry: string;
  assignment: unknown;
  env: Record<string, string>;
  /** How its resources are reported (default `client`). */
  role?: string;
}

export interface LoadRunResult {
  reports: Record<string, unknown>[];
  resources: ResourceReport;
  epoch: number;
  events: { name: string; at: number }[];
}

export async function runLoad(input: {
  label: string;
  processes: LoadProcessSpec[];
  watched: WatchedProcess[];
  redis?: RedisClient;
  /** Called once every process is ready; returns the stream ids readers join by key. */
  beforeStart?: () => Promise<Record<string, string>>;
  events?: { name: string; atMs: number; action: () => Promise<unknown> }[];
}): Promise<LoadRunResult> {
  const bar = new ProgressBar(input.label);
  const progress = new Map<string, ProgressLine>();
  const onProgress = (name: string) => (line: ProgressLine) => {
    progress.set(name, line);
    let done = 0;
    let total = 0;
    let items = 0;
    for (const value of progress.values()) {
      done += value.done;
      total += value.total;
      items += value.items;
    }
    bar.update(done, total, items);
  };
  const loads = input.processes.map((spec) =>
    spawnLoadProcess({ ...spec, onProgress: onProgress(spec.name) }),
  );
  await Promise.all(loads.map((load) => load.ready));
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
  try {
    const reports = await Promise.all(loads.map((load) => load.report));
    const resources = await sampler.stop();
    bar.finish(`done in ${resources.seconds.toFixed(1)} s`);
    return { reports, resources, epoch, events };
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}
