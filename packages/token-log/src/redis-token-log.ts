/**
 * The TokenLog on Redis (single node or Cluster). See token-log.ts for the contract and
 * lua/ for each atomic step.
 *
 * This class composes the parts, each in its own file: stream-lifecycle.ts (create, meta,
 * claim, cancel, trim), append-items.ts, read-items.ts with stream-tail.ts (follow) and
 * item-iterator.ts (items), subscriptions.ts. They share one LogContext (log-context.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Item, StreamStatus } from '@spool/protocol';
import { appendItems } from './append-items.ts';
import { type RedisClient, subscriberFor } from './connect.ts';
import { mapRedisErrors } from './errors.ts';
import { iterateItems } from './item-iterator.ts';
import {
  assertOffset,
  DEFAULT_READ_LIMIT,
  DEFAULT_SETTINGS,
  type LogContext,
} from './log-context.ts';
import { Notifier } from './notifier.ts';
import { readItems } from './read-items.ts';
import { readItemIndex } from './read-result.ts';
import { assertKeyPrefix, chatKey, type StreamKeys, streamKeys } from './redis-keys.ts';
import { Scripts } from './scripts.ts';
import {
  cancelStream,
  claimAttempt,
  createStream,
  streamMeta,
  trimStream,
  watchCancel,
} from './stream-lifecycle.ts';
import { StreamTail } from './stream-tail.ts';
import * as subscriptions from './subscriptions.ts';
import type * as Log from './token-log.ts';

export interface RedisTokenLogOptions {
  /** Command connection: all reads and scripts, pipelined. */
  redis: RedisClient;
  /**
   * Pub/sub connection for the tail, cancel and ack watches (by default a duplicate of `redis`;
   * on a Cluster it must have `shardedSubscribers: true`).
   */
  subscriber?: RedisClient;
  keyPrefix?: string;
  /** How long an ended stream stays readable. */
  retentionMs?: number;
  /** How long after that an expired stream answers `stream_expired` rather than not found. */
  tombstoneMs?: number;
  /** The longest a stream that never ends is kept. */
  maxAgeMs?: number;
  /** Most items in one stream (`stream_full` beyond; `error` and `end` always fit). */
  maxStreamItems?: number;
  /** Most items stored in one Redis stream entry. */
  maxEntryItems?: number;
  pollIntervalMs?: number;
  lingerMs?: number;
}

export class RedisTokenLog implements Log.TokenLog {
  readonly #context: LogContext;
  readonly #subscriber: RedisClient;
  readonly #ownsSubscriber: boolean;
  readonly #tail: StreamTail;

