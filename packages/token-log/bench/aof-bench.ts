/**
 * `pnpm --filter @spool/token-log bench:aof`: what the AOF's fsync policies cost and lose, for
 * docs/reliability.md.
 *
 * 1. Cost: STREAMS streams each append BATCH-item batches one at a time (as a worker does: one
 *    append in flight per stream) for SECONDS, on a fresh redis-server with no AOF, with
 *    `appendfsync everysec` and with `always`: items/s and append latency. RUNS runs each.
 * 2. Loss at a crash of the Redis process: the same load, the server SIGKILLed at a random
 *    moment (0.5–1.5 s in), restarted on its AOF; per stream, the length its last acknowledged
 *    append returned against the length after the restart. CRASHES crashes per policy.
 * 3. The cost of the epoch check in every append: `INFO server` from Lua, µs per call.
 *
 * Prints JSON lines and a summary; nothing is written to the docs by itself.
 */
import type { NewItem } from '@spool/protocol';
import { type RedisServer, startRedisServer } from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '../src/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CRASHES = Number(process.env.BENCH_CRASHES ?? 10);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const BATCH = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

type Policy = 'none' | 'everysec' | 'always';

const items: NewItem[] = Array.from({ length: BATCH }, (_, index) => ({
  type: 'token',
  block: 0,
  text: ` tok${index}`,
}));

async function start(policy: Policy): Promise<RedisServer> {
  return policy === 'none'
    ? startRedisServer()
    : startRedisServer({ appendOnly: true, appendFsync: policy });
}

function connect(server: RedisServer) {
  const redis = connectRedis(server.url, { maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  const log = new RedisTokenLog({ redis, keyPrefix: 'aof:' });
  return {
    redis,
    log,
    close: async () => {
      await log.close().catch(() => {});
      redis.disconnect();
    },
  };
}

/** STREAMS appenders until `signal`: acknowledged lengths per stream and append latencies. */
async function load(log: RedisTokenLog, signal: AbortSignal) {
  const ids = Array.from({ length: STREAMS }, () => newStreamId());
  for (const id of ids) await log.create({ id });
  const acknowledged = new Map<string, number>();
  const latencies: number[] = [];
  await Promise.all(
    ids.map(async (streamId) => {
      let at = 0;
      while (!signal.aborted) {
        const started = performance.now();
        try {
          const result = await log.append({ streamId, attempt: 1, at, items });
          latencies.push(performance.now() - started);
          at = result.length;
          acknowledged.set(streamId, at);
        } catch {
          return; // The server is gone.
        }
      }
    }),
  );
  return { ids, acknowledged, latencies };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

async function cost(policy: Policy) {
  const server = await start(policy);
  const { log, close } = connect(server);
  const { acknowledged, latencies } = await load(log, AbortSignal.timeout(SECONDS * 1_000));
  let total = 0;
  for (const length of acknowledged.values()) total += length;
  await close();
  await server.stop();
  return {
    itemsPerSecond: Math.round(total / SECONDS),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function crash(policy: Exclude<Policy, 'none'>) {
  const server = await start(policy);
  const { log, close } = connect(server);
  const controller = new AbortController();
  const loading = load(log, controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1_000));
  await server.kill('SIGKILL');
  controller.abort();
  const { ids, acknowledged } = await loading;
  await close();
  await server.restart();
  const after = connect(server);
  let lost = 0;
  let streamsLosing = 0;
  let appended = 0;
  for (const id of ids) {
    const length = (await after.log.meta(id)).length;
    const acked = acknowledged.get(id) ?? 0;
    appended += acked;
    if (length < acked) streamsLosing += 1;
    lost += Math.max(0, acked - length);
  }
  await after.close();
  await server.stop();
  return { appended, lost, streamsLosing };
}

async function infoCost(): Promise<number> {
  const server = await startRedisServer();
  const { redis, close } = connect(server);
  const calls = 20_000;
  const started = performance.now();
  await redis.eval(`for i = 1, ${calls} do redis.call('INFO', 'server') end return 1`, 0);
  const microseconds = ((performance.now() - started) * 1_000) / calls;
  await close();
  await server.stop();
  return microseconds;
}

const summary: Record<string, unknown> = {};
for (const policy of ['none', 'everysec', 'always'] as const) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const figures = await cost(policy);
    console.log(JSON.stringify({ measure: 'cost', policy, run, ...figures }));
    runs.push(figures);
  }
  summary[`cost ${policy}`] = {
    itemsPerSecond: median(runs.map((run) => run.itemsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
  };
}
for (const policy of ['everysec', 'always'] as const) {
  const crashes = [];
  for (let index = 0; index < CRASHES; index++) {
    const figures = await crash(policy);
    console.log(JSON.stringify({ measure: 'sigkill', policy, crash: index, ...figures }));
    crashes.push(figures);
  }
  summary[`sigkill ${policy}`] = {
    crashes: CRASHES,
    itemsLostTotal: crashes.reduce((sum, each) => sum + each.lost, 0),
    itemsLostMax: Math.max(...crashes.map((each) => each.lost)),
    appendedTotal: crashes.reduce((sum, each) => sum + each.appended, 0),
  };
}
summary['INFO server from Lua, µs per call'] = Number((await infoCost()).toFixed(2));
console.log(JSON.stringify(summary, null, 2));
// A connection of a killed server may still be retrying: the figures are out, stop here.
process.exit(0);
