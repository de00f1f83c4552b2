/**
 * A reader process of `ReaderPool` (`reader-pool.ts`), forked with an IPC channel and its share
 * of the streams as its argument (JSON): it says `ready`, waits for `start`, reads them all
 * (`mixed-readers.ts`), answers `waiting` queries about its readers' progress meanwhile, and
 * sends back each stream's record (or why it failed) with its own `performance.timeOrigin`, so
 * the parent can put the arrival times on its clock, and its event loop's delay.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startMixedReader } from './mixed-readers.ts';
import type { ReaderJob, ReaderProcessMessage, ReaderProcessReport } from './reader-pool.ts';
import { StreamRecord } from './stream-record.ts';

function send(message: ReaderProcessReport): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

const job = JSON.parse(process.argv[2] ?? '') as ReaderJob;
const records = job.streams.map(({ id }) => new StreamRecord(id));
/** Readers not at their end whose last chunk came before `since` (wall clock, ms). */
function waitingSince(since: number): number {
  const at = since - performance.timeOrigin;
  return records.filter(
    (record) => !record.ended && (record.arrivals.at(-1)?.at ?? Number.NEGATIVE_INFINITY) < at,
  ).length;
}
const started = new Promise<void>((resolve) => {
  process.on('message', (message: ReaderProcessMessage) => {
    if (message.type === 'start') resolve();
    if (message.type === 'waiting')
      void send({ type: 'waiting', query: message.query, count: waitingSince(message.since) });
  });
});
await send({ type: 'ready' });
await started;

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const signal = AbortSignal.timeout(job.timeoutMs);
const settled = await Promise.allSettled(
  job.streams.map(({ id, index }, position) =>
    startMixedReader({ id, index, urls: job.urls, signal, record: records[position] }),
  ),
);
loop.disable();
await send({
  type: 'done',
  timeOrigin: performance.timeOrigin,
  results: settled.map((result) =>
    result.status === 'fulfilled'
      ? { record: result.value.snapshot() }
      : { error: String(result.reason) },
  ),
  loopDelayMs: {
    p50: loop.percentile(50) / 1e6,
    p99: loop.percentile(99) / 1e6,
    max: loop.max / 1e6,
  },
});
process.disconnect();
process.exit(0);
