/**
 * A load client process: `node client-process.ts <assignment.json>`. Runs many connections
 * (raw WebSocket and SSE readers, not the SDK: cheaper per connection), so that the harness
 * does not measure itself.
 *
 * Protocol on stdio, one JSON object per line: it prints `{"type":"ready"}`, waits for the
 * harness's start line on stdin (`StartLine`: the common epoch and the ids of the streams to
 * join), prints `progress` lines while it runs and one `report` line at the end, then exits.
 * A `release` line on stdin later lets readers that hold (behaviour `hold`) read again.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { StreamReader } from './client/stream-reader.ts';
import type {
  ClientAssignment,
  ProcessReport,
  ProgressLine,
  ReleaseLine,
  StartLine,
} from './shared/assignment.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: client-process.ts <assignment.json>');
const assignment = JSON.parse(readFileSync(path, 'utf8')) as ClientAssignment;

const lines = createInterface({ input: process.stdin });
let onRelease: () => void = () => undefined;
const start = await new Promise<StartLine>((resolve) => {
  lines.on('line', (line) => {
    const message = JSON.parse(line) as StartLine | ReleaseLine;
    if (message.type === 'start') resolve(message);
    else if (message.type === 'release') onRelease();
  });
  process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
});

const deadline = new AbortController();
const untilDeadline = start.epoch + assignment.deadlineMs - Date.now();
const deadlineTimer = setTimeout(
  () => deadline.abort(new Error('deadline')),
  Math.max(0, untilDeadline),
);
const context = { epoch: start.epoch, streams: start.streams, deadline: deadline.signal };
const readers = assignment.connections.map((plan) => new StreamReader(plan, context));
onRelease = () => {
  for (const reader of readers) reader.release();
};

const progress = setInterval(() => {
  const line: ProgressLine = {
    type: 'progress',
    done: readers.filter((reader) => reader.done).length,
    total: readers.length,
    items: readers.reduce((sum, reader) => sum + reader.tracker.next, 0),
    held: readers.filter((reader) => reader.holding).length,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}, 500);

const connections = await Promise.all(readers.map((reader) => reader.run()));
clearInterval(progress);
clearTimeout(deadlineTimer);
lines.close();
const report: ProcessReport = { type: 'report', connections };
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
