/** Runs one scenario against Spool: redis-server, gateways, workers, client processes. */

import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeFigures } from '../measure/figures.ts';
import { scrapeServerLag } from '../measure/gateway-metrics.ts';
import { rampKnee } from '../measure/ramp.ts';
import type { StreamTruth } from '../measure/stream-truth.ts';
import type {
  ConnectionPlan,
  ConnectionReport,
  CreateRequest,
  SystemName,
} from '../shared/assignment.ts';
import { BENCH_DIR } from '../system/node-process.ts';
import { SpoolSystem } from '../system/spool-system.ts';
import { connectionPlans, requestOf, spread, streamKey } from './load-plans.ts';
import { runLoad } from './load-run.ts';
import { connectionReports, type RunResult, serverRss, sourceMismatches } from './run-result.ts';
import type { ScenarioSpec } from './scenario-spec.ts';

export const CLIENT_ENTRY = `${BENCH_DIR}client-process.ts`;

/** The client processes of a run: the connection plans spread over `spec.clientProcesses`. */
export function clientProcesses(plans: ConnectionPlan[], spec: ScenarioSpec) {
  return spread(plans, spec.clientProcesses).map((connections, index) => ({
    name: `client-${index + 1}`,
    entry: CLIENT_ENTRY,
    assignment: { connections, deadlineMs: spec.deadlineMs },
    env: {},
  }));
}

/** Creates the streams that many readers join (fan-out), right before the start. */
export async function createStreams(
  spec: ScenarioSpec,
  createUrl: string,
  requests: Map<string, CreateRequest>,
  system: SystemName,
): Promise<Record<string, string>> {
  const streams: Record<string, string> = {};
  await Promise.all(
    Array.from({ length: spec.streams }, async (_, stream) => {
      const request = requestOf(spec, stream, system);
      const response = await fetch(createUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const { id } = (await response.json()) as { id: string };
      streams[streamKey(stream)] = id;
      requests.set(id, request);
    }),
  );
  return streams;
}

export function classifier(spec: ScenarioSpec, plans: ConnectionPlan[]) {
  const { classOf } = spec;
  if (!classOf) return undefined;
  return (report: { index: number }) => {
    const plan = plans[report.index];
    return plan ? classOf(plan.behaviour) : 'unknown';
  };
}

/** Keeps the evidence of a failed integrity check: the readers concerned, what they got and the truth. */
async function dumpSuspects(
  scenario: string,
  reports: ConnectionReport[],
  truths: Map<string, StreamTruth>,
): Promise<void> {
  const suspects = reports
    .filter((report) => {
      const truth = report.streamId ? truths.get(report.streamId) : undefined;
      return (
        report.gaps > 0 ||
        report.duplicates > 0 ||
        (truth && (report.next !== truth.length || report.hash !== truth.hash))
      );
    })
    .map((report) => ({
      ...report,
      truthLength: report.streamId ? truths.get(report.streamId)?.length : undefined,
    }));
  const file = join(tmpdir(), `spool-bench-suspects-${scenario}.json`);
  await writeFile(file, JSON.stringify(suspects, null, 1));
  process.stderr.write(`spool-bench: ${suspects.length} suspect readers in ${scenario}: ${file}\n`);
}

export async function runSpool(
  spec: ScenarioSpec,
  options: { gatewayFlags?: string[] } = {},
): Promise<RunResult> {
  const system = await SpoolSystem.start({
    gateways: spec.gateways,
    workers: spec.workers,
    workerConcurrency: Math.min(10_000, Math.ceil(spec.streams / spec.workers) + 16),
    gatewayFlags: options.gatewayFlags,
  });
  try {
    const plans = connectionPlans(spec, {
      system: 'spool',
      readUrls: system.gateways.map((gateway) => gateway.url),
      createUrl: (readUrl) => `${readUrl}/v1/streams`,
    });
    const requests = new Map<string, CreateRequest>();
    const firstGateway = system.gateways[0];
    if (!firstGateway) throw new Error('no gateway');
    const load = await runLoad({
      label: `${spec.name} · spool`,
      processes: clientProcesses(plans, spec),
      watched: system.watched(),
      redis: system.redis,
      beforeStart:
        spec.readersPerStream > 1
          ? () => createStreams(spec, `${firstGateway.url}/v1/streams`, requests, 'spool')
          : undefined,
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
    const serverLag = await scrapeServerLag(system.gateways.map((gateway) => gateway.url));
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
    if (
      figures.integrity.lost + figures.integrity.duplicated + figures.integrity.contentMismatches >
      0
    ) {
      await dumpSuspects(spec.name, reports, truths);
    }
    return {
      scenario: spec.name,
      system: 'spool',
      figures,
      serverRss: serverRss(load.resources, ['gateway']),
      sourceMismatches: await sourceMismatches(requests, truths),
      ramp: rampKnee({ reports, truths, epoch: load.epoch, thresholdMs: 100 }),
      serverLag,
      events: load.events.map((event) => ({ name: event.name, atMs: event.at - load.epoch })),
      notes: [],
    };
  } finally {
    await system.stop();
  }
}
