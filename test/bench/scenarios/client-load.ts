/**
 * What every system's run shares on the client side: the load processes that read its streams,
 * the streams the harness creates for many readers, and the evidence kept when a check fails.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamTruth } from '../measure/stream-truth.ts';
import {
  type ConnectionPlan,
  type ConnectionReport,
  type CreateRequest,
  newConnectionReport,
  type SystemName,
} from '../shared/assignment.ts';
import { BENCH_DIR } from '../system/node-process.ts';
import { requestOf, spread, streamKey } from './load-plans.ts';
import type { LoadProcessSpec } from './load-run.ts';
import type { ScenarioSpec } from './scenario-types.ts';

export const CLIENT_ENTRY = `${BENCH_DIR}client-process.ts`;
const CREATE_TIMEOUT_MS = 30_000;

/** Readers that stand for a process that sent no report: nothing received, failed. */
export function unreportedConnections(
  plans: readonly ConnectionPlan[],
  reason: string,
): ConnectionReport[] {
  return plans.map((plan) =>
    newConnectionReport({
      index: plan.index,
      system: plan.system,
      transport: plan.transport,
      chunks: [],
      subscribes: [],
      failed: reason,
    }),
  );
}

/** The client processes of a run: the connection plans spread over `spec.clientProcesses`. */
export function clientProcesses(
  plans: ConnectionPlan[],
  spec: Pick<ScenarioSpec, 'clientProcesses' | 'deadlineMs'>,
): LoadProcessSpec[] {
  return spread(plans, spec.clientProcesses)
    .filter((connections) => connections.length > 0)
    .map((connections, index) => ({
      name: `client-${index + 1}`,
      entry: CLIENT_ENTRY,
      assignment: { connections, deadlineMs: spec.deadlineMs },
      env: {},
      unreported: (reason) => ({
        type: 'report',
        connections: unreportedConnections(connections, reason),
      }),
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
        signal: AbortSignal.timeout(CREATE_TIMEOUT_MS),
      });
      const body = (await response.json()) as { id?: string };
      if (!response.ok || !body.id) {
        throw new Error(`create ${streamKey(stream)}: ${response.status} ${JSON.stringify(body)}`);
      }
      streams[streamKey(stream)] = body.id;
      requests.set(body.id, request);
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
export async function dumpSuspects(
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
