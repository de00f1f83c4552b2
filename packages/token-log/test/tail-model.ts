/**
 * Pure fakes for the model test of the shared tail (tail-model.test.ts): a log in memory, a
 * notifier whose messages the test delivers late, twice, out of order or never, reads that answer
 * when the test says, and a clock the test moves. No Redis: this is the tail's logic alone.
 */
import {
  FINAL_STATUSES,
  type Item,
  type NewItem,
  SpoolError,
  type StreamStatus,
} from '@spool/protocol';
import { decodeEntryItems, encodeEntryItems, splitIntoEntries } from '../src/entry-codec.ts';
import { encodeNotification } from '../src/notification-codec.ts';
import type { Clock, TailNotifier } from '../src/tail-ports.ts';
import type { ReadResult } from '../src/token-log.ts';

/** One stream's log: what read-items.lua and entry-codec.ts would answer. */
export class ModelLog {
  readonly items: Item[] = [];
  /** Each item as JSON, to compare what readers get. */
  readonly encoded: string[] = [];
  readonly appendedAt: number[] = [];
  status: StreamStatus = 'queued';

  get length(): number {
    return this.items.length;
  }

  get ended(): boolean {
    return FINAL_STATUSES.has(this.status);
  }

  /** Appends `count` items (the last one `end` when `final`); returns the message to publish. */
  append(input: { count: number; final: boolean; time: number; headerOnly: boolean }): string {
    const from = this.length;
    const batch: NewItem[] = [];
    for (let offset = from; offset < from + input.count; offset++) {
      batch.push({ type: 'token', block: Math.floor(offset / 3), text: `${offset}` });
    }
    if (input.final) batch.push({ type: 'end', finish_reason: 'stop' });
    const entries = splitIntoEntries(batch, 2).map((entry) => encodeEntryItems(entry));
    for (const data of entries) {
      for (const item of decodeEntryItems(data, this.length)) {
        this.items.push(item);
        this.encoded.push(JSON.stringify(item));
        this.appendedAt.push(input.time);
      }
    }
    this.status = input.final ? 'done' : 'running';
    return encodeNotification({
      from,
      to: this.length,
      appendedAt: input.time,
      status: this.status,
      epoch: 'e0',
      entries,
      maxBytes: input.headerOnly ? 0 : Number.POSITIVE_INFINITY,
    });
  }

  /** A read at this moment; at most `most` items when given (a read may return fewer). */
  read(from: number, limit: number, most = limit): ReadResult {
    if (from > this.length) {
      throw new SpoolError('offset_out_of_range', undefined, { details: { value: this.length } });
    }
    const end = Math.min(this.length, from + Math.max(1, Math.min(limit, most)));
    const next = end;
    return {
      items: this.items.slice(from, end),
      appendedAt: this.appendedAt.slice(from, end),
      next,
      length: this.length,
      status: this.status,
      done: this.ended && next === this.length,
      epoch: 'e0',
    };
  }
}

interface PendingRead {
  from: number;
  limit: number;
  /** What the read saw when it reached Redis, if it has. */
  seen: ReadResult | SpoolError;
  resolve: (result: ReadResult) => void;
  reject: (error: unknown) => void;
}

/** The injected `read`: each call waits until the test answers it. */
export class ModelReads {
  readonly pending: PendingRead[] = [];
  readonly #log: ModelLog;

  constructor(log: ModelLog) {
    this.#log = log;
  }

