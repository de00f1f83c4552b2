/**
 * Waits for new items of many streams at once, on one shared subscriber connection.
 *
 * Per stream, the waiters share one watch: the events channel is subscribed once, and one read
 * from the lowest waiting offset serves every waiter (200 readers of one stream cost one read
 * per append, not 200). Pub/sub only says "length is now N"; the items always come from the log,
 * so a missed message delays but never loses: a periodic poll and a re-read after every
 * reconnect catch up. No blocking command is used, so this works unchanged on Redis Cluster,
 * where a multi-key XREAD across slots is refused.
 */
import { SpoolError } from '@spool/protocol';
import type { Notifier } from './notifier.ts';
import type { ReadResult, WaitOptions } from './token-log.ts';

export type ReadFunction = (streamId: string, from: number, limit: number) => Promise<ReadResult>;

interface Waiter {
  from: number;
  limit: number;
  resolve: (result: ReadResult) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

interface Watch {
  streamId: string;
  waiters: Set<Waiter>;
  listening: Promise<() => void>;
  reading: boolean;
  again: boolean;
  idleSince: number;
}

export interface StreamTailOptions {
  read: ReadFunction;
  notifier: Notifier;
  channelOf: (streamId: string) => string;
  /** How often streams with waiters are re-read in case a notification was missed. */
  pollIntervalMs: number;
  /** How long a stream stays subscribed after its last waiter left. */
  lingerMs: number;
  defaultLimit: number;
}

export class StreamTail {
  readonly #options: StreamTailOptions;
  readonly #watches = new Map<string, Watch>();
  readonly #timer: NodeJS.Timeout;
  readonly #stopResubscribed: () => void;

  constructor(options: StreamTailOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.#poll(), options.pollIntervalMs);
    this.#timer.unref();
    this.#stopResubscribed = options.notifier.onResubscribed(() => {
      for (const watch of this.#watches.values()) this.#schedule(watch);
    });
  }

  async follow(streamId: string, from: number, options: WaitOptions = {}): Promise<ReadResult> {
    options.signal?.throwIfAborted();
    const watch = this.#watch(streamId);
    const limit = options.limit ?? this.#options.defaultLimit;
    const result = new Promise<ReadResult>((resolve, reject) => {
      const waiter: Waiter = { from, limit, resolve, reject, cleanup: () => {} };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => {
          this.#drop(watch, waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      watch.waiters.add(waiter);
    });
    // The caller sees the outcome through the returned promise; this only stops an abort
    // during the subscribe from counting as an unhandled rejection.
    result.catch(() => {});
    try {
      await watch.listening;
    } catch (error) {
      this.#rejectAll(watch, error);
    }
    this.#schedule(watch);
    return result;
  }

  /** Streams currently subscribed (with waiters or lingering). */
  get watchedStreams(): number {
    return this.#watches.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopResubscribed();
    const closed = new SpoolError('redis_unavailable', 'The token log is closing.');
    for (const watch of this.#watches.values()) {
      this.#rejectAll(watch, closed);
      (await watch.listening.catch(() => () => {}))();
    }
    this.#watches.clear();
  }

  #watch(streamId: string): Watch {
    let watch = this.#watches.get(streamId);
    if (!watch) {
      const created: Watch = {
        streamId,
        waiters: new Set(),
        listening: Promise.resolve(() => {}),
        reading: false,
        again: false,
        idleSince: 0,
      };
      created.listening = this.#options.notifier.listen(
        this.#options.channelOf(streamId),
        (message) => this.#onLength(created, Number(message)),
      );
      created.listening.catch(() => this.#watches.delete(streamId));
      this.#watches.set(streamId, created);
      watch = created;
    }
    return watch;
  }

  #onLength(watch: Watch, length: number): void {
    for (const waiter of watch.waiters) {
      if (waiter.from < length) {
        this.#schedule(watch);
        return;
      }
    }
  }

  #schedule(watch: Watch): void {
    if (watch.waiters.size === 0) return;
    if (watch.reading) {
      watch.again = true;
      return;
    }
    watch.reading = true;
    void this.#readLoop(watch);
  }

  async #readLoop(watch: Watch): Promise<void> {
    try {
      while (watch.waiters.size > 0) {
        watch.again = false;
        let from = Number.POSITIVE_INFINITY;
        let limit = 1;
        for (const waiter of watch.waiters) {
          from = Math.min(from, waiter.from);
          limit = Math.max(limit, waiter.limit);
        }
        const result = await this.#options.read(watch.streamId, from, limit);
        const behind = this.#dispatch(watch, result, from);
        if (!watch.again && !behind) break;
      }
    } catch (error) {
      this.#rejectAll(watch, error);
    } finally {
      watch.reading = false;
    }
  }

  /**
   * Hands each waiter its part of a read that started at `readFrom`; true when some waiter still
   * has items to fetch. A waiter that arrived while the read was in flight, asking for offsets
   * below `readFrom`, is not in this read at all: it waits for the next one.
   */
  #dispatch(watch: Watch, result: ReadResult, readFrom: number): boolean {
    let behind = false;
    for (const waiter of watch.waiters) {
      if (waiter.from < readFrom) {
        behind = true;
      } else if (waiter.from > result.length) {
        this.#settle(watch, waiter);
        waiter.reject(
          new SpoolError('offset_out_of_range', undefined, { details: { value: result.length } }),
        );
      } else if (waiter.from < result.next) {
        const start = waiter.from - readFrom;
        const end = Math.min(result.items.length, start + waiter.limit);
        this.#settle(watch, waiter);
        waiter.resolve(sliceResult(result, start, end));
      } else if (result.done) {
        this.#settle(watch, waiter);
        waiter.resolve({ ...result, items: [], appendedAt: [], next: waiter.from });
      } else if (waiter.from < result.length) {
        behind = true;
      }
    }
    return behind;
  }

  #settle(watch: Watch, waiter: Waiter): void {
    waiter.cleanup();
    this.#drop(watch, waiter);
  }

  #drop(watch: Watch, waiter: Waiter): void {
    watch.waiters.delete(waiter);
    if (watch.waiters.size === 0) watch.idleSince = Date.now();
  }

  #rejectAll(watch: Watch, error: unknown): void {
    for (const waiter of watch.waiters) {
      this.#settle(watch, waiter);
      waiter.reject(error);
    }
  }

  #poll(): void {
    const now = Date.now();
    for (const watch of this.#watches.values()) {
      if (watch.waiters.size > 0) {
        this.#schedule(watch);
      } else if (!watch.reading && now - watch.idleSince >= this.#options.lingerMs) {
        this.#watches.delete(watch.streamId);
        void watch.listening.then(
          (stop) => stop(),
          () => {},
        );
      }
    }
  }
}

function sliceResult(result: ReadResult, start: number, end: number): ReadResult {
  const items = result.items.slice(start, end);
  const next = items.length > 0 ? (items[items.length - 1]?.offset ?? 0) + 1 : result.next;
  return {
    ...result,
    items,
    appendedAt: result.appendedAt.slice(start, end),
    next,
    done: result.done && next === result.length,
  };
}
