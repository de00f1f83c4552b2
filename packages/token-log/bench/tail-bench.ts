/**
 * `pnpm --filter @spool/token-log bench:tail`: what the shared tail costs a gateway process for
 * followers that keep up (each waits at the end of its stream).
 *
 * The main process starts a redis-server, forks a follower process (one RedisTokenLog, one
 * follower per stream, each calling `follow` again from where it stopped) and appends paced
 * batches to every stream. It prints the Redis reads the follower made per notification (XRANGE
 * calls counted by INFO commandstats: only the tail's reads use XRANGE here), the follower's CPU
 * time per append and per item, and the append-to-delivery delay. Writes no docs.
 */
import { fork } from 'node:child_process';
import type { NewItem } from '@spool/protocol';
import { startRedisServer } from '@spool/testing';
import { connectRedis, RedisTokenLog } from '../src/index.ts';
import { newStreamId } from '../src/redis-token-log.ts';

const STREAMS = 100;
const ROUNDS = 300;
const BATCH = 5;
const PAUSE_MS = 10;

interface FollowerReport {
  items: number;
  cpuMs: number;
  delays: number[];
}

if (process.argv[2] === 'follower') await follower(process.argv[3] ?? '', process.argv.slice(4));
else await main();

async function follower(url: string, ids: string[]): Promise<void> {
  const client = connectRedis(url);
  const log = new RedisTokenLog({ redis: client, keyPrefix: 'bench:' });
  const delays: number[] = [];
  let items = 0;
  let started = process.cpuUsage();
  const follows = ids.map(async (id) => {
    for (let from = 0; ; ) {
      const result = await log.follow(id, from, { limit: 1_000 });
      const now = Date.now();
      for (const appendedAt of result.appendedAt) delays.push(now - appendedAt);
      items += result.items.length;
      from = result.next;
      if (result.done) return;
    }
  });
  process.on('message', (message) => {
    if (message === 'start') started = process.cpuUsage();
  });
  process.send?.('ready');
  await Promise.all(follows);
  const used = process.cpuUsage(started);
  const report: FollowerReport = { items, cpuMs: (used.user + used.system) / 1_000, delays };
  process.send?.(report, () => process.exit(0));
  await log.close();
  client.disconnect();
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const client = connectRedis(server.url);
  const log = new RedisTokenLog({ redis: client, keyPrefix: 'bench:' });
  const ids = Array.from({ length: STREAMS }, () => newStreamId());
  await Promise.all(ids.map((id) => log.create({ id })));
  const child = fork(new URL(import.meta.url), ['follower', server.url, ...ids]);
  const messages: unknown[] = [];
  let wake: () => void = () => {};
  child.on('message', (message) => {
    messages.push(message);
    wake();
  });
  const nextMessage = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift();
  };
  await nextMessage();
  // Let every follower's first read and subscription settle before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await client.config('RESETSTAT');
  child.send('start');
  const items = tokens(BATCH);
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      ids.map((streamId) => log.append({ streamId, attempt: 1, at: round * BATCH, items })),
    );
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  const end: NewItem[] = [{ type: 'end', finish_reason: 'stop' }];
  await Promise.all(
    ids.map((streamId) => log.append({ streamId, attempt: 1, at: ROUNDS * BATCH, items: end })),
  );
  const report = (await nextMessage()) as FollowerReport;
  const stats = (await client.info('commandstats')) as string;
  const reads = callsOf(stats, 'xrange');
  const appends = STREAMS * (ROUNDS + 1);
  const delays = report.delays.sort((a, b) => a - b);
  const quantile = (q: number) =>
    delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  console.log(
    [
      `${STREAMS} streams, 1 follower each, ${appends.toLocaleString('en-US')} appends of ${BATCH} tokens, ${PAUSE_MS} ms apart`,
      `follower reads (XRANGE): ${reads.toLocaleString('en-US')} = ${(reads / appends).toFixed(3)} per notification`,
      `follower CPU: ${Math.round(report.cpuMs)} ms = ${((report.cpuMs * 1_000) / appends).toFixed(1)} µs per append, ${((report.cpuMs * 1_000) / report.items).toFixed(2)} µs per item`,
      `items received: ${report.items.toLocaleString('en-US')} of ${(appends - STREAMS) * BATCH + STREAMS}`,
      `append → delivery: p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms`,
    ].join('\n'),
  );
  await log.close();
  client.disconnect();
  await server.stop();
}

function tokens(count: number): NewItem[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'token',
    block: 0,
    text: ` t${index}`,
  }));
}

function callsOf(commandstats: string, command: string): number {
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(commandstats)?.[1] ?? 0);
}
