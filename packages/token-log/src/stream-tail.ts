/**
 * Waits for new items of many streams at once, fed by the items that appends publish.
 *
 * Per stream, the waiters share one watch: its events channel is subscribed once, and each
 * append's message carries the batch it stored (notification-codec.ts), so a waiter at the end of
 * its stream is served from the message, with no read. The log is read — one read from the lowest
 * waiting offset serves the waiters in step with it (tail-watch.ts `readRange`) — only when a
 * message cannot serve: a waiter behind it (it missed earlier items), a gap (a lost message), a
 * header-only message, a length not known (a new watch, a reconnect), a stream that has ended. A
 * waiter that has waited `pollIntervalMs` with nothing heard from its stream is read for, in case
 * the last message was lost. Nothing blocks, so this works unchanged on Redis Cluster.
 *
 * No loss rests on offsets, not on messages: a waiter is only ever handed items that start exactly
 * at its offset, taken from a message (exactly what its append stored at `[from, to)`, and stored
 * items never change) or from a read that started at or below its offset while it waited (see
 * docs/decisions/2026-11-25-shared-tail.md). Messages may be late, lost, repeated or reordered:
 * that only delays.
 */
import { FINAL_STATUSES, type Item, SpoolError } from '@spool/protocol';
import { isFinal, notificationItemsOrNull, parseNotification } from './notification-codec.ts';
import { SignalWaits } from './signal-waits.ts';
import { type Clock, type ReadFunction, SYSTEM_CLOCK, type TailNotifier } from './tail-ports.ts';
import { batchResult, doneAt, SharedParts, sliceResult } from './tail-results.ts';
import {
  lingeredOut,
  needsRead,
  newWaiter,
  newWatch,
  readRange,
  UNHEARD_MESSAGES,
  type Waiter,
  type Watch,
  waitedUnheard,
  wantsRead,
} from './tail-watch.ts';
import type { ReadResult, WaitOptions } from './token-log.ts';

export interface StreamTailOptions {
  read: ReadFunction;
  notifier: TailNotifier;
  channelOf: (streamId: string) => string;
  /** How long a waiter at the end waits with nothing heard from its stream before it is read for. */
  pollIntervalMs: number;
  /** How long a quiet stream stays subscribed after its last waiter left (see `lingeredOut`). */
  lingerMs: number;
  defaultLimit: number;
  clock?: Clock;
}

