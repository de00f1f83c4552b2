/**
 * durable-streams (issue 15): Spool's Durable Streams surface (`/v1/stream/<name>` on a gateway
 * process, its Redis) side by side with the reference server (`@durable-streams/server` in its
 * own process: in-memory store, and file store), the same client processes for all. Per system
 * and round, on a fresh server: (a) appends, a few producers at once, small and ~4 KB messages,
 * plain and idempotent; (b) catch-up reads of those streams from `-1`; (c) live latency, POST
 * answer → receipt, for long-poll and SSE readers. Systems take turns round by round.
 */
import { sleep } from '@spool/runtime';
import { createStream } from '../client/ds-http.ts';
import type {
  DsAppendReport,
  DsAssignment,
  DsCatchUpReport,
  DsLiveProducerReport,
  DsLiveReaderReport,
} from '../shared/ds-assignment.ts';
import { addIntegrity, noFaults } from '../shared/ds-messages.ts';
import { BENCH_DIR, spawnLoadProcess, startNodeService } from '../system/node-process.ts';
import { readProc } from '../system/resource-sampler.ts';
import { SpoolSystem } from '../system/spool-system.ts';
import {
  type DsPlan,
  type DsResult,
  type DsRun,
  type DsSystemName,
  dsVariants,
  faultText,
  latencyOf,
} from './durable-streams-types.ts';

/** A system under test: where its streams live, the processes whose CPU counts, how to stop it. */
interface DsServer {
  streamUrl: (name: string) => string;
  pids: number[];
  stop(): Promise<void>;
}

async function startServer(system: DsSystemName, plan: DsPlan): Promise<DsServer> {
  if (system === 'spool') {
    const spool = await SpoolSystem.start({
      gateways: 1,
      workers: 0,
      workerConcurrency: 1,
      gatewayEnv: plan.spoolEnv,
    });
    const gateway = spool.gateways[0];
    if (!gateway) throw new Error('no gateway');
    return {
      streamUrl: (name) => `${gateway.url}/v1/stream/${name}`,
      pids: [gateway.pid, ...spool.benchRedis.pids],
      stop: () => spool.stop(),
    };
  }
  const server = await startNodeService({
    name: system,
    entry: `${BENCH_DIR}baselines/durable-streams-reference.ts`,
    env: {
      DS_STORE: system === 'reference-file' ? 'file' : 'memory',
      DS_LONG_POLL_MS: String(plan.longPollMs),
    },
    readyMessage: 'ds reference ready',
  });
  return {
    streamUrl: (name) => `${server.url}/v1/stream/${name}`,
    pids: [server.pid],
    stop: async () => {
      await server.service.stop(5_000);
    },
  };
}

/** Why a system cannot be measured (Spool built without the surface), or undefined. */
async function unavailable(server: DsServer): Promise<string | undefined> {
  const response = await fetch(server.streamUrl(`probe-${Date.now()}`), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
  });
  await response.arrayBuffer();
  if (response.status === 200 || response.status === 201) return undefined;
  return `PUT /v1/stream/<name> answered ${response.status}: this build has no Durable Streams surface`;
}

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (readProc(pid)?.cpu ?? 0), 0);

async function runProcess<T>(name: string, assignment: DsAssignment): Promise<T> {
  const load = spawnLoadProcess({
    name,
    entry: `${BENCH_DIR}ds-client-process.ts`,
    assignment,
    env: {},
  });
  await load.ready;
  load.start({ type: 'start', epoch: Date.now(), streams: {} });
  return (await load.report) as T;
}

async function createStreams(server: DsServer, names: string[]): Promise<string[]> {
  const urls = names.map((name) => server.streamUrl(name));
  await Promise.all(urls.map((url) => createStream(url)));
  return urls;
}

function emptyRun(system: DsSystemName, round: number): DsRun {
  return {
    system,
    round,
    append: {},
    catchUp: {},
    live: {},
    integrity: noFaults(),
    faults: [],
    errors: [],
  };
}

