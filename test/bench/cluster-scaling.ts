/**
 * `node test/bench/cluster-scaling.ts`: how the token log's Redis work spreads over the shards
 * of a Redis Cluster — the figures behind docs/deploy.md's shard count.
 *
 * For 1 and then 3 masters (interleaved, RUNS rounds), producer processes append to STREAMS
 * streams through `RedisTokenLog` on a `redis-cluster://` URL, one append of 5 items in flight
 * per stream as workers do, and a follower process tails every stream through the shared tail
 * (sharded pub/sub, one subscriber per master) as a gateway does. Measured per run: items/s,
 * the CPU each shard's redis-server spent (from /proc), its share of the commands and the
 * memory per stream. On a machine whose cores the clients saturate, throughput cannot grow with
 * shards; what the figures show is the work per item and how evenly it splits, from which a
 * shard count follows.
 *
 * Flags: --runs N (3), --streams N (300), --items N (1000 per stream), --producers N (2),
 * --batch N (5 items per append; children get it too).
 * Roles (internal): --producer URL FIRST COUNT ITEMS, --follower URL IDS_FILE ITEMS.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NewItem } from '@spool/protocol';
import { type RedisServer, startRedisCluster, startRedisServer } from '@spool/testing';
import { connectRedis, RedisTokenLog } from '@spool/token-log';
import { readProc } from './system/resource-sampler.ts';

const SELF = fileURLToPath(import.meta.url);
const KEY_PREFIX = 'scale:';
const CLUSTER_NODE = { maxPort: 55_535, companionOffsets: [10_000] };

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** Items per append: 1 is a model at 50 tokens/s on an idle worker (each token goes alone). */
const BATCH = flag('batch', 5);

/** Stream ids are ours to choose: spread evenly over hash slots like random ones. */
function streamId(index: number): string {
  return `st_scale${String(index).padStart(8, '0')}${'x'.repeat(8)}`;
}

function tokens(count: number): NewItem[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'token',
    block: 0,
    text: ` tok${index % 97}`,
  }));
}

function logOn(url: string): RedisTokenLog {
  // The subscriber defaults to ioredis's sharded subscribers on a Cluster (one per master).
  const redis = connectRedis(url, { maxRetriesPerRequest: null });
  return new RedisTokenLog({ redis, keyPrefix: KEY_PREFIX });
}

/** Waits for the parent's `go` line on stdin. */
async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') return;
}

async function producer(url: string, first: number, count: number, items: number): Promise<void> {
  const log = logOn(url);
  const ids = Array.from({ length: count }, (_, index) => streamId(first + index));
  await Promise.all(ids.map((id) => log.create({ id })));
  const batch = tokens(BATCH);
  console.log(JSON.stringify({ type: 'ready' }));
  await waitForGo();
  const started = performance.now();
  await Promise.all(
    ids.map(async (streamId) => {
      for (let at = 0; at < items; at += BATCH) {
        await log.append({ streamId, attempt: 1, at, items: batch });
      }
    }),
  );
  console.log(
    JSON.stringify({ type: 'done', items: count * items, ms: performance.now() - started }),
  );
  await log.close();
  process.exit(0);
}

async function follower(url: string, idsFile: string, items: number): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
  const log = logOn(url);
  console.log(JSON.stringify({ type: 'ready' }));
  await waitForGo();
  let received = 0;
  await Promise.all(
    ids.map(async (id) => {
      for (let from = 0; from < items; ) {
        const result = await log.follow(id, from, { limit: 1_000 });
        received += result.items.length;
        from = result.next;
      }
    }),
  );
  console.log(JSON.stringify({ type: 'done', items: received, ms: 0 }));
  await log.close();
  process.exit(0);
}

interface Child {
  go(): void;
  done: Promise<{ items: number; ms: number }>;
  ready: Promise<void>;
  pid: number;
}

