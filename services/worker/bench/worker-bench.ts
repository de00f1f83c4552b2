/**
 * `pnpm --filter @spool/worker bench` (part of `pnpm bench`): a real worker process on a fresh
 * redis-server, measured from outside.
 *
 * - Cancel latency: from the `cancel` call to the stream's `end` item being readable, over
 *   CANCELS running generations (synthetic model at 50 tokens/s), p50 / p99 / max.
 * - Sustained append rate: STREAMS generations of TOKENS tokens each with no model delay
 *   (`tokens_per_second: 0`), so the worker's own cost is measured: items/s from enqueue to the
 *   last `end`. Median of RUNS runs.
 * Rewrites the bench:worker section of docs/benchmarks.md.
 */
import { fileURLToPath } from 'node:url';
import { GenerationQueue } from '@spool/generation-queue';
import {
  machineDescription,
  rewriteBenchSection,
  startRedisServer,
  startService,
} from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { percentile } from './bench-stats.ts';

const CANCELS = 120;
const STREAMS = 64;
const TOKENS = 5_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WORKER_ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const server = await startRedisServer();
const client = connectRedis(server.url, { maxRetriesPerRequest: null });
const log = new RedisTokenLog({ redis: client, pollIntervalMs: 100 });
const queue = new GenerationQueue({ connection: client });
const worker = await startService({
  name: 'worker',
  entry: WORKER_ENTRY,
  env: { REDIS_URL: server.url, SPOOL_WORKER_CONCURRENCY: '512' },
  readyMessage: 'worker ready',
  keepLogs: false,
});

async function generate(params: Record<string, number>): Promise<string> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  await queue.enqueue({
    streamId,
    messages: [{ role: 'user', content: 'Benchmark, please.' }],
    params,
  });
  return streamId;
}

async function waitForEnd(streamId: string): Promise<number> {
  let from = 0;
  for (;;) {
    const result = await log.follow(streamId, from, { limit: 10_000 });
    if (result.done) return result.length;
    from = result.next;
  }
}

async function cancelLatencies(): Promise<number[]> {
  const ids = await Promise.all(
    Array.from({ length: CANCELS }, () => generate({ tokens_per_second: 50, max_tokens: 100_000 })),
  );
  await Promise.all(ids.map((id) => log.follow(id, 0)));
  const latencies: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    await log.cancel(id);
    await waitForEnd(id);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function appendRate(): Promise<number> {
  const started = performance.now();
  const ids = await Promise.all(
    Array.from({ length: STREAMS }, () => generate({ tokens_per_second: 0, max_tokens: TOKENS })),
  );
  const lengths = await Promise.all(ids.map(waitForEnd));
  const seconds = (performance.now() - started) / 1_000;
  return lengths.reduce((sum, length) => sum + length, 0) / seconds;
}

const latencies = await cancelLatencies();
const rates: number[] = [];
for (let run = 0; run < RUNS; run++) rates.push(await appendRate());
const rate = percentile(rates, 50);

const line = (value: number) => `${value.toFixed(1)} ms`;
const table = [
  '| figure | value |',
  '|---|---:|',
  `| cancel → \`end\` readable, p50 (${CANCELS} cancels) | ${line(percentile(latencies, 50))} |`,
  `| cancel → \`end\` readable, p99 | ${line(percentile(latencies, 99))} |`,
  `| cancel → \`end\` readable, max | ${line(Math.max(...latencies))} |`,
  `| sustained append rate, one worker process (${STREAMS} streams × ${TOKENS.toLocaleString('en-US')} tokens, median of ${RUNS}) | ${Math.round(rate).toLocaleString('en-US')} items/s |`,
].join('\n');
console.log(table);

const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm --filter @spool/worker bench\` on ${machineDescription()}, one worker process and one redis-server on the same machine, default appends (at once when none is in flight, else batched up to 128 items).`,
  '',
  table,
].join('\n');
if (!(await rewriteBenchSection('worker', section)))
  console.log('docs/benchmarks.md has no bench:worker section; not written');

await worker.stop();
await queue.close();
await log.close();
client.disconnect();
await server.stop();
