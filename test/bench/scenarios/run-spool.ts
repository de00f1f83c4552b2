/** Runs one scenario against Spool: redis-server, gateways, workers, client processes. */
import { readFileSync } from 'node:fs';
import { computeFigures } from '../measure/figures.ts';
import { rampKnee } from '../measure/ramp.ts';
import { type StageSnapshot, scrapeStages, stageBreakdown } from '../measure/stage-metrics.ts';
import type { StreamTruth } from '../measure/stream-truth.ts';
import type { ConnectionPlan, CreateRequest } from '../shared/assignment.ts';
import { SpoolSystem } from '../system/spool-system.ts';
import { classifier, clientProcesses, createStreams, dumpSuspects } from './client-load.ts';
import { connectionPlans } from './load-plans.ts';
import { type LoadRunResult, runLoad } from './load-run.ts';
import {
  connectionReports,
  type RunResult,
  serverRss,
  sourceMismatches,
  withKeyFigures,
} from './run-result.ts';
import { harnessCreates, type ScenarioSpec } from './scenario-types.ts';

const MB = 1024 * 1024;

export function startSpool(
  spec: ScenarioSpec,
  options: { gatewayFlags?: string[] } = {},
): Promise<SpoolSystem> {
  return SpoolSystem.start({
    gateways: spec.gateways,
    workers: spec.workers,
    workerConcurrency: Math.min(10_000, Math.ceil(spec.streams / spec.workers) + 16),
    gatewayFlags: options.gatewayFlags,
    gatewayEnv: spec.gatewayEnv,
  });
}

/** Every /metrics endpoint of the system: its gateways' and its workers'. */
export function metricsUrls(system: SpoolSystem): string[] {
  return [
    ...system.gateways.map((gateway) => gateway.url),
    ...system.workers.map((worker) => worker.metricsUrl),
  ];
}

/**
 * The open-files limit this process (and so every process it starts) has: a gateway holding
 * `connections` sockets needs more than that many descriptors.
 */
function openFilesLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

export async function runSpool(
  spec: ScenarioSpec,
  options: { gatewayFlags?: string[] } = {},
): Promise<RunResult> {
  const notes: string[] = [];
  const perGateway = (spec.streams * spec.readersPerStream) / spec.gateways;
  const limit = openFilesLimit();
  if (perGateway + 1_000 > limit) {
    notes.push(
      `The open-files limit here (\`ulimit -n\` ${limit}) is too low for ${Math.round(perGateway)} connections on one gateway: raise it before trusting this scenario.`,
    );
    process.stderr.write(`spool-bench: ${notes.at(-1)}\n`);
  }
  const system = await startSpool(spec, options);
  try {
    const plans = connectionPlans(spec, {
      system: 'spool',
      readUrls: system.gateways.map((gateway) => gateway.url),
      grpcTargets: system.gateways.every((gateway) => gateway.grpcTarget)
        ? system.gateways.map((gateway) => gateway.grpcTarget as string)
        : undefined,
      createUrl: (readUrl) => `${readUrl}/v1/streams`,
    });
    const requests = new Map<string, CreateRequest>();
    const firstGateway = system.gateways[0];
    if (!firstGateway) throw new Error('no gateway');
    const stagesBefore = await scrapeStages(metricsUrls(system));
    let idleGatewayRss: number[] = [];
    const load = await runLoad({
      label: `${spec.name} · spool`,
      processes: clientProcesses(plans, spec),
      watched: system.watched(),
      redis: system.redis,
      deadlineMs: spec.deadlineMs,
      beforeStart: async () => {
        idleGatewayRss = await system.idleGatewayRss();
        return harnessCreates(spec)
          ? createStreams(spec, `${firstGateway.url}/v1/streams`, requests, 'spool')
          : {};
      },
      events:
        spec.killAtMs === undefined
          ? []
          : [
              {
                name: 'SIGKILL gateway-1',
                atMs: spec.killAtMs,
                action: () => firstGateway.service.kill('SIGKILL'),
              },
            ],
    });
    const { result } = await spoolOutcome({
      spec,
      system,
      plans,
      requests,
      load,
      stagesBefore,
      idleGatewayRss,
    });
    if (spec.name === 'connections') {
      result.rssAllConnected = rssWhenAllConnected(result, load);
    }
    result.notes.push(...notes);
    return result;
  } finally {
    await system.stop();
  }
}

/** Figures, integrity, stages and resources of one Spool run, and the streams as stored. */
export async function spoolOutcome(input: {
  spec: ScenarioSpec;
  system: SpoolSystem;
  plans: ConnectionPlan[];
  requests: Map<string, CreateRequest>;
  load: LoadRunResult;
  stagesBefore: StageSnapshot;
  /** The gateways' RSS before the load (bytes). */
  idleGatewayRss: number[];
  variant?: string;
}): Promise<{ result: RunResult; truths: Map<string, StreamTruth> }> {
  const { spec, system, plans, requests, load } = input;
  const stages = stageBreakdown(input.stagesBefore, await scrapeStages(metricsUrls(system)));
  const reports = connectionReports(load.reports);
  for (const report of reports) {
    const create = plans[report.index]?.create;
    if (create && report.streamId) requests.set(report.streamId, create);
  }
  const truths = await system.truth(requests.keys());
  const figures = computeFigures({
    reports,
    truths,
    resources: load.resources,
    classOf: classifier(spec, plans),
    deadlineIsExpected: spec.name === 'ramp',
  });
  const { integrity } = figures;
  if (integrity.lost + integrity.duplicated + integrity.contentMismatches > 0) {
    await dumpSuspects(spec.name, reports, truths);
  }
  const result = withKeyFigures({
    scenario: spec.name,
    system: 'spool',
    variant: input.variant,
    figures,
    serverRss: serverRss(load.resources, ['gateway']),
    sourceMismatches: await sourceMismatches(requests, truths),
    ramp: rampKnee({ reports, truths, epoch: load.epoch, thresholdMs: 100 }),
    stages,
    idleGatewayRssMB: input.idleGatewayRss.map((bytes) => bytes / MB),
    events: load.events.map((event) => ({ name: event.name, atMs: event.at - load.epoch })),
    notes: [],
  });
  return { result, truths };
}

/**
 * The gateway's RSS at the first sample after every reader had its first item (all connected
 * and served); null if some reader never got one.
 */
function rssWhenAllConnected(
  result: RunResult,
  load: LoadRunResult,
): { atMs: number; rssMB: number } | null {
  const reports = connectionReports(load.reports);
  let last = 0;
  for (const report of reports) {
    const first = report.chunks[2];
    if (first === undefined) return null;
    last = Math.max(last, first);
  }
  const atMs = last - load.resources.startedAt;
  const points = result.serverRss[0]?.points ?? [];
  const point = points.find(([at]) => at >= atMs) ?? points.at(-1);
  return point ? { atMs: point[0], rssMB: point[1] } : null;
}
