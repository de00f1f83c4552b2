/**
 * `pnpm bench:log`: token-log append and read throughput next to raw pipelined ioredis
 * XADD / XRANGE of the same items, measured side by side in one run on one fresh redis-server.
 *
 * Both sides move the same tokens in entries of the same size over one auto-pipelined
 * connection; the difference is what the token log adds (Lua: fencing, offsets, metadata,
 * notification; decoding into items). Prints a table and rewrites its section of
 * docs/benchmarks.md. Figures are medians of RUNS runs.
 */
import type { NewItem } from '@spool/protocol';
import { machineDescription, rewriteBenchSection, startRedisServer } from '@spool/testing';
import { connectRedis, encodeEntryItems, newStreamId, RedisTokenLog } from '../src/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const STREAMS = 100;
const ITEMS_PER_STREAM = 2_000;
const BATCH_SIZES = [5, 20];
const READ_PAGE = 1_000;

interface Figures {
  batch: number;
  spoolAppend: number;
  rawXadd: number;
  spoolRead: number;
  rawXrange: number;
}

const server = await startRedisServer();
const client = connectRedis(server.url);
const log = new RedisTokenLog({ redis: client, keyPrefix: 'bench:', maxEntryItems: 64 });

function tokenItems(count: number): NewItem[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'token',
    block: 0,
    text: ` tok${index % 97}`,
  }));
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function spoolAppend(ids: string[], items: NewItem[], batch: number): Promise<void> {
  await Promise.all(
    ids.map(async (streamId) => {
      await log.create({ id: streamId });
      const appends: Promise<unknown>[] = [];
      for (let at = 0; at < items.length; at += batch) {
        appends.push(log.append({ streamId, attempt: 1, at, items: items.slice(at, at + batch) }));
      }
      await Promise.all(appends);
    }),
  );
}

async function rawXadd(keys: string[], items: NewItem[], batch: number): Promise<void> {
  const payloads: string[] = [];
  for (let at = 0; at < items.length; at += batch)
    payloads.push(encodeEntryItems(items.slice(at, at + batch)));
  await Promise.all(
    keys.map((key) => Promise.all(payloads.map((payload) => client.xadd(key, '*', 'd', payload)))),
  );
}

/**
 * Pages of `read`, not `items()`: this measures the log's reads. The iterator's await per item
 * (~0.4 µs here) would add about a tenth to the time measured, and the raw side has no such step.
 */
async function spoolRead(ids: string[]): Promise<number> {
  let total = 0;
  await Promise.all(
    ids.map(async (id) => {
      for (let from = 0; from < ITEMS_PER_STREAM; ) {
        const result = await log.read(id, from, READ_PAGE);
        total += result.items.length;
        from = result.next;
      }
    }),
  );
  return total;
}

async function rawXrange(keys: string[], batch: number): Promise<number> {
  let total = 0;
  const page = Math.max(1, Math.floor(READ_PAGE / batch));
  await Promise.all(
    keys.map(async (key) => {
      let start = '-';
      for (;;) {
        const entries = await client.xrange(key, start, '+', 'COUNT', page);
        for (const [, fields] of entries)
          total += (JSON.parse(fields[1] as string) as unknown[]).length;
        if (entries.length < page) break;
        start = `(${entries[entries.length - 1]?.[0]}`;
      }
    }),
  );
  return total;
}

async function once(batch: number): Promise<Figures> {
  const items = tokenItems(ITEMS_PER_STREAM);
  const total = STREAMS * ITEMS_PER_STREAM;
  const ids = Array.from({ length: STREAMS }, () => newStreamId());
  const rawKeys = ids.map((id) => `raw:${id}`);
  // Alternate which side goes first, so neither always gets the warmer server.
  const appendSeconds = await timed(() => spoolAppend(ids, items, batch));
  const xaddSeconds = await timed(() => rawXadd(rawKeys, items, batch));
  let readCount = 0;
  let rangeCount = 0;
  const xrangeSeconds = await timed(async () => (rangeCount = await rawXrange(rawKeys, batch)));
  const readSeconds = await timed(async () => (readCount = await spoolRead(ids)));
  if (readCount !== total || rangeCount !== total)
    throw new Error(`read ${readCount}/${rangeCount} of ${total}`);
  await client.flushall();
  return {
    batch,
    spoolAppend: total / appendSeconds,
    rawXadd: total / xaddSeconds,
    spoolRead: total / readSeconds,
    rawXrange: total / xrangeSeconds,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function format(value: number): string {
  return `${Math.round(value / 1000).toLocaleString('en-US')}k`;
}

const rows: string[] = [];
for (const batch of BATCH_SIZES) {
  const runs: Figures[] = [];
  for (let run = 0; run < RUNS; run++) {
    runs.push(await once(batch));
    process.stderr.write(`batch ${batch}: run ${run + 1}/${RUNS}\r`);
  }
  const pick = (key: keyof Figures) => median(runs.map((figures) => figures[key]));
  const append = pick('spoolAppend');
  const xadd = pick('rawXadd');
  const read = pick('spoolRead');
  const xrange = pick('rawXrange');
  rows.push(
    `| ${batch} | ${format(append)} | ${format(xadd)} | ${(append / xadd).toFixed(2)} | ${format(read)} | ${format(xrange)} | ${(read / xrange).toFixed(2)} |`,
  );
}
process.stderr.write('\n');

const table = [
  '| items per append | token-log append items/s | raw XADD items/s | ratio | token-log read items/s | raw XRANGE items/s | ratio |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows,
].join('\n');
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`pnpm bench:log\` on ${machineDescription()}, redis-server ${await redisVersion()}, AOF off, everything on one machine. ${STREAMS} streams × ${ITEMS_PER_STREAM.toLocaleString('en-US')} token items, one auto-pipelined connection per side, medians of ${RUNS} runs.`,
  '',
  table,
].join('\n');
console.log(table);

async function redisVersion(): Promise<string> {
  const info = (await client.info('server')) as string;
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

if (!(await rewriteBenchSection('log', section)))
  console.log('docs/benchmarks.md has no bench:log section; not written');

await log.close();
client.disconnect();
await server.stop();
