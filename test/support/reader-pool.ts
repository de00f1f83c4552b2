/**
 * Readers in child processes: the streams dealt round-robin over a few forked Node processes
 * (`reader-process.ts`), so that the process measuring pauses is not the one starved by hundreds
 * of readers (on a 2-core machine one reader process's own stalls were a second, counted in
 * every pause it measured). Records come back with their arrival times on this process's clock.
 */
import { fork } from 'node:child_process';
import { StreamRecord, type StreamRecordSnapshot } from './stream-record.ts';

/** A reader process's share of the work, its command-line argument. */
export interface ReaderJob {
  streams: { id: string; index: number }[];
  urls: string[];
  timeoutMs: number;
}

export type ReaderProcessMessage =
  | { type: 'start' }
  /** How many of its readers, not yet at their stream's end, have had no chunk since `since`. */
  | { type: 'waiting'; query: number; since: number };

export type ReaderProcessReport =
  | { type: 'ready' }
  | { type: 'waiting'; query: number; count: number }
  | {
      type: 'done';
      timeOrigin: number;
      results: ({ record: StreamRecordSnapshot } | { error: string })[];
      loopDelayMs: { p50: number; p99: number; max: number };
    };

export interface PoolResult {
  /** One per stream, in the order given: its record, or why its reader failed. */
  settled: PromiseSettledResult<StreamRecord>[];
  /** Each reader process's event loop delay while it read. */
  loopDelayMs: { p50: number; p99: number; max: number }[];
}

const READER_SCRIPT = new URL('./reader-process.ts', import.meta.url);

export class ReaderPool {
  readonly #children: ReturnType<typeof fork>[] = [];
  readonly #reports: Promise<Extract<ReaderProcessReport, { type: 'done' }>>[] = [];
  readonly #order: number[][] = [];
  readonly #count: number;
  #queries = 0;

  private constructor(count: number) {
    this.#count = count;
  }

  /** Forks `processes` readers, hands each its streams and resolves when all are ready. */
  static async start(input: {
    processes: number;
    ids: string[];
    urls: string[];
    timeoutMs: number;
  }): Promise<ReaderPool> {
    const pool = new ReaderPool(input.ids.length);
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < input.processes; slot++) {
      const indexes = input.ids.flatMap((_, index) =>
        index % input.processes === slot ? [index] : [],
      );
      const job: ReaderJob = {
        streams: indexes.map((index) => ({ id: input.ids[index] ?? '', index })),
        urls: input.urls,
        timeoutMs: input.timeoutMs,
      };
      const child = fork(READER_SCRIPT, [JSON.stringify(job)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      pool.#children.push(child);
      pool.#order.push(indexes);
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) =>
          reject(new Error(`reader process ${child.pid} exited (${code ?? signal})`)),
        ),
      );
      const message = (type: ReaderProcessReport['type']) =>
        Promise.race([
          new Promise<ReaderProcessReport>((resolve) => {
            const listener = (report: ReaderProcessReport) => {
              if (report.type !== type) return;
              child.off('message', listener);
              resolve(report);
            };
            child.on('message', listener);
          }),
          exited,
        ]);
      ready.push(message('ready').then(() => undefined));
      pool.#reports.push(
        message('done') as Promise<Extract<ReaderProcessReport, { type: 'done' }>>,
      );
      pool.#reports.at(-1)?.catch(() => undefined);
    }
    await Promise.all(ready);
    return pool;
  }

  /** Starts every reader at once (each process on its `start` message). */
  begin(): void {
    for (const child of this.#children)
      child.send({ type: 'start' } satisfies ReaderProcessMessage);
  }

  /**
   * Waits until every reader not yet at its stream's end has had a chunk since `since` (a
   * `Date.now()` time), polling, or until `limitMs` have passed: how many still had none then.
   */
  async untilAllReadSince(since: number, limitMs: number): Promise<number> {
    const deadline = performance.now() + limitMs;
    for (;;) {
      const waiting = await this.#waitingSince(since);
      if (waiting === 0 || performance.now() >= deadline) return waiting;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Readers with no chunk since `since`, summed over the processes still running. */
  async #waitingSince(since: number): Promise<number> {
    const query = ++this.#queries;
    const counts = this.#children.map(
      (child) =>
        new Promise<number>((resolve) => {
          if (!child.connected) return resolve(0);
          const done = (count: number) => {
            child.off('message', listener);
            child.off('exit', exited);
            resolve(count);
          };
          const listener = (report: ReaderProcessReport) => {
            if (report.type === 'waiting' && report.query === query) done(report.count);
          };
          const exited = () => done(0);
          child.on('message', listener);
          child.once('exit', exited);
          child.send({ type: 'waiting', query, since } satisfies ReaderProcessMessage);
        }),
    );
    return (await Promise.all(counts)).reduce((sum, count) => sum + count, 0);
  }

  /** Waits for every process's records. A process that dies fails all of its streams. */
  async results(): Promise<PoolResult> {
    const settled: PromiseSettledResult<StreamRecord>[] = new Array(this.#count);
    const loopDelayMs: PoolResult['loopDelayMs'] = [];
    const reports = await Promise.allSettled(this.#reports);
    reports.forEach((report, slot) => {
      const indexes = this.#order[slot] ?? [];
      if (report.status === 'rejected') {
        for (const index of indexes) settled[index] = { status: 'rejected', reason: report.reason };
        return;
      }
      loopDelayMs.push(report.value.loopDelayMs);
      const shift = report.value.timeOrigin - performance.timeOrigin;
      report.value.results.forEach((result, position) => {
        const index = indexes[position] ?? -1;
        settled[index] =
          'record' in result
            ? { status: 'fulfilled', value: StreamRecord.fromSnapshot(result.record, shift) }
            : { status: 'rejected', reason: result.error };
      });
    });
    return { settled, loopDelayMs };
  }

  /** Kills any reader process still running (after a failed test). */
  stop(): void {
    for (const child of this.#children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}
