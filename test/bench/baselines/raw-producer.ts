/**
 * Baseline 1, producer process: `node raw-producer.ts <assignment.json>`. Runs the synthetic
 * model for each stream and XADDs its items as they come, batching only what is ready in the
 * same turn of the event loop (at most 32 items per entry), pipelined, never awaited one by one.
 * Same stdio protocol as the client processes; its report gives each stream's start time.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Item } from '@spool/protocol';
import { connectRedis, encodeEntryItems } from '@spool/token-log';
import type { StartLine } from '../shared/assignment.ts';
import type { RawAssignment, RawStreamPlan } from './raw-streams.ts';
import { timedItems } from './synthetic-source.ts';

const MAX_ITEMS_PER_ENTRY = 32;
const assignment = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as RawAssignment;
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  connectionName: 'bench-raw-producer',
});

const start = await new Promise<StartLine>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as StartLine;
    if (message.type === 'start') {
      lines.close();
      resolve(message);
    }
  });
  process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
});

const now = () => performance.timeOrigin + performance.now();
const starts: Record<number, number> = {};
const deadline = AbortSignal.timeout(Math.max(1, start.epoch + assignment.deadlineMs - Date.now()));

async function produce(plan: RawStreamPlan): Promise<void> {
  const wait = start.epoch + plan.startAtMs - now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  starts[plan.index] = now();
  let batch: Item[] = [];
  let scheduled = false;
  const writes: Promise<unknown>[] = [];
  const flush = () => {
    scheduled = false;
    if (batch.length === 0) return;
    const first = batch[0]?.offset ?? 0;
    writes.push(redis.xadd(plan.key, '*', 'f', String(first), 'd', encodeEntryItems(batch)));
    batch = [];
  };
  const id = `raw-${plan.index}`;
  for await (const item of timedItems(id, plan, deadline)) {
    batch.push(item);
    if (batch.length >= MAX_ITEMS_PER_ENTRY) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
  flush();
  await Promise.all(writes);
}

await Promise.all(assignment.streams.map((plan) => produce(plan).catch(() => undefined)));
process.stdout.write(`${JSON.stringify({ type: 'report', starts })}\n`, () => process.exit(0));
