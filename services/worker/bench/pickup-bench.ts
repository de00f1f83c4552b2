/**
 * `pnpm --filter @spool/worker bench:pickup` (and part of `bench`): where the time to first
 * token goes between a create and the model, with 1 and with BURST generations created at once.
 *
 * Two worker processes on a fresh redis-server; this process plays the gateway: it creates each
 * stream and enqueues its job through `GenerationQueue.enqueue` on one connection. The model is
 * the synthetic one with no prefill (`prefill_ms: 0`) decoding 50 tokens/s, so every millisecond
 * before the first token is Spool's, and the generations already running keep the workers busy
 * appending while the rest of a burst is picked up.
 *
 * Per stream, from timestamps (ms; one machine, one clock): create → enqueued (this process),
 * enqueued → fetched (BullMQ's `job.timestamp` → `processedOn`, when a worker's `moveToActive`
 * took it), fetched → first token stored (the first entry's append time), and create → first
 * token stored. Beside them, the workers' own `spool_stage_seconds` (scraped from `/metrics`
 * before and after), which splits "fetched → stored" further.
 * Rewrites the bench:pickup section of docs/benchmarks.md.
 */
import { fileURLToPath } from 'node:url';
import { GenerationQueue, QUEUE_NAME } from '@spool/generation-queue';
import {
  findFreePort,
  machineDescription,
  rewriteBenchSection,
  startRedisServer,
  startService,
} from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import {
  addStages,
  histogramQuantile,
  median,
  parseCpuSeconds,
  parseStageHistograms,
  percentile,
  type StageHistogramSnapshot,
  stageDelta,
} from './bench-stats.ts';

