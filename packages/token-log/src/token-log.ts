/**
 * The token log: the one place that reads and writes the Redis keys of streams.
 *
 * Contract (what every caller may rely on):
 * - Atomicity: every call that changes more than one key or reads then writes is one Lua
 *   script; a caller never sees half of an append, a cancel, an ack or a take-over.
 * - Order and density: offsets are 0-based, dense and assigned in append order; a read returns
 *   items in offset order, starting exactly at the offset asked for.
 * - Idempotent production: an append says where its batch starts; repeating an append that is
 *   already stored changes nothing, so a producer retries after a timeout without duplicating.
 * - Fencing: appends carry the generation attempt; an attempt older than the stream's owner is
 *   refused (`stale_attempt`), so a stale worker can never interleave items.
 * - Termination: the batch holding `end` sets the final status and starts the retention TTL in
 *   the same step; nothing can be appended after it (`stream_ended`).
 * - Retention: an ended stream is readable for `retentionMs`; after that its reads answer
 *   `stream_expired` for `tombstoneMs` more, then `stream_not_found`. A read below the trim mark
 *   answers `offset_expired`, beyond the end `offset_out_of_range`: never different items.
 * - Connections: one command connection and one subscriber connection per process, whatever
 *   the number of streams, readers or waiters.
 */
import type { EpochStart, FinishReason, Item, NewItem, StreamStatus } from '@spool/protocol';

export interface StreamMeta {
  id: string;
  status: StreamStatus;
  length: number;
  attempt: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  finishReason?: FinishReason;
  /** When the stream stops being readable (set when it ends), ms since the epoch. */
  expiresAt?: number;
  /** The first offset still stored (0 unless the stream was trimmed). */
  trimmed: number;
  cancelRequested: boolean;
  /**
   * The version of the log readers are shown (see lua/include/epoch.lua): it changes when Redis
   * may have lost acknowledged writes (another server run wrote next), "" for a stream made
   * before epochs.
   */
  epoch: string;
  /** Every epoch of the stream, oldest first, with the offset where it starts. */
  epochs: EpochStart[];
  /** Caller-defined string fields given at create time (model, metadata, …). */
  fields: Record<string, string>;
}

/**
 * Offsets of the items readers need without scanning the stream, kept by the appends
 * (append-items.lua): block reads start at their block, an OpenAI-format resume rebuilds its
 * state from a few items.
 */
export interface ItemIndex {
  /** Block number → offset of its `block_start`. */
  blocks: ReadonlyMap<number, number>;
  /** Offset of the stream's first token. */
  firstToken: number | undefined;
  /** Offset of the latest `usage` item. */
  usage: number | undefined;
  /**
   * The offset from which the stream is indexed: 0 when everything is in the index (a block
   * with no entry has not started, …); undefined for a stream written before the index, or
   * with nothing appended yet. Only a 0 makes the index complete.
   */
  indexedFrom: number | undefined;
  /** The stream's length and status, read in the same step. */
  length: number;
  status: StreamStatus;
}

export interface CreateStreamInput {
  id: string;
  /** Identifies the request that made the stream: a create with the same id and another hash is refused. */
  requestHash?: string;
  /** Extra string fields kept in the metadata (for example `model`). */
  fields?: Record<string, string>;
}

export interface CreateStreamResult {
  created: boolean;
  status: StreamStatus;
  length: number;
}

export interface AppendInput {
  streamId: string;
  /** The generation attempt producing these items (1, 2, …); 0 for an unfenced producer. */
  attempt: number;
  /** Offset of the first item: the producer's own count of what it has appended. */
  at: number;
  items: readonly NewItem[];
}

export interface AppendResult {
  /** The stream's length after the call. */
  length: number;
  /** False when the batch was already stored (a retry): nothing changed. */
  appended: boolean;
}

export interface ReadResult {
  /** The items from the offset asked for, in order, at most `limit`. */
  items: Item[];
  /** The offset after the last item returned: where the next read starts. */
  next: number;
  /** The stream's length when read. */
  length: number;
  status: StreamStatus;
  /** True when the stream has ended and `next` is its length: nothing more will come. */
  done: boolean;
  /** When each returned entry was appended: `appendedAt[i]` for `items[i]`, ms since the epoch. */
  appendedAt: number[];
  /** The stream's epoch when read (StreamMeta.epoch): these items are of that version of the log. */
  epoch: string;
}

export interface ClaimResult {
  status: StreamStatus;
  length: number;
  cancelRequested: boolean;
}

