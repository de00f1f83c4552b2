/**
 * One stream's state in the shared tail (stream-tail.ts): its waiters, what it knows of the
 * stream's length, and the rules that say when the log must be read. Pure: no I/O.
 */
import type { ReadResult } from './token-log.ts';

export interface Waiter {
  from: number;
  limit: number;
  /** When it began to wait (clock ms). */
  since: number;
  /** Reads of its stream started before it joined: reads numbered above this one saw it. */
  readsBefore: number;
  resolve: (result: ReadResult) => void;
  reject: (error: unknown) => void;
  /** Ends the wait when aborted (stream-tail.ts keeps one listener per signal, not per wait). */
  signal: AbortSignal | undefined;
}

export interface Watch {
  streamId: string;
  waiters: Set<Waiter>;
  listening: Promise<() => void>;
  subscribed: boolean;
  reading: boolean;
  /** A check for reads is queued for the end of this turn (stream-tail.ts). */
  waking: boolean;
  /** Reads started so far: numbers them. */
  reads: number;
  /** The stream's length as last heard (a message's end, a read's length); it only grows. */
  known: number;
  /** `known` may be behind the log (new watch, reconnect, poll): every waiter reads once. */
  stale: boolean;
  /** The stream ended (at `known`): nothing more will be published, so its waiters read. */
  ended: boolean;
  /** When a read completed or a message moved `known` on. */
  heardAt: number;
  idleSince: number;
  /** Messages that came since the last waiter left: the stream goes on while nobody here waits. */
  heardIdle: number;
}

function ignore(): void {}

/** A waiter of `watch` (not added to it yet) and the promise its `resolve` and `reject` settle. */
export function newWaiter(
  watch: Watch,
  from: number,
  limit: number,
  now: number,
  signal: AbortSignal | undefined,
): { waiter: Waiter; result: Promise<ReadResult> } {
  const waiter: Waiter = {
    from,
    limit,
    since: now,
    readsBefore: watch.reads,
    resolve: ignore,
    reject: ignore,
    signal,
  };
  const result = new Promise<ReadResult>((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  // The caller sees the outcome through `result`; this only stops an abort during the
  // subscribe from counting as an unhandled rejection.
  result.catch(ignore);
  return { waiter, result };
}

/** A watch that knows nothing yet: its first waiters read. */
export function newWatch(streamId: string, now: number): Watch {
  return {
    streamId,
    waiters: new Set(),
    listening: Promise.resolve(() => {}),
    subscribed: false,
    reading: false,
    waking: false,
    reads: 0,
    known: 0,
    stale: true,
    ended: false,
    heardAt: now,
    idleSince: now,
    heardIdle: 0,
  };
}

/**
 * Whether a waiter needs a read: every one does but a waiter exactly at the known end of a live
 * stream, which the next message will serve.
 */
export function wantsRead(watch: Watch, waiter: Waiter): boolean {
  return watch.stale || watch.ended || waiter.from !== watch.known;
}

export function needsRead(watch: Watch): boolean {
  for (const waiter of watch.waiters) if (wantsRead(watch, waiter)) return true;
  return false;
}

/** The most items one shared read asks for, however many waiters it covers. */
export const MAX_SHARED_READ = 2_048;

/**
 * One read for the waiters it can serve: from the lowest offset any waits for, through what each
 * waiter it reaches can take (`from + limit`), reaching a waiter whose offset lies within the range
 * so far (readers in step cover each other). Waiters beyond a gap are left to the next read, and
 * the range stops at `MAX_SHARED_READ` items.
 */
export function readRange(watch: Watch): { from: number; limit: number } {
  const waiters = [...watch.waiters].sort((a, b) => a.from - b.from);
  const from = waiters[0]?.from ?? 0;
  let to = from + 1;
  for (const waiter of waiters) {
    if (waiter.from > to) break;
    to = Math.max(to, waiter.from + waiter.limit);
  }
  return { from, limit: Math.min(to - from, MAX_SHARED_READ) };
}

/**
 * Messages a stream may send while nobody here waits before it is unsubscribed at once: its
 * readers stopped taking while it goes on fast (one waiting for an ack between windows misses a
 * few, not this many).
 */
export const UNHEARD_MESSAGES = 64;

/**
 * Whether a watch nobody waits on has lingered long enough to be unsubscribed: `lingerMs` after its
 * last waiter left, or `pollIntervalMs` once a message came meanwhile (the stream goes on while its
 * readers here take nothing, and every message costs its bytes for nothing).
 */
export function lingeredOut(
  watch: Watch,
  now: number,
  intervals: { pollIntervalMs: number; lingerMs: number },
): boolean {
  if (watch.reading) return false;
  const linger = watch.heardIdle > 0 ? intervals.pollIntervalMs : intervals.lingerMs;
  return now - watch.idleSince >= linger;
}

/**
 * Whether some waiter has waited `intervalMs` while nothing was heard from its stream (no read,
 * no message that moved its length on): the last message may have been lost.
 */
export function waitedUnheard(watch: Watch, now: number, intervalMs: number): boolean {
  if (now - watch.heardAt < intervalMs) return false;
  for (const waiter of watch.waiters) if (now - waiter.since >= intervalMs) return true;
  return false;
}