const WORKERS = 2;
const BURST = 1_000;
const SINGLES = 40;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUEUE_PREFIX = '{bench-queue}';
const PARAMS = { tokens_per_second: 50, prefill_ms: 0, max_tokens: 100 };
/** A single needs no long tail: it only has to leave the workers idle again. */
const SINGLE_PARAMS = { ...PARAMS, max_tokens: 5 };
const WORKER_ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * `--against <main.ts>` measures another worker build too (e.g. a checkout of the previous
 * commit's src/main.ts), alternating with this one round by round, so that a before/after
 * comparison shares the machine's load; the docs are then left alone.
 */
const againstIndex = process.argv.indexOf('--against');
const against = againstIndex >= 0 ? process.argv[againstIndex + 1] : undefined;
const variants = [
  { label: 'this build', entry: WORKER_ENTRY },
  ...(against ? [{ label: against, entry: against }] : []),
];

const server = await startRedisServer();
const client = connectRedis(server.url, { maxRetriesPerRequest: null });
const log = new RedisTokenLog({ redis: client, pollIntervalMs: 100 });
const queue = new GenerationQueue({ connection: client, prefix: QUEUE_PREFIX });

async function startWorkers(entry: string) {
  const ports = await Promise.all(Array.from({ length: WORKERS }, () => findFreePort()));
  const processes = await Promise.all(
    ports.map((port, index) =>
      startService({
        name: `worker-${index + 1}`,
        entry,
        env: {
          REDIS_URL: server.url,
          SPOOL_QUEUE_PREFIX: QUEUE_PREFIX,
          // As spool-bench sizes them: every stream of the burst gets a slot at once.
          SPOOL_WORKER_CONCURRENCY: String(Math.ceil(BURST / WORKERS) + 16),
          SPOOL_METRICS_PORT: String(port),
        },
        readyMessage: 'worker ready',
        keepLogs: false,
      }),
    ),
  );
  return { ports, stop: () => Promise.all(processes.map((worker) => worker.stop())) };
}

interface Sample {
  enqueue: number;
  fetch: number;
  firstToken: number;
  total: number;
}

const now = () => performance.timeOrigin + performance.now();

async function create(
  params: Record<string, number> = PARAMS,
): Promise<{ streamId: string; createdAt: number; enqueuedAt: number }> {
  const streamId = newStreamId();
  const createdAt = now();
  await log.create({ id: streamId });
  await queue.enqueue({ streamId, messages: [{ role: 'user', content: 'Hi.' }], params });
  return { streamId, createdAt, enqueuedAt: now() };
}

/** Polls the status, not the items: reading every token would load the machine like a gateway. */
async function waitForEnd(streamId: string): Promise<void> {
  while ((await log.meta(streamId)).finishedAt === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function sample(created: Awaited<ReturnType<typeof create>>): Promise<Sample> {
  const { streamId, createdAt, enqueuedAt } = created;
  await waitForEnd(streamId);
  const [timestamp, processedOn] = await client.hmget(
    `${QUEUE_PREFIX}:${QUEUE_NAME}:${streamId}`,
    'timestamp',
    'processedOn',
  );
  const stored = (await log.read(streamId, 0, 1)).appendedAt[0] ?? Number.NaN;
  return {
    enqueue: enqueuedAt - createdAt,
    fetch: Number(processedOn) - Number(timestamp),
    firstToken: stored - Number(processedOn),
    total: stored - createdAt,
  };
}

interface Scrape {
  stages: Map<string, StageHistogramSnapshot>[];
  /** CPU seconds of all the workers. */
  cpuSeconds: number;
}

async function scrape(ports: number[]): Promise<Scrape> {
  const texts = await Promise.all(
    ports.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
  );
  return {
    stages: texts.map(parseStageHistograms),
    cpuSeconds: texts.reduce((sum, text) => sum + parseCpuSeconds(text), 0),
  };
}

async function singles(): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let index = 0; index < SINGLES; index++) {
    samples.push(await sample(await create(SINGLE_PARAMS)));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return samples;
}

async function burst(): Promise<Sample[]> {
  const created = await Promise.all(Array.from({ length: BURST }, () => create()));
  const samples = await Promise.all(created.map(sample));
  await new Promise((resolve) => setTimeout(resolve, 500));
  return samples;
}

interface Results {
  samples: Sample[];
  stages: Map<string, StageHistogramSnapshot>;
  /** Worker CPU seconds per generation, one figure per run. */
  cpuPerGeneration: number[];
}

const emptyResults = (): Results => ({ samples: [], stages: new Map(), cpuPerGeneration: [] });
const results = variants.map(() => ({ idle: emptyResults(), loaded: emptyResults() }));

async function measure(ports: number[], run: () => Promise<Sample[]>, into: Results) {
  const before = await scrape(ports);
  const samples = await run();
  const after = await scrape(ports);
  into.samples.push(...samples);
  addStages(into.stages, stageDelta(before.stages, after.stages));
  into.cpuPerGeneration.push((after.cpuSeconds - before.cpuSeconds) / samples.length);
}

for (let round = 0; round < RUNS; round++) {
  for (const [index, variant] of variants.entries()) {
    const into = results[index];
    if (!into) continue;
    const workers = await startWorkers(variant.entry);
    for (let warmUp = 0; warmUp < 5; warmUp++) await sample(await create(SINGLE_PARAMS));
    await measure(workers.ports, singles, into.idle);
    await measure(workers.ports, burst, into.loaded);
    await workers.stop();
  }
}

const ms = (value: number) => (value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);
const external: [string, keyof Sample][] = [
  ['create → enqueued (`log.create` + `GenerationQueue.enqueue`)', 'enqueue'],
  ['enqueued → fetched (`job.timestamp` → `processedOn`: `moveToActive`)', 'fetch'],
  ['fetched → first token stored (`processedOn` → first entry appended)', 'firstToken'],
  ['**create → first token stored**', 'total'],
];
function table({ idle, loaded }: { idle: Results; loaded: Results }): string {
  const rows = external.map(([label, key]) => {
    const of = (samples: Sample[]) => samples.map((entry) => entry[key]);
    const one = of(idle.samples);
    const many = of(loaded.samples);
    return `| ${label} | ${ms(percentile(one, 50))} | ${ms(percentile(one, 99))} | ${ms(percentile(many, 50))} | ${ms(percentile(many, 90))} | ${ms(percentile(many, 99))} | ${ms(Math.max(...many))} |`;
  });
  const workerStages = ['queue_wait', 'model_first_token', 'first_append'].map((stage) => {
    const estimate = (stages: Map<string, StageHistogramSnapshot>, q: number) => {
      const snapshot = stages.get(stage);
      return snapshot && snapshot.count > 0 ? ms(histogramQuantile(snapshot, q) * 1_000) : '—';
    };
    const mean = (stages: Map<string, StageHistogramSnapshot>) => {
      const snapshot = stages.get(stage);
      return snapshot && snapshot.count > 0 ? ms((snapshot.sum / snapshot.count) * 1_000) : '—';
    };
    return `| worker \`spool_stage_seconds{stage="${stage}"}\`: mean / est. p50 / est. p99 | ${mean(idle.stages)} / ${estimate(idle.stages, 0.5)} | ${estimate(idle.stages, 0.99)} | ${mean(loaded.stages)} / ${estimate(loaded.stages, 0.5)} | ${estimate(loaded.stages, 0.9)} | ${estimate(loaded.stages, 0.99)} | — |`;
  });
  // Only for bursts: between singles the workers idle, and idling costs CPU too.
  const cpu = (of: Results) => ms(median(of.cpuPerGeneration) * 1_000);
  return [
    `| stage | 1 at once p50 | p99 | ${BURST.toLocaleString('en-US')} at once p50 | p90 | p99 | max |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    ...workerStages,
    `| worker CPU per generation of ${PARAMS.max_tokens} tokens (all processes), median of the runs | | | ${cpu(loaded)} | | | |`,
  ].join('\n');
}

for (const [index, variant] of variants.entries()) {
  const of = results[index];
  if (!of) continue;
  if (variants.length > 1) console.log(`\n${variant.label}\n`);
  console.log(table(of));
}

const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm --filter @spool/worker bench:pickup\` on ${machineDescription()}: ${WORKERS} worker processes (concurrency ${Math.ceil(BURST / WORKERS) + 16} each) and redis-server on the same machine; this process creates and enqueues on one connection, as a gateway does. Synthetic model with no prefill at ${PARAMS.tokens_per_second} tokens/s, ${PARAMS.max_tokens} tokens (${SINGLE_PARAMS.max_tokens} for a single). "1 at once": ${SINGLES} × ${RUNS} creates one after another on idle workers; "${BURST.toLocaleString('en-US')} at once": ${RUNS} bursts. Timestamps are whole ms (BullMQ's and Redis'); the worker rows are estimated from the histogram's buckets, good to about a bucket.`,
  '',
  table(results[0] ?? { idle: emptyResults(), loaded: emptyResults() }),
].join('\n');
if (variants.length === 1 && !(await rewriteBenchSection('pickup', section)))
  console.log('docs/benchmarks.md has no bench:pickup section; not written');

await queue.close();
await log.close();
client.disconnect();
await server.stop();
