/**
 * Baseline 1, reader process: `node raw-reader.ts <assignment.json>`. A bare XREAD BLOCK loop
 * over its streams on a few connections, each item checked exactly as the load clients check
 * theirs (offsets, content hash); reports `ConnectionReport`s like a client process.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { type ControlItem, controlFields } from '@spool/protocol';
import { connectRedis, decodeEntryItems } from '@spool/token-log';
import { StreamTracker } from '../client/stream-tracker.ts';
import {
  type ConnectionReport,
  newConnectionReport,
  type ProcessReport,
  type StartLine,
} from '../shared/assignment.ts';
import type { RawAssignment, RawStreamPlan } from './raw-streams.ts';

const assignment = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as RawAssignment;
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const now = () => performance.timeOrigin + performance.now();

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

interface Cursor {
  plan: RawStreamPlan;
  tracker: StreamTracker;
  lastId: string;
  report: ConnectionReport;
}

function cursorOf(plan: RawStreamPlan): Cursor {
  const tracker = new StreamTracker();
  const report = newConnectionReport({
    index: plan.index,
    system: 'raw',
    transport: 'xread',
    streamId: plan.key,
    subscribes: [{ at: start.epoch + plan.startAtMs, from: 0 }],
    chunks: tracker.chunks,
  });
  return { plan, tracker, lastId: '0-0', report };
}

function take(cursor: Cursor, entry: [string, string[]]): void {
  const [id, fields] = entry;
  cursor.lastId = id;
  const first = Number(fields[1]);
  const at = now();
  cursor.report.messages++;
  const items = decodeEntryItems(fields[3] as string, first);
  // One receive time per entry (what one XREAD reply element is), not per item.
  cursor.tracker.receipt(first, first + items.length, at);
  for (const item of items) {
    if (item.type === 'token') {
      cursor.tracker.tokens(item.offset, item.offset + 1, item.text, at, false);
    } else {
      cursor.tracker.control(item.type, controlFields(item as ControlItem), at, false);
    }
  }
}

async function readLoop(cursors: Cursor[], deadline: number): Promise<void> {
  const redis = connectRedis(url, { connectionName: 'bench-raw-reader' });
  let socket: Socket | undefined;
  redis.once('ready', () => {
    socket = (redis as unknown as { stream?: Socket }).stream;
  });
  let open = cursors;
  while (open.length > 0 && now() < deadline) {
    const keys = open.map((cursor) => cursor.plan.key);
    const ids = open.map((cursor) => cursor.lastId);
    const reply = (await redis.xread('COUNT', 256, 'BLOCK', 500, 'STREAMS', ...keys, ...ids)) as
      | [string, [string, string[]][]][]
      | null;
    for (const [key, entries] of reply ?? []) {
      const cursor = open.find((candidate) => candidate.plan.key === key);
      if (cursor) for (const entry of entries) take(cursor, entry);
    }
    open = open.filter((cursor) => !cursor.tracker.ended);
  }
  const bytes = socket?.bytesRead ?? 0;
  for (const cursor of cursors) cursor.report.bytes = bytes / cursors.length;
  redis.disconnect();
}

const cursors = assignment.streams.map(cursorOf);
const lanes = Math.max(1, Math.min(assignment.connections ?? 4, cursors.length));
const groups: Cursor[][] = Array.from({ length: lanes }, () => []);
for (const [index, cursor] of cursors.entries()) groups[index % lanes]?.push(cursor);
const deadline = start.epoch + assignment.deadlineMs;
const progress = setInterval(() => {
  const done = cursors.filter((cursor) => cursor.tracker.ended).length;
  const items = cursors.reduce((sum, cursor) => sum + cursor.tracker.next, 0);
  process.stdout.write(
    `${JSON.stringify({ type: 'progress', done, total: cursors.length, items })}\n`,
  );
}, 500);
await Promise.all(groups.map((group) => readLoop(group, deadline)));
clearInterval(progress);
const connections = cursors.map(({ tracker, report }) =>
  Object.assign(report, {
    hash: tracker.digest(),
    next: tracker.next,
    duplicates: tracker.duplicates,
    gaps: tracker.gaps,
    ended: tracker.ended,
    // As a client process's reader: one still open at the deadline was cut by it.
    failed: tracker.ended ? undefined : 'deadline',
  }),
);
const report: ProcessReport = { type: 'report', connections };
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
