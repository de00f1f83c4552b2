/**
 * What the shared tail (stream-tail.ts) is given: how to read a stream, how to listen to its
 * notifications, and time — the ports a test replaces (test/tail-model.ts) to drive the tail
 * through any interleaving.
 */
import type { ReadResult } from './token-log.ts';

export type ReadFunction = (streamId: string, from: number, limit: number) => Promise<ReadResult>;

/** What the tail needs of the process's listeners (notifier.ts). */
export interface TailNotifier {
  /** Resolves once the channel is subscribed; the returned function stops listening. */
  listen(channel: string, listener: (message: string) => void): Promise<() => void>;
  /** `callback` runs after every reconnect: messages may have been lost meanwhile. */
  onResubscribed(callback: () => void): () => void;
}

/** Time for the tail's poll and linger: the system's, or a test's. */
export interface Clock {
  now(): number;
  /** Calls `callback` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, callback: () => void): () => void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  every(intervalMs, callback) {
    const timer = setInterval(callback, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};