export interface SubscriptionPosition {
  subscription: string;
  /** Items below this offset are acknowledged. */
  acked: number;
  /** Items below this offset have been handed to a consumer. */
  delivered: number;
}

export interface SubscriptionRead extends ReadResult {
  acked: number;
}

export interface TakeOverResult extends SubscriptionPosition {
  /** Entries moved from other consumers to the new one. */
  claimed: number;
  length: number;
  status: StreamStatus;
}

export interface WaitOptions {
  limit?: number;
  signal?: AbortSignal;
}

export interface ItemsOptions {
  /** The first offset to yield (default 0). */
  from?: number;
  /** The offset to stop before (default: the stream's current end). */
  to?: number;
  /** Aborting it makes the iterator throw the signal's reason before its next item or read. */
  signal?: AbortSignal;
  /** Items per `read` (default 1,000). */
  pageSize?: number;
}

export interface TokenLog {
  create(input: CreateStreamInput): Promise<CreateStreamResult>;
  meta(streamId: string): Promise<StreamMeta>;
  append(input: AppendInput): Promise<AppendResult>;
  /** Items `[from, from + limit)` as far as they exist. */
  read(streamId: string, from: number, limit?: number): Promise<ReadResult>;
  /**
   * Every stored item of `[from, to)` in offset order, read page by page with `read`, the first
   * page on the first `next()`. It ends at `to`, at the stream's current end (the length its
   * last page reported: it never waits for more, `follow` does) or after the `end` item,
   * whichever comes first; an empty range (`from >= to`) reads nothing. Not a snapshot: each
   * page sees what was appended before it was read. The errors of `read` (stream_not_found,
   * stream_expired, offset_expired, offset_out_of_range for a `from` beyond the end, data_loss,
   * redis_unavailable) are thrown from the iterator, as are invalid_offset for a bad `from` or
   * `to` and invalid_request for a bad `pageSize`.
   */
  items(streamId: string, options?: ItemsOptions): AsyncIterableIterator<Item>;
  /**
   * Like `read`, but when nothing exists at `from` yet, waits until something does (or the
   * stream ends). Waiters of all streams share one subscriber connection and their reads are
   * coalesced per stream.
   */
  follow(streamId: string, from: number, options?: WaitOptions): Promise<ReadResult>;
  /**
   * Ends every `follow` waiting now with `error`, for a caller that knows Redis stopped answering
   * (the gateway's Redis watch): those waits would otherwise hold until it answers again.
   */
  interruptWaits(error: unknown): void;
  /** The stream's item index with its length and status, in one read of its metadata. Errors as `meta`. */
  itemIndex(streamId: string): Promise<ItemIndex>;
  claimAttempt(streamId: string, attempt: number): Promise<ClaimResult>;
  /** Stop the generation; see cancel-stream.lua. Returns the status after the call. */
  cancel(streamId: string): Promise<StreamStatus>;
  /** Resolves when the stream is cancelled (or at once when it already was). */
  watchCancel(streamId: string, onCancel: () => void): Promise<() => Promise<void>>;
  trim(streamId: string, before: number): Promise<number>;

  createSubscription(streamId: string, from: number, id?: string): Promise<SubscriptionPosition>;
  /**
   * The subscription's next entries for `consumer` (XREADGROUP), holding at least `limit` items
   * (default 1,000) when the log has them: whole entries, so the last may hold up to one entry's
   * items more. Items already delivered or acknowledged are dropped.
   */
  readSubscription(input: {
    streamId: string;
    subscription: string;
    consumer: string;
    limit?: number;
  }): Promise<SubscriptionRead>;
  ack(streamId: string, subscription: string, offset: number): Promise<number>;
  /** Calls `onAck` with every new acknowledged offset of the subscription, from any process. */
  watchAcks(
    streamId: string,
    subscription: string,
    onAck: (offset: number) => void,
  ): Promise<() => Promise<void>>;
  /** The acknowledged and delivered offsets: `[acked, delivered)` is sent but unacknowledged. */
  pending(streamId: string, subscription: string): Promise<SubscriptionPosition>;
  takeOver(streamId: string, subscription: string, consumer: string): Promise<TakeOverResult>;
  deleteSubscription(streamId: string, subscription: string): Promise<boolean>;

  /**
   * Names `streamId` the latest stream of chat `chat` (an opaque name the caller builds: an AI
   * SDK chat id scoped by its API key), kept as long as an ended stream is.
   */
  setChatStream(chat: string, streamId: string): Promise<void>;
  /** The latest stream of chat `chat`, if one was named and not yet forgotten. */
  chatStream(chat: string): Promise<string | undefined>;

  close(): Promise<void>;
}
