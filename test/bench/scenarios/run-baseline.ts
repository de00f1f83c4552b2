/**
 * Runs one scenario against a baseline: the naive relay, Vercel's resumable-stream, or the raw
 * limit (XADD producers and a bare XREAD reader, no gateway).
 */
import { rawKey } from '../baselines/raw-streams.ts';
import { computeFigures } from '../measure/figures.ts';
import { rampKnee } from '../measure/ramp.ts';
import { type StreamTruth, truthOfItems } from '../measure/stream-truth.ts';
import { type CreateRequest, newConnectionReport } from '../shared/assignment.ts';
import { expectedItems } from '../shared/synthetic-items.ts';
import {
  type BaselineSystem,
  startNaive,
  startRaw,
  startResumable,
} from '../system/baseline-systems.ts';
import { BENCH_DIR } from '../system/node-process.ts';
import { classifier, clientProcesses, createStreams } from './client-load.ts';
import { connectionPlans, requestOf, spread, startOf } from './load-plans.ts';
import { runLoad } from './load-run.ts';
import {
  connectionReports,
  type RunResult,
  serverRss,
  sourceMismatches,
  withKeyFigures,
} from './run-result.ts';
import { type BaselineName, harnessCreates, type ScenarioSpec } from './scenario-types.ts';

export async function runBaseline(spec: ScenarioSpec, baseline: BaselineName): Promise<RunResult> {
  if (baseline === 'raw') return runRaw(spec);
  const system = baseline === 'naive' ? await startNaive() : await startResumable(spec.gateways);
  try {
    return await runHttpBaseline(spec, baseline, system);
  } finally {
    await system.stop();
  }
}

async function runHttpBaseline(
  spec: ScenarioSpec,
  baseline: 'naive' | 'resumable',
  system: BaselineSystem,
): Promise<RunResult> {
  const plans = connectionPlans(spec, {
    system: baseline,
    readUrls: system.readUrls,
    createUrl: () => system.createUrl,
  });
  const requests = new Map<string, CreateRequest>();
  const killed = system.services[baseline === 'naive' ? 0 : 1];
  const load = await runLoad({
    label: `${spec.name} · ${baseline}`,
    processes: clientProcesses(plans, spec),
    watched: system.watched(),
    redis: system.redis,
    deadlineMs: spec.deadlineMs,
    beforeStart: harnessCreates(spec)
      ? () => createStreams(spec, system.createUrl, requests, baseline)
      : undefined,
    events:
      spec.killAtMs === undefined || !killed
        ? []
        : [
            {
              name: `SIGKILL ${killed.name}`,
              atMs: spec.killAtMs,
              action: () => killed.service.kill('SIGKILL'),
            },
          ],
  });
  const reports = connectionReports(load.reports);
  for (const report of reports) {
    const create = plans[report.index]?.create;
    if (create && report.streamId) requests.set(report.streamId, create);
  }
  const times = await system.times();
  const truths = new Map<string, StreamTruth>();
  for (const [streamId, request] of requests) {
    const items = await expectedItems(request);
    const stamps = times[streamId] ?? [];
    truths.set(
      streamId,
      truthOfItems(
        items,
        items.map((_, offset) => stamps[offset] ?? Number.NaN),
      ),
    );
  }
  return withKeyFigures({
    scenario: spec.name,
    system: baseline,
    figures: computeFigures({
      reports,
      truths,
      resources: load.resources,
      classOf: classifier(spec, plans),
      deadlineIsExpected: spec.name === 'ramp',
    }),
    serverRss: serverRss(load.resources, ['server']),
    sourceMismatches: 0,
    ramp: rampKnee({ reports, truths, epoch: load.epoch, thresholdMs: 100 }),
    events: load.events.map((event) => ({ name: event.name, atMs: event.at - load.epoch })),
    notes: [],
  });
}

async function runRaw(spec: ScenarioSpec): Promise<RunResult> {
  const system = await startRaw();
  try {
    const streams = Array.from({ length: spec.streams }, (_, stream) => ({
      index: stream,
      key: rawKey(stream),
      startAtMs: startOf(spec, stream),
      ...requestOf(spec, stream, 'raw'),
    }));
    const env = { REDIS_URL: system.redisServer.url };
    const producers = spread(streams, spec.workers).map((group, index) => ({
      name: `raw-producer-${index + 1}`,
      entry: `${BENCH_DIR}baselines/raw-producer.ts`,
      assignment: { streams: group, deadlineMs: spec.deadlineMs },
      env,
      role: 'producer',
      unreported: () => ({ type: 'report', starts: {} }),
    }));
    const readers = spread(streams, spec.clientProcesses).map((group, index) => ({
      name: `raw-reader-${index + 1}`,
      entry: `${BENCH_DIR}baselines/raw-reader.ts`,
      assignment: { streams: group, deadlineMs: spec.deadlineMs, connections: 4 },
      env,
      unreported: (reason: string) => ({
        type: 'report',
        connections: group.map((stream) =>
          newConnectionReport({
            index: stream.index,
            system: 'raw',
            transport: 'xread',
            streamId: stream.key,
            chunks: [],
            subscribes: [],
            failed: reason,
          }),
        ),
      }),
    }));
    const load = await runLoad({
      label: `${spec.name} · raw`,
      processes: [...producers, ...readers],
      watched: [{ name: 'redis', role: 'redis', pid: system.redisServer.pid }],
      redis: system.redis,
      deadlineMs: spec.deadlineMs,
    });
    const starts: Record<string, number> = {};
    for (const report of load.reports) Object.assign(starts, report.starts ?? {});
    const reports = connectionReports(load.reports);
    for (const report of reports) report.createSentAt = starts[report.index];
    const truths = await system.truth(streams.map((stream) => stream.key));
    const requests = new Map(
      streams.map((stream) => [stream.key, requestOf(spec, stream.index, 'raw')]),
    );
    return withKeyFigures({
      scenario: spec.name,
      system: 'raw',
      figures: computeFigures({
        reports,
        truths,
        resources: load.resources,
        deadlineIsExpected: spec.name === 'ramp',
      }),
      serverRss: [],
      sourceMismatches: await sourceMismatches(requests, truths),
      ramp: rampKnee({ reports, truths, epoch: load.epoch, thresholdMs: 100 }),
      events: [],
      notes: [],
    });
  } finally {
    await system.stop();
  }
}