function startChild(args: string[]): Child {
  const child = spawn(process.execPath, [SELF, ...args, '--batch', String(BATCH)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let onReady: () => void = () => {};
  let onDone: (value: { items: number; ms: number }) => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<{ items: number; ms: number }>((resolve, reject) => {
    onDone = resolve;
    child.once('exit', (code) => code !== 0 && reject(new Error(`${args[0]} exited ${code}`)));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { type: string; items: number; ms: number };
    if (message.type === 'ready') onReady();
    if (message.type === 'done') onDone(message);
  });
  return { go: () => child.stdin.write('go\n'), done, ready, pid: child.pid ?? -1 };
}

/** One master holding every slot: redis-cli refuses to create a cluster of fewer than 3. */
async function oneShardCluster(): Promise<{ servers: RedisServer[]; stop(): Promise<void> }> {
  const server = await startRedisServer({
    freePort: CLUSTER_NODE,
    extraArgs: [
      ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
      // A node that never met another announces no address, and clients cannot reach its slots.
      ...['--cluster-announce-ip', '127.0.0.1'],
    ],
  });
  const admin = connectRedis(server.url);
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  for (let tries = 0; tries < 100; tries++) {
    const info = String(await admin.call('CLUSTER', 'INFO'));
    if (info.includes('cluster_state:ok')) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  admin.disconnect();
  return { servers: [server], stop: () => server.stop() };
}

interface ShardUsage {
  cpu: number;
  calls: number;
  memory: number;
  netIn: number;
  netOut: number;
}

async function shardUsage(server: RedisServer): Promise<ShardUsage> {
  const client = connectRedis(server.url);
  const stats = String(await client.call('INFO', 'commandstats'));
  const memory = String(await client.call('INFO', 'memory'));
  const traffic = String(await client.call('INFO', 'stats'));
  client.disconnect();
  // Commands a script runs count here too (XADD, HSET, SPUBLISH inside append-items.lua).
  const calls = [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const field = (text: string, name: string) =>
    Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? 0);
  return {
    cpu: readProc(server.pid)?.cpu ?? 0,
    calls,
    memory: field(memory, 'used_memory'),
    netIn: field(traffic, 'total_net_input_bytes'),
    netOut: field(traffic, 'total_net_output_bytes'),
  };
}

interface RunFigures {
  shards: number;
  itemsPerSecond: number;
  redisCpuMicrosPerItem: number;
  busiestShardCpu: number;
  callShares: number[];
  callsPerItem: number;
  netInPerItem: number;
  netOutPerItem: number;
  bytesPerStream: number;
}

async function run(shards: number, options: Record<string, number>): Promise<RunFigures> {
  const { streams, items, producers } = options as Record<string, number> & {
    streams: number;
    items: number;
    producers: number;
  };
  const cluster =
    shards === 1 ? await oneShardCluster() : await startRedisCluster({ masters: shards });
  try {
    const url = `redis-cluster://${cluster.servers.map((s) => `${s.host}:${s.port}`).join(',')}`;
    const idsFile = join(tmpdir(), `cluster-scaling-${process.pid}.json`);
    writeFileSync(idsFile, JSON.stringify(Array.from({ length: streams }, (_, i) => streamId(i))));
    const per = Math.ceil(streams / producers);
    const children = Array.from({ length: producers }, (_, index) =>
      startChild([
        '--producer',
        url,
        String(index * per),
        String(Math.min(per, streams - index * per)),
        String(items),
      ]),
    );
    await Promise.all(children.map((child) => child.ready));
    const followerChild = startChild(['--follower', url, idsFile, String(items)]);
    await followerChild.ready;
    const before = await Promise.all(cluster.servers.map(shardUsage));
    const started = performance.now();
    for (const child of [...children, followerChild]) child.go();
    const results = await Promise.all(children.map((child) => child.done));
    const seconds = (performance.now() - started) / 1_000;
    const followed = await followerChild.done;
    const after = await Promise.all(cluster.servers.map(shardUsage));
    const total = results.reduce((sum, result) => sum + result.items, 0);
    if (followed.items !== total) throw new Error(`followed ${followed.items} of ${total} items`);
    const cpu = after.map((usage, index) => usage.cpu - (before[index]?.cpu ?? 0));
    const calls = after.map((usage, index) => usage.calls - (before[index]?.calls ?? 0));
    const callSum = calls.reduce((sum, value) => sum + value, 0);
    const delta = (key: 'netIn' | 'netOut') =>
      after.reduce((sum, usage, index) => sum + usage[key] - (before[index]?.[key] ?? 0), 0);
    const memory = after.reduce((sum, usage) => sum + usage.memory, 0);
    const baseline = before.reduce((sum, usage) => sum + usage.memory, 0);
    return {
      shards,
      itemsPerSecond: total / seconds,
      redisCpuMicrosPerItem: (cpu.reduce((sum, value) => sum + value, 0) / total) * 1e6,
      busiestShardCpu: Math.max(...cpu) / seconds,
      callShares: calls.map((value) => value / callSum),
      callsPerItem: callSum / total,
      netInPerItem: delta('netIn') / total,
      netOutPerItem: delta('netOut') / total,
      bytesPerStream: (memory - baseline) / streams,
    };
  } finally {
    await cluster.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const options = {
    runs: flag('runs', 3),
    streams: flag('streams', 300),
    items: flag('items', 1_000),
    producers: flag('producers', 2),
  };
  const byShards = new Map<number, RunFigures[]>([
    [1, []],
    [3, []],
  ]);
  for (let round = 1; round <= options.runs; round++) {
    for (const shards of byShards.keys()) {
      const figures = await run(shards, options);
      byShards.get(shards)?.push(figures);
      process.stderr.write(
        `round ${round}/${options.runs}, ${shards} shard(s): ${Math.round(figures.itemsPerSecond)} items/s\n`,
      );
    }
  }
  console.log(
    `\n${options.streams} streams × ${options.items} items, appends of ${BATCH} item(s), ${options.producers} producer processes, 1 follower; medians of ${options.runs}\n`,
  );
  console.log(
    '| shards | items/s | Redis CPU µs per item (all shards) | busiest shard CPU | command share per shard | commands per item | Redis bytes in / out per item | Redis memory per stream |',
  );
  console.log('| -: | -: | -: | -: | - | -: | -: | -: |');
  for (const [shards, runs] of byShards) {
    const shares = runs
      .at(-1)
      ?.callShares.map((share) => `${Math.round(share * 100)}%`)
      .join(' / ');
    console.log(
      `| ${shards} | ${Math.round(median(runs.map((r) => r.itemsPerSecond))).toLocaleString('en-US')} | ${median(runs.map((r) => r.redisCpuMicrosPerItem)).toFixed(2)} | ${Math.round(median(runs.map((r) => r.busiestShardCpu)) * 100)}% | ${shares} | ${median(runs.map((r) => r.callsPerItem)).toFixed(2)} | ${Math.round(median(runs.map((r) => r.netInPerItem)))} B / ${Math.round(median(runs.map((r) => r.netOutPerItem)))} B | ${Math.round(median(runs.map((r) => r.bytesPerStream))).toLocaleString('en-US')} B |`,
    );
  }
}

const role = process.argv[2];
if (role === '--producer') {
  const [url = '', first = '0', count = '0', items = '0'] = process.argv.slice(3);
  await producer(url, Number(first), Number(count), Number(items));
} else if (role === '--follower') {
  const [url = '', idsFile = '', items = '0'] = process.argv.slice(3);
  await follower(url, idsFile, Number(items));
} else {
  await main();
}