  read = (_streamId: string, from: number, limit: number): Promise<ReadResult> =>
    new Promise((resolve, reject) => {
      this.pending.push({ from, limit, seen: this.#attempt(from, limit), resolve, reject });
    });

  /**
   * Answers one pending read: with what it saw when called, or (`fresh`) what the log holds now;
   * `most` cuts it short (the script's entry cap); `fail` answers an error instead.
   */
  answer(index: number, options: { fresh: boolean; most: number; fail: boolean }): void {
    const [read] = this.pending.splice(index % this.pending.length, 1);
    if (!read) return;
    if (options.fail) {
      read.reject(new SpoolError('redis_unavailable'));
      return;
    }
    const seen = options.fresh ? this.#attempt(read.from, read.limit, options.most) : read.seen;
    if (seen instanceof SpoolError) read.reject(seen);
    else read.resolve(seen);
  }

  #attempt(from: number, limit: number, most = limit): ReadResult | SpoolError {
    try {
      return this.#log.read(from, limit, most);
    } catch (error) {
      return error as SpoolError;
    }
  }
}

/**
 * Pub/sub between the log and the tail: a subscription takes effect when the test says; a
 * message is only sent to channels subscribed when it is published, and while connected; sent
 * messages wait in `inFlight` for the test to deliver, repeat, reorder or drop them.
 */
export class ModelNotifier implements TailNotifier {
  readonly inFlight: { channel: string; message: string }[] = [];
  readonly pendingSubscribes: { channel: string; listener: Listener; done: () => void }[] = [];
  connected = true;
  /** Subscriptions take effect at once (while connected) rather than when the test says. */
  prompt = true;
  readonly #active = new Map<string, Set<Listener>>();
  readonly #resubscribed = new Set<() => void>();

  listen(channel: string, listener: Listener): Promise<() => void> {
    return new Promise((resolve) => {
      const stop = () => this.#active.get(channel)?.delete(listener);
      this.pendingSubscribes.push({ channel, listener, done: () => resolve(stop) });
      if (this.prompt) this.completeSubscribe(this.pendingSubscribes.length - 1);
    });
  }

  onResubscribed(callback: () => void): () => void {
    this.#resubscribed.add(callback);
    return () => this.#resubscribed.delete(callback);
  }

  /** Subscribing needs the connection: a SSUBSCRIBE waits while it is down. */
  completeSubscribe(index: number): void {
    if (!this.connected || this.pendingSubscribes.length === 0) return;
    const [subscribe] = this.pendingSubscribes.splice(index % this.pendingSubscribes.length, 1);
    if (!subscribe) return;
    const listeners = this.#active.get(subscribe.channel) ?? new Set();
    this.#active.set(subscribe.channel, listeners);
    listeners.add(subscribe.listener);
    subscribe.done();
  }

  publish(channel: string, message: string): void {
    if (this.connected && (this.#active.get(channel)?.size ?? 0) > 0) {
      this.inFlight.push({ channel, message });
    }
  }

  /** Delivers a message in flight to the channel's listeners of now; `repeat` keeps it. */
  deliver(index: number, repeat: boolean): void {
    if (this.inFlight.length === 0) return;
    const at = index % this.inFlight.length;
    const sent = this.inFlight[at];
    if (!sent) return;
    if (!repeat) this.inFlight.splice(at, 1);
    for (const listener of [...(this.#active.get(sent.channel) ?? [])]) listener(sent.message);
  }

  drop(index: number): void {
    if (this.inFlight.length > 0) this.inFlight.splice(index % this.inFlight.length, 1);
  }

  /** The connection drops: what was in flight is lost, and so is whatever is published until it is back. */
  disconnect(): void {
    this.connected = false;
    this.inFlight.length = 0;
  }

  /** Back, subscriptions restored (ioredis resubscribes), then the callbacks run. */
  reconnect(): void {
    if (this.connected) return;
    this.connected = true;
    for (const callback of this.#resubscribed) callback();
  }
}

type Listener = (message: string) => void;

export class ModelClock implements Clock {
  time = 0;
  readonly #callbacks = new Set<() => void>();

  now(): number {
    return this.time;
  }

  every(_intervalMs: number, callback: () => void): () => void {
    this.#callbacks.add(callback);
    return () => this.#callbacks.delete(callback);
  }

  /** Moves time on and fires the periodic callbacks once. */
  advance(ms: number): void {
    this.time += ms;
    for (const callback of this.#callbacks) callback();
  }
}
