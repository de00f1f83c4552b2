/**
 * The TokenLog on Redis (single node or Cluster). See token-log.ts for the contract and
 * lua/ for each atomic step.
 */
import { randomBytes } from 'node:crypto';
import {
  type FinishReason,
  type NewItem,
  SpoolError,
  type StreamStatus,
  statusForFinish,
} from '@spool/protocol';
import { encodeEntryItems, splitIntoEntries } from './entry-codec.ts';
import { mapRedisErrors } from './errors.ts';
import { Notifier } from './notifier.ts';
import { entriesToRead, readMeta } from './read-result.ts';
import { assertKeyPrefix, type StreamKeys, streamKeys } from './redis-keys.ts';
import { type RedisClient, Scripts } from './scripts.ts';
import { StreamTail } from './stream-tail.ts';
import type * as Log from './token-log.ts';

export interface RedisTokenLogOptions {
  /** Command connection: all reads and scripts, pipelined. */
  redis: RedisClient;
  /** Pub/sub connection for the tail and cancel watches (a duplicate of `redis` by default). */
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

const DEFAULTS = {
  keyPrefix: 'spool:',
  retentionMs: 24 * 3_600_000,
  tombstoneMs: 7 * 24 * 3_600_000,
  maxAgeMs: 7 * 24 * 3_600_000,
  maxStreamItems: 1_000_000,
  maxEntryItems: 64,
  pollIntervalMs: 1_000,
  lingerMs: 10_000,
};

const DEFAULT_READ_LIMIT = 1_000;
const CANCELLED_END = encodeEntryItems([{ type: 'end', finish_reason: 'cancelled' }]);

export class RedisTokenLog implements Log.TokenLog {
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #ownsSubscriber: boolean;
  readonly #scripts: Scripts;
  readonly #notifier: Notifier;
  readonly #tail: StreamTail;
  readonly #settings: typeof DEFAULTS;

  constructor(options: RedisTokenLogOptions) {
    this.#settings = { ...DEFAULTS, ...definedOnly(options) };
    assertKeyPrefix(this.#settings.keyPrefix);
    this.#redis = options.redis;
    this.#ownsSubscriber = options.subscriber === undefined;
    this.#subscriber = options.subscriber ?? options.redis.duplicate();
    this.#scripts = new Scripts(this.#redis);
    this.#notifier = new Notifier(this.#subscriber);
    this.#tail = new StreamTail({
      read: (streamId, from, limit) => this.read(streamId, from, limit),
      notifier: this.#notifier,
      channelOf: (streamId) => this.keys(streamId).events,
      pollIntervalMs: this.#settings.pollIntervalMs,
      lingerMs: this.#settings.lingerMs,
      defaultLimit: DEFAULT_READ_LIMIT,
    });
  }

  keys(streamId: string): StreamKeys {
    return streamKeys(this.#settings.keyPrefix, streamId);
  }

  /** Streams the shared tail currently watches (for metrics and tests). */
  get watchedStreams(): number {
    return this.#tail.watchedStreams;
  }

  async create(input: Log.CreateStreamInput): Promise<Log.CreateStreamResult> {
    const fields = Object.entries(input.fields ?? {}).flat();
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run(
        'createStream',
        [this.keys(input.id).meta],
        [input.id, input.requestHash ?? '', this.#settings.maxAgeMs, ...fields],
      ),
    )) as [number, StreamStatus, number];
    return { created: reply[0] === 1, status: reply[1], length: Number(reply[2]) };
  }