async function runOnce(system: DsSystemName, plan: DsPlan, round: number): Promise<DsRun> {
  const server = await startServer(system, plan);
  try {
    const reason = await unavailable(server);
    if (reason) return { ...emptyRun(system, round), unavailable: reason };
    const run = emptyRun(system, round);
    for (const variant of dsVariants(plan)) {
      const names = Array.from(
        { length: plan.producers },
        (_, index) => `r${round}-${variant.name}-${index}`,
      );
      const streamUrls = await createStreams(server, names);
      const cpuBefore = cpuOf(server.pids);
      const { append } = await runProcess<{ append: DsAppendReport }>(`ds-append-${variant.name}`, {
        role: 'append',
        streamUrls,
        messages: variant.messages,
        bytes: variant.bytes,
        idempotent: variant.idempotent,
      });
      run.append[variant.name] = { ...append, cpuSeconds: cpuOf(server.pids) - cpuBefore };
      const cpuRead = cpuOf(server.pids);
      const { catchUp } = await runProcess<{ catchUp: DsCatchUpReport }>(
        `ds-catch-up-${variant.name}`,
        {
          role: 'catch-up',
          streamUrls,
          messages: variant.messages,
          bytes: variant.bytes,
        },
      );
      run.catchUp[variant.name] = { ...catchUp, cpuSeconds: cpuOf(server.pids) - cpuRead };
      addIntegrity(run.integrity, catchUp.integrity);
      const faults = faultText(catchUp.integrity);
      if (faults) run.faults.push(`catch-up ${variant.name}: ${faults}`);
    }
    run.live = await runLive(server, plan, round, run);
    return run;
  } catch (error) {
    return {
      ...emptyRun(system, round),
      errors: [error instanceof Error ? error.message : String(error)],
    };
  } finally {
    await server.stop();
  }
}

async function runLive(
  server: DsServer,
  plan: DsPlan,
  round: number,
  run: DsRun,
): Promise<DsRun['live']> {
  const { live } = plan;
  const [streamUrl] = await createStreams(server, [`r${round}-live`]);
  if (!streamUrl) throw new Error('no live stream');
  const readers = spawnLoadProcess({
    name: 'ds-live-readers',
    entry: `${BENCH_DIR}ds-client-process.ts`,
    assignment: {
      role: 'live-readers',
      streamUrl,
      messages: live.messages,
      bytes: live.bytes,
      longPoll: live.longPoll,
      sse: live.sse,
      deadlineMs: live.messages * live.intervalMs + 30_000,
    } satisfies DsAssignment,
    env: {},
  });
  await readers.ready;
  readers.start({ type: 'start', epoch: Date.now(), streams: {} });
  // The readers are waiting on the empty stream before the first POST.
  await sleep(500);
  const cpuBefore = cpuOf(server.pids);
  const { producer } = await runProcess<{ producer: DsLiveProducerReport }>('ds-live-producer', {
    role: 'live-producer',
    streamUrl,
    messages: live.messages,
    bytes: live.bytes,
    intervalMs: live.intervalMs,
  });
  const { readers: reports } = (await readers.report) as unknown as {
    readers: DsLiveReaderReport[];
  };
  const cpuSeconds = cpuOf(server.pids) - cpuBefore;
  for (const report of reports) {
    addIntegrity(run.integrity, report.integrity);
    if (report.error) run.errors.push(`${report.mode} reader: ${report.error}`);
    const faults = faultText(report.integrity);
    if (faults) {
      run.faults.push(
        `live ${report.mode} reader: ${faults}, first: ${report.incidents[0] ?? '—'}`,
      );
    }
  }
  return {
    'long-poll': latencyOf(reports, 'long-poll', producer.answeredAt),
    sse: latencyOf(reports, 'sse', producer.answeredAt),
    fromSent: {
      'long-poll': latencyOf(reports, 'long-poll', producer.sentAt),
      sse: latencyOf(reports, 'sse', producer.sentAt),
    },
    cpuSeconds,
  };
}

/** Every system of the plan, round by round (a, b, c, a, b, c, …) so drift hits all alike. */
export async function runDurableStreams(
  plan: DsPlan,
  onRun: (run: DsRun) => void = () => undefined,
): Promise<DsResult> {
  const runs: DsRun[] = [];
  const skipped = new Set<DsSystemName>();
  for (let round = 0; round < plan.rounds; round++) {
    for (const system of plan.systems) {
      if (skipped.has(system)) continue;
      const run = await runOnce(system, plan, round);
      if (run.unavailable) skipped.add(system);
      runs.push(run);
      onRun(run);
    }
  }
  return { plan, runs };
}
