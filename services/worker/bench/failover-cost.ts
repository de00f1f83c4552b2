/**
 * `pnpm --filter @spool/worker bench:failover-cost`: what the job-lock settings cost Redis per
 * running generation (docs/failover.md).
 *
 * One worker process on a fresh redis-server holds GENERATIONS generations that do nothing but
 * wait (`prefill_ms` 60 s: no appends), so everything Redis does meanwhile is the queue's own
 * keeping: lock renewals, stalled checks, the idle Workers' blocking pops. Measured over
 * WINDOW_MS from Redis's INFO (commands from clients, commands run inside scripts, CPU seconds),
 * for each setting in turn, RUNS times interleaved; medians printed.
 */
import { fileURLToPath } from 'node:url';
import { GenerationQueue } from '@spool/generation-queue';
import { startRedisServer, startService } from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';

const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 1_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WINDOW_MS = 20_000;
const WORKER_ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SETTINGS = [
  {
    label: 'BullMQ defaults (lock 30 s renewed every 15 s, check 30 s)',
    lockMs: 30_000,
    renewMs: 15_000,
    stalledMs: 30_000,
  },
  {
    label: 'lock 1.5 s renewed every 0.75 s, check 0.5 s',
    lockMs: 1_500,
    renewMs: 750,
    stalledMs: 500,
  },
  {
    label: 'Spool defaults (lock 1.5 s renewed every 0.375 s, check 0.25 s)',
    lockMs: 1_500,
    renewMs: 375,
    stalledMs: 250,
  },
  {
    label: 'lock 1 s renewed every 0.25 s, check 0.25 s',
    lockMs: 1_000,
    renewMs: 250,
    stalledMs: 250,
  },
];

interface Sample {
  /** EVALSHA and EVAL calls. */
  scripts: number;
  /** Every command Redis ran: the script calls, the commands inside them, the rest. */
  commands: number;
  cpuSeconds: number;
}

async function sample(client: ReturnType<typeof connectRedis>): Promise<Sample> {
  const info = String(await client.call('INFO', 'all'));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  let commands = 0;
  let scripts = 0;
  for (const [, command, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    commands += Number(calls);
    if (command === 'evalsha' || command === 'eval') scripts += Number(calls);
  }
  return { scripts, commands, cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
}

async function measure(setting: (typeof SETTINGS)[number]): Promise<Sample> {
  const server = await startRedisServer();
  const client = connectRedis(server.url, { maxRetriesPerRequest: null });
  const log = new RedisTokenLog({ redis: client });
  const queue = new GenerationQueue({ connection: client, prefix: '{cost-queue}' });
  const worker = await startService({
    name: 'worker',
    entry: WORKER_ENTRY,
    env: {
      REDIS_URL: server.url,
      SPOOL_QUEUE_PREFIX: '{cost-queue}',
      SPOOL_WORKER_CONCURRENCY: String(GENERATIONS),
      SPOOL_WORKER_LOCK_MS: String(setting.lockMs),
      SPOOL_WORKER_LOCK_RENEW_MS: String(setting.renewMs),
      SPOOL_WORKER_STALLED_INTERVAL_MS: String(setting.stalledMs),
    },
    readyMessage: 'worker ready',
    keepLogs: false,
  });
  try {
    for (let index = 0; index < GENERATIONS; index++) {
      const streamId = newStreamId();
      await log.create({ id: streamId });
      await queue.enqueue({
        streamId,
        messages: [{ role: 'user', content: 'wait' }],
        params: { prefill_ms: 60_000, max_tokens: 5 },
      });
    }
    while ((await queue.depth()).active < GENERATIONS) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // Past the pickup.
    const before = await sample(client);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await sample(client);
    const perSecond = (value: number) => value / (WINDOW_MS / 1_000);
    return {
      scripts: perSecond(after.scripts - before.scripts),
      commands: perSecond(after.commands - before.commands - 1), // less the INFO itself
      cpuSeconds: perSecond(after.cpuSeconds - before.cpuSeconds),
    };
  } finally {
    await worker.kill('SIGKILL');
    await log.close();
    client.disconnect();
    await server.stop();
  }
}

const results = new Map<string, Sample[]>();
for (let run = 1; run <= RUNS; run++) {
  for (const setting of SETTINGS) {
    const result = await measure(setting);
    results.set(setting.label, [...(results.get(setting.label) ?? []), result]);
    console.log(`run ${run}, ${setting.label}: ${JSON.stringify(result)}`);
  }
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(`\n${GENERATIONS} waiting generations, one worker, medians of ${RUNS}:`);
for (const [label, samples] of results) {
  const scripts = median(samples.map((entry) => entry.scripts));
  const commands = median(samples.map((entry) => entry.commands));
  const cpu = median(samples.map((entry) => entry.cpuSeconds));
  console.log(
    `${label}: ${scripts.toFixed(0)} script calls/s, ${commands.toFixed(0)} commands/s in all, ` +
      `Redis CPU ${(cpu * 100).toFixed(2)} % of a core; per generation ` +
      `${(commands / GENERATIONS).toFixed(2)} commands/s, ${((cpu * 1e6) / GENERATIONS).toFixed(1)} µs CPU/s`,
  );
}
