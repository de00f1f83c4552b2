/**
 * A load process of the durable-streams scenario: `node ds-client-process.ts <assignment.json>`,
 * the same stdio protocol as client-process.ts (ready → start line → report). One role each:
 *
 * - `append`: one producer per stream, all at once, each POSTing its messages one at a time
 *   (with `Producer-Id/Epoch/Seq` when `idempotent`);
 * - `catch-up`: reads each stream from `-1` to its tail, all at once, checking every message;
 * - `live-producer`: POSTs its messages at a steady pace, noting when each answer came, then
 *   closes the stream;
 * - `live-readers`: long-poll and SSE readers following the stream from `-1` until it closes,
 *   noting when each message arrived.
 *
 * Times are ms since 1970 (`performance.timeOrigin + now()`): producer and readers are
 * different processes on one machine, and the harness joins their times by seq.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  append,
  catchUp,
  closeStream,
  followLongPoll,
  followSse,
  nowMs,
} from './client/ds-http.ts';
import type {
  DsAppendReport,
  DsAssignment,
  DsCatchUpReport,
  DsLiveProducerReport,
  DsLiveReaderReport,
} from './shared/ds-assignment.ts';
import { addIntegrity, DsMessageCheck, dsMessage, noFaults } from './shared/ds-messages.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: ds-client-process.ts <assignment.json>');
const assignment = JSON.parse(readFileSync(path, 'utf8')) as DsAssignment;

const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => {
  lines.on('line', (line) => {
    if ((JSON.parse(line) as { type: string }).type === 'start') resolve();
  });
  process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
});

const report = await run(assignment);
lines.close();
process.stdout.write(`${JSON.stringify({ type: 'report', ...report })}\n`, () => process.exit(0));

async function run(task: DsAssignment): Promise<Record<string, unknown>> {
  switch (task.role) {
    case 'append':
      return { append: await appendAll(task) };
    case 'catch-up':
      return { catchUp: await catchUpAll(task) };
    case 'live-producer':
      return { producer: await produceLive(task) };
    case 'live-readers':
      return { readers: await readLive(task) };
  }
}

async function appendAll(task: Extract<DsAssignment, { role: 'append' }>): Promise<DsAppendReport> {
  const started = performance.now();
  let bytes = 0;
  await Promise.all(
    task.streamUrls.map(async (url, producer) => {
      for (let seq = 0; seq < task.messages; seq++) {
        const body = dsMessage(producer, seq, task.bytes);
        bytes += body.length;
        await append(
          url,
          body,
          task.idempotent ? { id: `bench-${producer}`, epoch: 0, seq } : undefined,
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  return { posts: task.streamUrls.length * task.messages, bytes, seconds };
}

async function catchUpAll(
  task: Extract<DsAssignment, { role: 'catch-up' }>,
): Promise<DsCatchUpReport> {
  const started = performance.now();
  const outcomes = await Promise.all(task.streamUrls.map((url) => catchUp(url)));
  const seconds = (performance.now() - started) / 1_000;
  const integrity = noFaults();
  outcomes.forEach((outcome, producer) => {
    const check = new DsMessageCheck(producer, task.messages, task.bytes);
    for (const message of outcome.messages) check.add(message);
    addIntegrity(integrity, check.result());
  });
  return {
    bytes: outcomes.reduce((sum, outcome) => sum + outcome.bytes, 0),
    messages: outcomes.reduce((sum, outcome) => sum + outcome.messages.length, 0),
    requests: outcomes.reduce((sum, outcome) => sum + outcome.requests, 0),
    seconds,
    integrity,
  };
}

async function produceLive(
  task: Extract<DsAssignment, { role: 'live-producer' }>,
): Promise<DsLiveProducerReport> {
  const sentAt: number[] = [];
  const answeredAt: number[] = [];
  const started = performance.now();
  for (let seq = 0; seq < task.messages; seq++) {
    // A steady schedule, not a sleep after each answer: a slow answer does not slow the pace.
    const wait = started + seq * task.intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.push(nowMs());
    await append(task.streamUrl, dsMessage(0, seq, task.bytes));
    answeredAt.push(nowMs());
  }
  await closeStream(task.streamUrl);
  return { sentAt, answeredAt };
}

async function readLive(
  task: Extract<DsAssignment, { role: 'live-readers' }>,
): Promise<DsLiveReaderReport[]> {
  const signal = AbortSignal.timeout(task.deadlineMs);
  const modes = [
    ...Array.from({ length: task.longPoll }, () => 'long-poll' as const),
    ...Array.from({ length: task.sse }, () => 'sse' as const),
  ];
  return Promise.all(
    modes.map(async (mode): Promise<DsLiveReaderReport> => {
      const check = new DsMessageCheck(0, task.messages, task.bytes);
      const receivedAt: (number | null)[] = Array.from({ length: task.messages }, () => null);
      const incidents: string[] = [];
      const onMessage = (message: string, at: number, where: () => string) => {
        const before = check.faults();
        const seq = check.add(message);
        if (seq >= 0 && receivedAt[seq] === null) receivedAt[seq] = at;
        if (check.faults() > before && incidents.length < 3) {
          incidents.push(`seq ${seq} again or out of order (${where()})`);
        }
      };
      const follow = mode === 'sse' ? followSse : followLongPoll;
      try {
        const requests = await follow(task.streamUrl, onMessage, signal);
        return { mode, receivedAt, requests, integrity: check.result(), incidents };
      } catch (error) {
        return {
          mode,
          receivedAt,
          requests: 0,
          integrity: check.result(),
          incidents,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
}
