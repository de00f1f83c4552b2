/**
 * The fuzz suite (issue 13): fast-check over real HTTP and WebSocket against a real gateway
 * process, a real worker and a real Redis, with API keys on. Every route and frame of
 * docs/protocol.md gets generated requests — valid by construction, or with one hostile field,
 * header, credential or body — and `fuzz/oracle.ts` checks each answer: documented in the error
 * table with the table's status and Spool's (or Anthropic's) error body, the very code the docs
 * give that fault, success for the valid ones, never `internal`. Meanwhile the gateway must
 * stay up (its PID, `/readyz`) and a well-behaved SDK client (its own key) must read every
 * stream it creates exactly as the log holds it. A second gateway with tight quotas takes a
 * bounded part that drives one key over its quotas on purpose.
 *
 * Replay: `FUZZ_SEED=<seed printed by the failing run> pnpm exec vitest run e2e/fuzz` (from
 * test/) draws the same cases (lane i uses seed + i); `FUZZ_RUNS=<n>` changes the number of
 * cases (default 100,000; the run asserts it made at least that many). Creates that are valid
 * ask for 1–3 tokens at 1,000 tokens/s, so the generations they start end at once.
 */
import { readFileSync } from 'node:fs';
import { getTestRedis, type TestRedis } from '@spool/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedStreams } from '../support/access.ts';
import { e2eTopology, type GatewayProcess, TestSystem } from '../support/system.ts';
import { chaosCase } from './fuzz/chaos-cases.ts';
import { FUZZ_MAX_BODY_BYTES, type FuzzCase } from './fuzz/draft.ts';
import { FIXTURE_STREAMS, makeFixtures } from './fuzz/fixture-streams.ts';
import {
  type Fixtures,
  FUZZ_KEY,
  GOOD_KEY,
  ID_SECRET,
  OTHER_KEY,
  TIGHT_KEY,
  TOKEN_SECRET,
} from './fuzz/fixtures.ts';
import { runGoodClient } from './fuzz/good-client.ts';
import { alive, watchHealth } from './fuzz/health.ts';
import { eventsCase, itemsCase, streamCase } from './fuzz/http-cases.ts';
import { FuzzHttp } from './fuzz/http-client.ts';
import {
  ackCase,
  aiSdkChatCase,
  cancelCase,
  chatCase,
  createCase,
  deleteSubscriptionCase,
  messagesCase,
  subscriptionCase,
} from './fuzz/http-write-cases.ts';
import { httpProblem, sseProblem } from './fuzz/oracle.ts';
import { runQuotaCases } from './fuzz/quota-cases.ts';
import { wsCase } from './fuzz/ws-cases.ts';
import { edgeCase, runEdgeCase } from './fuzz/ws-edges.ts';
import { WS_MAX_STREAMS, type WsLaneKind } from './fuzz/ws-frames.ts';
import { WsLane } from './fuzz/ws-lane.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const MB = 1024 * 1024;

/** A process's CPU time (user + system) from /proc, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The gateway's V8 heap in use (its /metrics), in bytes. */
async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Whether an answer to `fuzz` may have created a stream. */
function createsStream(fuzz: FuzzCase, status: number): boolean {
  const path = fuzz.path.split('?')[0];
  if (fuzz.method !== 'POST') return false;
  if (path === '/v1/streams') return status === 201;
  const answersStream = ['/v1/chat/completions', '/v1/messages', '/v1/ai-sdk/chat'];
  return answersStream.includes(path ?? '') && status === 200;
}

/** A case in a line, for a finding's example. */
function oneLine(value: unknown): string {
  const fuzz = value as Partial<FuzzCase> & { sends?: unknown };
  if (fuzz.method !== undefined) return `${fuzz.label}: ${fuzz.method} ${fuzz.path?.slice(0, 200)}`;
  return JSON.stringify(fuzz.sends ?? value)?.slice(0, 300) ?? '';
}

interface Finding {
  lane: string;
  label: string;
  problem: string;
  request?: string;
}

let redis: TestRedis | undefined;
let system: TestSystem | undefined;
let gateway: GatewayProcess;
let tight: GatewayProcess;
let fixtures: Fixtures;

