/**
 * Failing fast when Redis hangs (issue 13). A Redis that stops answering without closing its
 * connections (a stalled host, a SIGSTOP, a full network buffer) would hold every request and
 * delivery for the whole stall: ioredis has no deadline of its own here. Two parts:
 *
 * - `RedisWatch` pings Redis every `intervalMs`; a ping not answered within `timeoutMs` marks
 *   Redis hung until one is answered again, aborts `signal` and tells `whenHung`'s listeners:
 *   what waits on Redis (the live tail's `follow`) stops with `redis_unavailable`, which every
 *   transport tells its client as a resumable error.
 * - `withRedisDeadline` wraps a `TokenLog` so that each command a request makes fails with
 *   `redis_unavailable` after `timeoutMs` (at once while the watch says Redis is hung), and the
 *   `follow`s waiting when the watch fires stop (`TokenLog.interruptWaits`: one call, no
 *   listener per wait). `withQuotaDeadline` does the same for the per-API-key quota scripts
 *   (auth/quota-guard.ts), which creates and held connections wait on.
 *
 * A command given up on is not cancelled in ioredis: it is answered (and ignored) once Redis
 * resumes. Only the wait for it is bounded.
 */
import { SpoolError } from '@spool/protocol';
import { withTimeout } from '@spool/runtime';
import type { RedisQuotas, TokenLog } from '@spool/token-log';

export function redisTimeout(timeoutMs: number): SpoolError {
  return new SpoolError(
    'redis_unavailable',
    `Redis did not answer within ${timeoutMs} ms; retry (resume from your last offset).`,
  );
}

export interface RedisWatchOptions {
  ping: () => Promise<void>;
  /** How long a ping may take before Redis counts as hung. */
  timeoutMs: number;
  /** How often to ping. */
  intervalMs: number;
  /** Told when Redis becomes hung (with why) and when it answers again (undefined). */
  onChange?: (reason: SpoolError | undefined) => void;
}

export class RedisWatch {
  readonly #options: RedisWatchOptions;
  #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #pinging = false;
  readonly #hungListeners: ((reason: SpoolError) => void)[] = [];

  constructor(options: RedisWatchOptions) {
    this.#options = options;
  }

  /** Aborts (with `redis_unavailable`) when Redis stops answering; renewed once it answers. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get hung(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Calls `listener` each time Redis becomes hung, after `signal` aborted. */
  whenHung(listener: (reason: SpoolError) => void): void {
    this.#hungListeners.push(listener);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.check(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One ping (tests call it directly); concurrent checks share nothing and do not overlap. */
  async check(): Promise<void> {
    if (this.#pinging) return;
    this.#pinging = true;
    const { ping, timeoutMs, onChange } = this.#options;
    try {
      await withTimeout(ping(), { timeoutMs, onTimeout: () => redisTimeout(timeoutMs) });
      if (this.hung) {
        this.#controller = new AbortController();
        onChange?.(undefined);
      }
    } catch {
      if (!this.hung) {
        const reason = redisTimeout(timeoutMs);
        this.#controller.abort(reason);
        for (const listener of this.#hungListeners) listener(reason);
        onChange?.(reason);
      }
    } finally {
      this.#pinging = false;
    }
  }
}

type Watch = Pick<RedisWatch, 'signal' | 'hung' | 'whenHung'>;

/** Runs `work`, failing with `redis_unavailable` after `timeoutMs` or when `watch` fires. */
function bounded(watch: Watch, timeoutMs: number) {
  return <T>(work: () => Promise<T>): Promise<T> => {
    if (watch.hung) return Promise.reject(watch.signal.reason);
    return withTimeout(work(), {
      timeoutMs,
      onTimeout: () => redisTimeout(timeoutMs),
      signal: watch.signal,
    });
  };
}

/** The quota calls of `QuotaGuard`. */
export type QuotaStore = Pick<
  RedisQuotas,
  'countCreate' | 'takeSlot' | 'renewSlots' | 'slots' | 'releaseSlot'
>;

/** `quotas` with every call bounded like a token-log command. */
export function withQuotaDeadline(quotas: QuotaStore, watch: Watch, timeoutMs: number): QuotaStore {
  const bound = bounded(watch, timeoutMs);
  return {
    countCreate: (keyId, limit, windowMs) =>
      bound(() => quotas.countCreate(keyId, limit, windowMs)),
    takeSlot: (kind, keyId, slot) => bound(() => quotas.takeSlot(kind, keyId, slot)),
    renewSlots: (kind, keyId, members, leaseMs) =>
      bound(() => quotas.renewSlots(kind, keyId, members, leaseMs)),
    slots: (kind, keyId) => bound(() => quotas.slots(kind, keyId)),
    releaseSlot: (kind, keyId, member) => bound(() => quotas.releaseSlot(kind, keyId, member)),
  };
}

/** `log` with every command bounded by `timeoutMs` and every wait ended by `watch`. */
export function withRedisDeadline(log: TokenLog, watch: Watch, timeoutMs: number): TokenLog {
  const bound = bounded(watch, timeoutMs);
  watch.whenHung((reason) => log.interruptWaits(reason));
  const boundStop = (stop: () => Promise<void>) => () => bound(stop).catch(() => undefined);
  return {
    create: (input) => bound(() => log.create(input)),
    meta: (streamId) => bound(() => log.meta(streamId)),
    append: (input) => bound(() => log.append(input)),
    read: (streamId, from, limit) => bound(() => log.read(streamId, from, limit)),
    items: (streamId, options) => boundIterator(log.items(streamId, options), bound),
    follow: (streamId, from, options) =>
      watch.hung ? Promise.reject(watch.signal.reason) : log.follow(streamId, from, options),
    interruptWaits: (error) => log.interruptWaits(error),
    itemIndex: (streamId) => bound(() => log.itemIndex(streamId)),
    claimAttempt: (streamId, attempt) => bound(() => log.claimAttempt(streamId, attempt)),
    cancel: (streamId) => bound(() => log.cancel(streamId)),
    setChatStream: (chat, streamId) => bound(() => log.setChatStream(chat, streamId)),
    chatStream: (chat) => bound(() => log.chatStream(chat)),
    watchCancel: async (streamId, onCancel) =>
      boundStop(await bound(() => log.watchCancel(streamId, onCancel))),
    trim: (streamId, before) => bound(() => log.trim(streamId, before)),
    createSubscription: (streamId, from, id) =>
      bound(() => log.createSubscription(streamId, from, id)),
    readSubscription: (input) => bound(() => log.readSubscription(input)),
    ack: (streamId, subscription, offset) => bound(() => log.ack(streamId, subscription, offset)),
    watchAcks: async (streamId, subscription, onAck) =>
      boundStop(await bound(() => log.watchAcks(streamId, subscription, onAck))),
    pending: (streamId, subscription) => bound(() => log.pending(streamId, subscription)),
    takeOver: (streamId, subscription, consumer) =>
      bound(() => log.takeOver(streamId, subscription, consumer)),
    deleteSubscription: (streamId, subscription) =>
      bound(() => log.deleteSubscription(streamId, subscription)),
    close: () => log.close(),
  };
}

/** An iterator whose every step is bounded like a command. */
function boundIterator<T>(
  iterator: AsyncIterableIterator<T>,
  bound: <R>(work: () => Promise<R>) => Promise<R>,
): AsyncIterableIterator<T> {
  return {
    next: () => bound(() => iterator.next()),
    return: async (value?: unknown) => {
      // A generator cannot return while its step is pending; do not wait for a hung one.
      void iterator.return?.(value).catch(() => undefined);
      return { done: true, value: undefined as T };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
