/**
 * `pnpm --filter @spool/gateway bench` (part of `pnpm bench`): WebSocket delivery throughput
 * of one gateway process, from streams already in Redis, to one socket and to 100 sockets.
 *
 * Each socket subscribes to its own stream with a window of 4,096 and acks every half window,
 * as the SDK does. Measured per chunking policy: `token` (one frame per token) and `adaptive`
 * (coalesced). Figures: items/s and frames/s, medians of RUNS runs. The clients run in this
 * process, the gateway in its own; Redis is a fresh redis-server. Rewrites the bench:ws section
 * of docs/benchmarks.md.
 */
import { fileURLToPath } from 'node:url';
import type { NewItem } from '@spool/protocol';
import {
  machineDescription,
  rewriteBenchSection,
  startRedisServer,
  startService,
} from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import WebSocket from 'ws';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WINDOW = 4_096;
const SCENARIOS = [
  { sockets: 1, itemsPerStream: 200_000 },
  { sockets: 100, itemsPerStream: 4_000 },
];
const GATEWAY_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));

const server = await startRedisServer();
const client = connectRedis(server.url);
const log = new RedisTokenLog({ redis: client });
const gateway = await startService({
  name: 'gateway',
  entry: GATEWAY_ENTRY,
  env: {
    REDIS_URL: server.url,
    SPOOL_PORT: '0',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_LOG_LEVEL: 'info',
    SPOOL_WINDOW: String(WINDOW),
  },
  readyMessage: 'gateway ready',
});
const address = String((await gateway.waitForLog((line) => line.msg === 'gateway ready')).address);

async function storeStream(count: number): Promise<string> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  const items: NewItem[] = Array.from({ length: count }, (_, index) => ({
    type: 'token',
    block: 0,
    text: ` w${index % 100}`,
  }));
  items.push({ type: 'end', finish_reason: 'stop' });
  const appends: Promise<unknown>[] = [];
  for (let at = 0; at < items.length; at += 64) {
    appends.push(log.append({ streamId, attempt: 1, at, items: items.slice(at, at + 64) }));
  }
  await Promise.all(appends);
  return streamId;
}

/** One socket reading one stream to its end; resolves with the frames it got. */
function readStream(streamId: string, chunking: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${address.replace(/^http/, 'ws')}/v1/ws`);
    let frames = 0;
    let acked = 0;
    socket.on('open', () =>
      socket.send(
        JSON.stringify({ type: 'subscribe', stream: streamId, from: 0, window: WINDOW, chunking }),
      ),
    );
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as {
        type: string;
        to?: number;
        offset?: number;
      };
      if (frame.type === 'subscribed') return;
      frames++;
      const next = frame.to ?? (frame.offset ?? 0) + 1;
      if (frame.type === 'end') {
        socket.close();
        resolve(frames);
      } else if (next - acked >= WINDOW / 2) {
        acked = next;
        socket.send(JSON.stringify({ type: 'ack', stream: streamId, offset: next }));
      } else if (frame.type === 'error') {
        reject(new Error(data.toString('utf8')));
      }
    });
    socket.on('error', reject);
  });
}

async function measure(sockets: number, itemsPerStream: number, chunking: string) {
  const ids = await Promise.all(Array.from({ length: sockets }, () => storeStream(itemsPerStream)));
  const started = performance.now();
  const frames = await Promise.all(ids.map((id) => readStream(id, chunking)));
  const seconds = (performance.now() - started) / 1_000;
  await client.flushall();
  const items = sockets * (itemsPerStream + 1);
  return {
    itemsPerSecond: items / seconds,
    framesPerSecond: frames.reduce((a, b) => a + b, 0) / seconds,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const k = (value: number) => `${Math.round(value / 1_000).toLocaleString('en-US')}k`;
const rows: string[] = [];
for (const { sockets, itemsPerStream } of SCENARIOS) {
  for (const chunking of ['token', 'adaptive']) {
    const runs = [];
    for (let run = 0; run < RUNS; run++)
      runs.push(await measure(sockets, itemsPerStream, chunking));
    const items = median(runs.map((run) => run.itemsPerSecond));
    const frames = median(runs.map((run) => run.framesPerSecond));
    rows.push(
      `| ${sockets} | ${chunking} | ${k(items)} | ${k(frames)} | ${(items / frames).toFixed(1)} |`,
    );
    process.stderr.write(`${sockets} socket(s), ${chunking}: ${k(items)} items/s\n`);
  }
}
const table = [
  '| sockets | chunking | items/s | frames/s | items per frame |',
  '|---:|---|---:|---:|---:|',
  ...rows,
].join('\n');
console.log(table);

const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm --filter @spool/gateway bench\` on ${machineDescription()}: one gateway process, the clients in another, redis-server on the same machine; streams stored beforehand (${SCENARIOS.map((s) => `${s.sockets} × ${s.itemsPerStream.toLocaleString('en-US')} items`).join(', ')}); window ${WINDOW}, acks every half window; medians of ${RUNS} runs.`,
  '',
  table,
].join('\n');
if (!(await rewriteBenchSection('ws', section)))
  console.log('docs/benchmarks.md has no bench:ws section; not written');

await gateway.stop();
await log.close();
client.disconnect();
await server.stop();