  constructor(options: RedisTokenLogOptions) {
    const settings = { ...DEFAULT_SETTINGS, ...definedOnly(options) };
    assertKeyPrefix(settings.keyPrefix);
    this.#ownsSubscriber = options.subscriber === undefined;
    this.#subscriber = options.subscriber ?? subscriberFor(options.redis);
    const notifier = new Notifier(this.#subscriber);
    this.#context = {
      redis: options.redis,
      scripts: new Scripts(options.redis),
      notifier,
      settings,
      keys: (streamId) => streamKeys(settings.keyPrefix, streamId),
    };
    this.#tail = new StreamTail({
      read: (streamId, from, limit) => this.read(streamId, from, limit),
      notifier,
      channelOf: (streamId) => this.keys(streamId).events,
      pollIntervalMs: settings.pollIntervalMs,
      lingerMs: settings.lingerMs,
      defaultLimit: DEFAULT_READ_LIMIT,
    });
  }

  keys(streamId: string): StreamKeys {
    return this.#context.keys(streamId);
  }

  /** Streams the shared tail currently watches (for metrics and tests). */
  get watchedStreams(): number {
    return this.#tail.watchedStreams;
  }

  create(input: Log.CreateStreamInput): Promise<Log.CreateStreamResult> {
    return createStream(this.#context, input);
  }

  meta(streamId: string): Promise<Log.StreamMeta> {
    return streamMeta(this.#context, streamId);
  }

  append(input: Log.AppendInput): Promise<Log.AppendResult> {
    return appendItems(this.#context, input);
  }

  read(streamId: string, from: number, limit?: number): Promise<Log.ReadResult> {
    return readItems(this.#context, streamId, from, limit);
  }

  items(streamId: string, options?: Log.ItemsOptions): AsyncIterableIterator<Item> {
    return iterateItems((id, from, limit) => this.read(id, from, limit), streamId, options);
  }

  follow(streamId: string, from: number, options?: Log.WaitOptions): Promise<Log.ReadResult> {
    assertOffset(from);
    return this.#tail.follow(streamId, from, options);
  }

  interruptWaits(error: unknown): void {
    this.#tail.interrupt(error);
  }

  async itemIndex(streamId: string): Promise<Log.ItemIndex> {
    const key = this.#context.keys(streamId).meta;
    const hash = await mapRedisErrors(() => this.#context.redis.hgetall(key));
    return readItemIndex(streamId, hash);
  }

  claimAttempt(streamId: string, attempt: number): Promise<Log.ClaimResult> {
    return claimAttempt(this.#context, streamId, attempt);
  }

  cancel(streamId: string): Promise<StreamStatus> {
    return cancelStream(this.#context, streamId);
  }

  async setChatStream(chat: string, streamId: string): Promise<void> {
    const { keyPrefix, retentionMs } = this.#context.settings;
    const key = chatKey(keyPrefix, chat);
    await mapRedisErrors(() => this.#context.redis.set(key, streamId, 'PX', retentionMs));
  }

  async chatStream(chat: string): Promise<string | undefined> {
    const key = chatKey(this.#context.settings.keyPrefix, chat);
    return (await mapRedisErrors(() => this.#context.redis.get(key))) ?? undefined;
  }

  watchCancel(streamId: string, onCancel: () => void): Promise<() => Promise<void>> {
    return watchCancel(this.#context, streamId, onCancel);
  }

  trim(streamId: string, before: number): Promise<number> {
    return trimStream(this.#context, streamId, before);
  }

  createSubscription(
    streamId: string,
    from: number,
    id = newSubscriptionId(),
  ): Promise<Log.SubscriptionPosition> {
    return subscriptions.createSubscription(this.#context, { streamId, from, subscription: id });
  }

  readSubscription(input: {
    streamId: string;
    subscription: string;
    consumer: string;
    limit?: number;
  }): Promise<Log.SubscriptionRead> {
    return subscriptions.readSubscription(this.#context, input);
  }

  ack(streamId: string, subscription: string, offset: number): Promise<number> {
    return subscriptions.ackSubscription(this.#context, { streamId, subscription, offset });
  }

  watchAcks(
    streamId: string,
    subscription: string,
    onAck: (offset: number) => void,
  ): Promise<() => Promise<void>> {
    return subscriptions.watchAcks(this.#context, { streamId, subscription, onAck });
  }

  pending(streamId: string, subscription: string): Promise<Log.SubscriptionPosition> {
    return subscriptions.subscriptionPosition(this.#context, streamId, subscription);
  }

  takeOver(streamId: string, subscription: string, consumer: string): Promise<Log.TakeOverResult> {
    return subscriptions.takeOverSubscription(this.#context, { streamId, subscription, consumer });
  }

  deleteSubscription(streamId: string, subscription: string): Promise<boolean> {
    return subscriptions.deleteSubscription(this.#context, streamId, subscription);
  }

  async close(): Promise<void> {
    await this.#tail.close();
    if (this.#ownsSubscriber) this.#subscriber.disconnect();
  }
}

export function newStreamId(): string {
  return `st_${randomBytes(16).toString('base64url')}`;
}

export function newSubscriptionId(): string {
  return `sub_${randomBytes(16).toString('base64url')}`;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