export class StreamTail {
  readonly #options: StreamTailOptions;
  readonly #clock: Clock;
  readonly #watches = new Map<string, Watch>();
  readonly #signalWaits = new SignalWaits<Waiter, Watch>((waiter, watch, reason) => {
    this.#drop(watch, waiter);
    waiter.reject(reason);
  });
  readonly #stopPolling: () => void;
  readonly #stopResubscribed: () => void;

  constructor(options: StreamTailOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    // Checked twice per interval: a lost last message costs 1 to 1.5 intervals.
    this.#stopPolling = this.#clock.every(Math.max(1, options.pollIntervalMs / 2), () =>
      this.poll(),
    );
    this.#stopResubscribed = options.notifier.onResubscribed(() => {
      for (const watch of this.#watches.values()) {
        watch.stale = true;
        this.#schedule(watch);
      }
    });
  }

  /**
   * See TokenLog.follow. A wait costs no listener of its own: a signal gets one listener, for all
   * the waits it ever ends.
   */
  follow(streamId: string, from: number, options: WaitOptions = {}): Promise<ReadResult> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const watch = this.#watch(streamId);
    const limit = Math.max(1, options.limit ?? this.#options.defaultLimit);
    const result = this.#join(watch, from, limit, signal);
    if (watch.subscribed) this.#wake(watch);
    else void this.#wakeWhenListening(watch);
    return result;
  }

  /** Ends every wait now with `error` (Redis stopped answering); the streams stay watched. */
  interrupt(error: unknown): void {
    for (const watch of this.#watches.values()) this.#rejectAll(watch, error);
  }

  /** Streams currently subscribed (with waiters or lingering). */
  get watchedStreams(): number {
    return this.#watches.size;
  }

  /**
   * Reads for waiters that waited `pollIntervalMs` with nothing heard from their stream, and
   * unsubscribes streams idle for `lingerMs` (`pollIntervalMs` if they went on meanwhile). The
   * clock calls it; tests may call it.
   */
  poll(): void {
    const now = this.#clock.now();
    for (const watch of this.#watches.values()) {
      if (watch.waiters.size > 0) {
        if (waitedUnheard(watch, now, this.#options.pollIntervalMs)) {
          watch.stale = true;
          this.#schedule(watch);
        }
      } else if (lingeredOut(watch, now, this.#options)) {
        this.#unwatch(watch);
      }
    }
  }

  /** Unsubscribes a watch (a no-op for one already replaced, whose messages may still come). */
  #unwatch(watch: Watch): void {
    if (this.#watches.get(watch.streamId) !== watch) return;
    this.#watches.delete(watch.streamId);
    void watch.listening.then(
      (stop) => stop(),
      () => {},
    );
  }

  async close(): Promise<void> {
    this.#stopPolling();
    this.#stopResubscribed();
    const closed = new SpoolError('redis_unavailable', 'The token log is closing.');
    for (const watch of this.#watches.values()) {
      this.#rejectAll(watch, closed);
      (await watch.listening.catch(() => () => {}))();
    }
    this.#watches.clear();
  }

  #watch(streamId: string): Watch {
    const existing = this.#watches.get(streamId);
    if (existing) return existing;
    const watch = newWatch(streamId, this.#clock.now());
    watch.listening = this.#options.notifier.listen(this.#options.channelOf(streamId), (message) =>
      this.#onMessage(watch, message),
    );
    watch.listening.then(
      () => {
        watch.subscribed = true;
      },
      () => {
        if (this.#watches.get(streamId) === watch) this.#watches.delete(streamId);
      },
    );
    this.#watches.set(streamId, watch);
    return watch;
  }

  #join(
    watch: Watch,
    from: number,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<ReadResult> {
    const { waiter, result } = newWaiter(watch, from, limit, this.#clock.now(), signal);
    if (signal) this.#signalWaits.add(signal, waiter, watch);
    watch.waiters.add(waiter);
    return result;
  }

  /**
   * Reads start only once the channel is subscribed: an append between a read and the
   * subscription would go unheard.
   */
  async #wakeWhenListening(watch: Watch): Promise<void> {
    try {
      await watch.listening;
      watch.subscribed = true;
    } catch (error) {
      this.#rejectAll(watch, error);
    }
    this.#wake(watch);
  }

  /**
   * Reads, if a waiter needs it, once this turn's waiters have joined: the waiters of a stream
   * handed one message or read come back together, and one read serves them all.
   */
  #wake(watch: Watch): void {
    if (watch.waking) return;
    watch.waking = true;
    queueMicrotask(() => {
      watch.waking = false;
      if (needsRead(watch)) this.#schedule(watch);
    });
  }

  /**
   * Serves from the message every waiter whose offset lies in the batch, decoding its items once
   * and only if one does; the others read if they must (see wantsRead). A message in another
   * format says only "something changed": every waiter reads.
   */
  #onMessage(watch: Watch, message: string): void {
    if (watch.waiters.size === 0 && ++watch.heardIdle >= UNHEARD_MESSAGES && !watch.reading) {
      this.#unwatch(watch);
      return;
    }
    const notification = parseNotification(message);
    if (!notification) {
      watch.stale = true;
      this.#schedule(watch);
      return;
    }
    if (notification.to > watch.known) {
      watch.known = notification.to;
      watch.heardAt = this.#clock.now();
    }
    if (isFinal(notification)) watch.ended = true;
    let items: Item[] | null | undefined = notification.itemsAt < 0 ? null : undefined;
    let read = false;
    const shares = new SharedParts();
    for (const waiter of watch.waiters) {
      if (items !== null && waiter.from >= notification.from && waiter.from < notification.to) {
        items ??= notificationItemsOrNull(message, notification);
        if (items) {
          const batch = items;
          this.#settle(watch, waiter);
          waiter.resolve(
            shares.part(waiter.from, waiter.limit, () =>
              batchResult({ notification, items: batch, from: waiter.from, limit: waiter.limit }),
            ),
          );
          continue;
        }
      }
      read ||= wantsRead(watch, waiter);
    }
    if (read) this.#schedule(watch);
  }

  /** Starts the read loop unless it runs (it checks again after each read) or cannot yet. */
  #schedule(watch: Watch): void {
    if (watch.reading || !watch.subscribed || watch.waiters.size === 0) return;
    watch.reading = true;
    void this.#readLoop(watch);
  }

  async #readLoop(watch: Watch): Promise<void> {
    try {
      while (needsRead(watch)) {
        const { from, limit } = readRange(watch);
        watch.stale = false;
        const read = ++watch.reads;
        const result = await this.#options.read(watch.streamId, from, limit);
        this.#dispatch({ watch, result, readFrom: from, read });
      }
    } catch (error) {
      watch.stale = true;
      this.#rejectAll(watch, error);
    } finally {
      watch.reading = false;
    }
  }

  /**
   * Hands each waiter its part of read number `read`, which started at `readFrom`. A waiter that
   * joined while the read was in flight, asking for offsets below `readFrom`, is not in it at
   * all: it waits for the next read. Only a waiter that waited before the read started can be
   * told its offset is beyond the end: a later one may know of appends the read did not see.
   */
  #dispatch(input: { watch: Watch; result: ReadResult; readFrom: number; read: number }): void {
    const { watch, result, readFrom, read } = input;
    watch.heardAt = this.#clock.now();
    if (result.length > watch.known) watch.known = result.length;
    if (FINAL_STATUSES.has(result.status)) watch.ended = true;
    const shares = new SharedParts();
    for (const waiter of watch.waiters) {
      if (waiter.from < readFrom) continue;
      if (waiter.from > result.length) {
        if (waiter.readsBefore >= read) continue;
        this.#settle(watch, waiter);
        waiter.reject(
          new SpoolError('offset_out_of_range', undefined, { details: { value: result.length } }),
        );
      } else if (waiter.from < result.next) {
        this.#settle(watch, waiter);
        waiter.resolve(
          shares.part(waiter.from, waiter.limit, () =>
            sliceResult(result, waiter.from - readFrom, waiter.limit),
          ),
        );
      } else if (result.done) {
        this.#settle(watch, waiter);
        waiter.resolve(doneAt(result, waiter.from));
      }
    }
  }

  #settle(watch: Watch, waiter: Waiter): void {
    if (waiter.signal) this.#signalWaits.delete(waiter.signal, waiter);
    this.#drop(watch, waiter);
  }

  #drop(watch: Watch, waiter: Waiter): void {
    watch.waiters.delete(waiter);
    if (watch.waiters.size === 0) {
      watch.idleSince = this.#clock.now();
      watch.heardIdle = 0;
    }
  }

  #rejectAll(watch: Watch, error: unknown): void {
    for (const waiter of watch.waiters) {
      this.#settle(watch, waiter);
      waiter.reject(error);
    }
  }
}