beforeAll(async () => {
  redis = await getTestRedis({ topology: e2eTopology() });
  system = new TestSystem({ redis });
  const access = { SPOOL_ID_SECRET: ID_SECRET, SPOOL_TOKEN_SECRET: TOKEN_SECRET };
  // Started at once: each spends most of its start loading modules.
  [, gateway, tight] = await Promise.all([
    system.startWorker(),
    system.startGateway({
      ...access,
      SPOOL_API_KEYS: `fuzz:${FUZZ_KEY},other:${OTHER_KEY},good:${GOOD_KEY}`,
      // Generous quotas: the fuzz key makes thousands of requests (quotas: the tight gateway).
      SPOOL_QUOTA_CREATES_PER_MINUTE: '1000000',
      SPOOL_QUOTA_RUNNING_STREAMS: '100000',
      SPOOL_QUOTA_CONNECTIONS: '100000',
      SPOOL_MAX_BODY_BYTES: String(FUZZ_MAX_BODY_BYTES),
      SPOOL_MAX_PROMPT_CHARS: '20000',
      SPOOL_WS_MAX_STREAMS: String(WS_MAX_STREAMS),
    }),
    system.startGateway({
      ...access,
      SPOOL_API_KEYS: `tight:${TIGHT_KEY}`,
      SPOOL_QUOTA_CREATES_PER_MINUTE: '6',
      SPOOL_QUOTA_RUNNING_STREAMS: '2',
      SPOOL_QUOTA_CONNECTIONS: '3',
    }),
  ]);
  fixtures = await makeFixtures(gateway.url);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await redis?.stop();
});