  async meta(streamId: string): Promise<Log.StreamMeta> {
    const hash = await mapRedisErrors(() => this.#redis.hgetall(this.keys(streamId).meta));
    return readMeta(streamId, hash);
  }

  async append(input: Log.AppendInput): Promise<Log.AppendResult> {
    if (input.items.length === 0) throw new SpoolError('invalid_request', 'Nothing to append.');
    const final = finalOf(input.items);
    const keys = this.keys(input.streamId);
    const entries = splitIntoEntries(input.items, this.#settings.maxEntryItems).flatMap((items) => [
      items.length,
      encodeEntryItems(items),
    ]);
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run(
        'appendItems',
        [keys.meta, keys.log, keys.subscriptions],
        [
          input.attempt,
          input.at,
          final ? statusForFinish(final) : '',
          final ?? '',
          this.#settings.retentionMs,
          this.#settings.tombstoneMs,
          this.#settings.maxStreamItems,
          keys.events,
          ...entries,
        ],
      ),
    )) as [number, number];
    return { length: Number(reply[0]), appended: reply[1] === 1 };
  }

  async read(streamId: string, from: number, limit = DEFAULT_READ_LIMIT): Promise<Log.ReadResult> {
    assertOffset(from);
    const keys = this.keys(streamId);
    // Every entry holds at least one item, so `limit` entries always hold `limit` items.
    const count = Math.max(1, Math.min(limit, 512));
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run('readItems', [keys.meta, keys.log], [from, count]),
    )) as [StreamStatus, number, string, [string, string[]][]];
    const [status, length, , entries] = reply;
    return entriesToRead({ entries, from, limit, status, length: Number(length) });
  }

  follow(streamId: string, from: number, options?: Log.WaitOptions): Promise<Log.ReadResult> {
    assertOffset(from);
    return this.#tail.follow(streamId, from, options);
  }

  async claimAttempt(streamId: string, attempt: number): Promise<Log.ClaimResult> {
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run('claimAttempt', [this.keys(streamId).meta], [attempt]),
    )) as [StreamStatus, number, number];
    return { status: reply[0], length: Number(reply[1]), cancelRequested: reply[2] === 1 };
  }

  async cancel(streamId: string): Promise<StreamStatus> {
    const keys = this.keys(streamId);
    return (await mapRedisErrors(() =>
      this.#scripts.run(
        'cancelStream',
        [keys.meta, keys.log, keys.subscriptions],
        [
          this.#settings.retentionMs,
          this.#settings.tombstoneMs,
          keys.events,
          keys.control,
          CANCELLED_END,
        ],
      ),
    )) as StreamStatus;
  }

  async watchCancel(streamId: string, onCancel: () => void): Promise<() => Promise<void>> {
    let fired = false;
    const fire = () => {
      if (!fired) {
        fired = true;
        onCancel();
      }
    };
    const stop = await this.#notifier.listen(this.keys(streamId).control, (message) => {
      if (message === 'cancel') fire();
    });
    // A cancel published before the subscription took effect is still in the flag.
    const flag = await mapRedisErrors(() => this.#redis.hget(this.keys(streamId).meta, 'cancel'));
    if (flag === '1') fire();
    return async () => stop();
  }

  async watchAcks(
    streamId: string,
    subscription: string,
    onAck: (offset: number) => void,
  ): Promise<() => Promise<void>> {
    const prefix = `${subscription} `;
    const stop = await this.#notifier.listen(this.keys(streamId).acks, (message) => {
      if (message.startsWith(prefix)) onAck(Number(message.slice(prefix.length)));
    });
    return async () => stop();
  }

  async trim(streamId: string, before: number): Promise<number> {
    assertOffset(before);
    const keys = this.keys(streamId);
    const reply = await mapRedisErrors(() =>
      this.#scripts.run('trimStream', [keys.meta, keys.log, keys.subscriptions], [before]),
    );
    return Number(reply);
  }

  async createSubscription(
    streamId: string,
    from: number,
    id = newSubscriptionId(),
  ): Promise<Log.SubscriptionPosition> {
    assertOffset(from);
    const keys = this.keys(streamId);
    await mapRedisErrors(() =>
      this.#scripts.run(
        'createSubscription',
        [keys.meta, keys.log, keys.subscriptions],
        [id, from],
      ),
    );
    return { subscription: id, acked: from, delivered: from };
  }

  async readSubscription(input: {
    streamId: string;
    subscription: string;
    consumer: string;
    limit?: number;
  }): Promise<Log.SubscriptionRead> {
    const keys = this.keys(input.streamId);
    const limit = input.limit ?? DEFAULT_READ_LIMIT;
    const count = Math.max(1, Math.min(limit, 512));
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run(
        'readSubscription',
        [keys.meta, keys.log, keys.subscriptions],
        [input.subscription, input.consumer, count],
      ),
    )) as [number, number, StreamStatus, number, [string, string[]][]];
    const [acked, delivered, status, length, entries] = reply;
    const from = Math.max(Number(acked), Number(delivered));
    const result = entriesToRead({
      entries,
      from,
      limit: Number.MAX_SAFE_INTEGER,
      status,
      length: Number(length),
    });
    return { ...result, acked: Number(acked) };
  }

  async ack(streamId: string, subscription: string, offset: number): Promise<number> {
    assertOffset(offset);
    const keys = this.keys(streamId);
    const reply = await mapRedisErrors(() =>
      this.#scripts.run(
        'ackSubscription',
        [keys.meta, keys.log, keys.subscriptions],
        [subscription, offset, keys.acks],
      ),
    );
    return Number(reply);
  }

  async pending(streamId: string, subscription: string): Promise<Log.SubscriptionPosition> {
    const keys = this.keys(streamId);
    const [acked, delivered] = await mapRedisErrors(() =>
      this.#redis.hmget(keys.subscriptions, subscription, `${subscription}:d`),
    );
    if (acked == null) {
      const exists = await mapRedisErrors(() => this.#redis.exists(keys.meta));
      throw new SpoolError(exists ? 'subscription_not_found' : 'stream_not_found');
    }
    return { subscription, acked: Number(acked), delivered: Number(delivered ?? acked) };
  }

  async takeOver(
    streamId: string,
    subscription: string,
    consumer: string,
  ): Promise<Log.TakeOverResult> {
    const keys = this.keys(streamId);
    const reply = (await mapRedisErrors(() =>
      this.#scripts.run(
        'takeOverSubscription',
        [keys.meta, keys.log, keys.subscriptions],
        [subscription, consumer],
      ),
    )) as [number, number, StreamStatus, number, number];
    return {
      subscription,
      acked: Number(reply[0]),
      delivered: Number(reply[1]),
      status: reply[2],
      length: Number(reply[3]),
      claimed: Number(reply[4]),
    };
  }

  async deleteSubscription(streamId: string, subscription: string): Promise<boolean> {
    const keys = this.keys(streamId);
    const reply = await mapRedisErrors(() =>
      this.#scripts.run('deleteSubscription', [keys.log, keys.subscriptions], [subscription]),
    );
    return Number(reply) === 1;
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

function finalOf(items: readonly NewItem[]): FinishReason | undefined {
  const endIndex = items.findIndex((item) => item.type === 'end');
  if (endIndex === -1) return undefined;
  if (endIndex !== items.length - 1) {
    throw new SpoolError('invalid_request', 'Nothing may follow the `end` item.');
  }
  return (items[endIndex] as { finish_reason: FinishReason }).finish_reason;
}

function assertOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new SpoolError('invalid_offset', `Offset ${offset} is not a non-negative integer.`);
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