describe('the fuzz suite', () => {
  it('answers every generated request and frame as documented, stays up, and leaves a well-behaved client unharmed', async () => {
    const started = performance.now();
    const findings: Finding[] = [];
    const counts = new Map<string, number>();
    const count = (lane: string) => counts.set(lane, (counts.get(lane) ?? 0) + 1);
    const pid = gateway.service.pid;
    const health = watchHealth(gateway.url, pid);
    const heapBefore = await heapUsed(gateway.url);

    let finishFuzzing: () => void = () => {};
    const fuzzing = new Promise<void>((resolve) => {
      finishFuzzing = resolve;
    });
    const good = runGoodClient({
      url: gateway.url,
      log: (system as TestSystem).log,
      until: fuzzing,
    });

    const lane = async <T>(
      name: string,
      arbitrary: fc.Arbitrary<T>,
      runs: number,
      seed: number,
      run: (value: T) => Promise<{ problem?: string | undefined; label: string; request?: string }>,
    ) => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (value) => {
          count(name);
          try {
            const outcome = await run(value);
            if (outcome.problem)
              findings.push({ lane: name, ...outcome, problem: outcome.problem });
          } catch (error) {
            findings.push({
              lane: name,
              label: 'threw',
              problem: String(error),
              request: oneLine(value),
            });
          }
        }),
        { numRuns: runs, seed, endOnFailure: true },
      );
    };

    /** Answers that may have created a stream: nothing else may add one (refusals store nothing). */
    let admitted = 0;
    const http = (name: string, arbitrary: fc.Arbitrary<FuzzCase>, runs: number, seed: number) => {
      const client = new FuzzHttp(gateway.url, { sockets: 1, sseMs: 1_500 });
      return lane(name, arbitrary, runs, seed, async (fuzz) => {
        const answer = await client.send(fuzz);
        if (createsStream(fuzz, answer.status)) admitted += 1;
        const sse = String(answer.headers['content-type']).startsWith('text/event-stream');
        const problem =
          httpProblem(answer, fuzz.surface, fuzz.expected) ??
          (sse ? sseProblem(answer.body) : undefined);
        return { problem, label: fuzz.label, request: `${fuzz.method} ${fuzz.path.slice(0, 200)}` };
      }).finally(() => client.close());
    };

    const routes = fc.oneof(
      { weight: 3, arbitrary: itemsCase(fixtures) },
      { weight: 1, arbitrary: streamCase(fixtures) },
      { weight: 3, arbitrary: eventsCase(fixtures) },
      { weight: 3, arbitrary: createCase(fixtures) },
      { weight: 1, arbitrary: chatCase(fixtures) },
      { weight: 1, arbitrary: messagesCase(fixtures) },
      { weight: 1, arbitrary: aiSdkChatCase(fixtures) },
      { weight: 1, arbitrary: cancelCase(fixtures) },
      { weight: 1, arbitrary: subscriptionCase(fixtures) },
      { weight: 2, arbitrary: ackCase(fixtures) },
      { weight: 1, arbitrary: deleteSubscriptionCase(fixtures) },
    );
    // Lanes run at once, each one case at a time: enough of them to keep the gateway busy.
    const wsLanes: WsLaneKind[] = Array.from({ length: 10 }, (_, index) =>
      index % 2 ? 'none' : 'key',
    );
    const httpLanes = Array.from({ length: 10 }, (_, index) => index);
    const sockets = await Promise.all(
      wsLanes.map((kind) =>
        WsLane.open(gateway.url, kind === 'key' ? { authorization: `Bearer ${FUZZ_KEY}` } : {}),
      ),
    );
    const httpRuns = Math.ceil((RUNS * 0.44) / httpLanes.length);
    const chaosRuns = Math.ceil(RUNS * 0.12);
    const wsRuns = Math.ceil((RUNS * 0.44) / wsLanes.length);
    await Promise.all([
      ...httpLanes.map((index) => http(`http-${index}`, routes, httpRuns, SEED + index)),
      http('chaos', chaosCase(fixtures), chaosRuns, SEED + 100),
      ...wsLanes.map((kind, index) => {
        const socket = sockets[index] as WsLane;
        return lane(
          `ws-${kind}-${index}`,
          wsCase(fixtures, kind),
          wsRuns,
          SEED + 200 + index,
          async (fuzz) => ({
            problem: await socket.run(fuzz),
            label: fuzz.label,
            request: JSON.stringify(fuzz.sends).slice(0, 300),
          }),
        );
      }),
      lane('ws-edges', edgeCase, 40, SEED + 300, async (edge) => ({
        problem: await runEdgeCase(gateway.url, edge),
        label: edge.label,
      })),
      lane('quotas', fc.constant(null), 1, SEED + 400, async () => {
        const report = await runQuotaCases(tight.url, SEED + 401);
        for (const [name, number] of report.counts) counts.set(`quota ${name}`, number);
        return { problem: report.problems.join('; ') || undefined, label: 'quotas' };
      }),
    ]);
    const fuzzSeconds = (performance.now() - started) / 1_000;
    finishFuzzing();
    const goodReport = await good;
    await health.stop();
    for (const socket of sockets) socket.close();

    const heapAfter = await heapUsed(gateway.url);
    const total = [...counts.values()].reduce((sum, each) => sum + each, 0);
    const rss = health.rss;
    console.log(
      [
        `fuzz: ${total} cases in ${fuzzSeconds.toFixed(1)} s (seed ${SEED}):`,
        ...[...counts].map(([name, number]) => `  ${name}: ${number}`),
        `gateway RSS: ${Math.round((rss[0] ?? 0) / MB)} MB at start, peak ${Math.round(Math.max(...rss) / MB)} MB, ${Math.round((rss.at(-1) ?? 0) / MB)} MB at the end`,
        `gateway heap used: ${Math.round(heapBefore / MB)} MB before, ${Math.round(heapAfter / MB)} MB after`,
        `well-behaved client: ${goodReport.streams} streams, ${goodReport.items} items`,
        `CPU: gateway ${cpuSeconds(pid).toFixed(1)} s, this process ${(process.cpuUsage().user / 1e6).toFixed(1)} s user`,
      ].join('\n'),
    );
    const grouped = new Map<string, Finding[]>();
    for (const finding of findings) {
      const key = `${finding.lane.replace(/-\d+$/, '')} | ${finding.label.replace(/".*"|\d+/g, '…')} | ${finding.problem.slice(0, 160)}`;
      grouped.set(key, [...(grouped.get(key) ?? []), finding]);
    }
    for (const [key, group] of grouped)
      console.log(`FINDING ×${group.length}: ${key}\n    e.g. ${group[0]?.request ?? ''}`);

    const stored = await storedStreams(system as TestSystem);
    const allowed =
      admitted + FIXTURE_STREAMS + goodReport.streams + (counts.get('quota created') ?? 0);
    console.log(`streams stored: ${stored}, at most ${allowed} were admitted`);
    expect(stored, 'a refused request stored a stream').toBeLessThanOrEqual(allowed);
    expect(alive(pid), 'the gateway process is alive').toBe(true);
    expect(health.problems).toEqual([]);
    expect(goodReport.problems).toEqual([]);
    expect(goodReport.streams).toBeGreaterThan(0);
    expect([...grouped.keys()], `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(RUNS);
  }, 900_000);
});
