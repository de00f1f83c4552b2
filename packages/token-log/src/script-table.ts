/**
 * The Lua scripts of `lua/` as one typed table.
 *
 * Each script declares its KEYS by name, how its typed input becomes ARGV, and a decoder that
 * checks its reply (script-reply.ts): callers get typed results, and a reply of the wrong shape
 * is an `internal` error naming the script (scripts.ts), never a silently wrong value. Its
 * failures (`SPOOL <code>`) become typed errors in errors.ts. The order of KEYS and ARGV here
 * is the one in each file's header.
 */
import type { FinishReason, StreamStatus } from '@spool/protocol';
import { NOTIFICATION_ITEMS_MAX_BYTES } from './notification-codec.ts';
import type { StreamKeys } from './redis-keys.ts';
import { type Decoder, entries, flag, integer, streamStatus, text, tuple } from './script-reply.ts';
import type { AppendResult, ClaimResult, CreateStreamResult } from './token-log.ts';

/** The keys a script may be given; channels (events, control, acks) go in ARGV. */
type KeyName = 'meta' | 'log' | 'subscriptions';
export type ScriptArgument = string | number;

export interface ScriptDefinition<Input, Output> {
  /** The file in `lua/`. */
  file: string;
  /** KEYS, in order, by their name in StreamKeys. */
  keys: readonly KeyName[];
  /** ARGV, in order; channel names come from the stream's keys too. */
  arguments: (input: Input, keys: StreamKeys) => ScriptArgument[];
  /** Checks the reply's shape and types it; throws ReplyShapeError otherwise. */
  decode: Decoder<Output>;
}

/** Lets TypeScript infer a definition's input and output from its functions. */
function script<Input, Output>(
  definition: ScriptDefinition<Input, Output>,
): ScriptDefinition<Input, Output> {
  return definition;
}

/** Retention settings every ending of a stream needs. */
interface Retention {
  retentionMs: number;
  tombstoneMs: number;
}

const TABLE = {
  createStream: script({
    file: 'create-stream.lua',
    keys: ['meta'],
    arguments: (input: {
      streamId: string;
      requestHash: string;
      maxAgeMs: number;
      fields: Record<string, string>;
    }) => [
      input.streamId,
      input.requestHash,
      input.maxAgeMs,
      ...Object.entries(input.fields).flat(),
    ],
    decode: (reply): CreateStreamResult => {
      const [created, status, length] = tuple(flag, streamStatus, integer)(reply);
      return { created, status, length };
    },
  }),
  appendItems: script({
    file: 'append-items.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (
      input: Retention & {
        attempt: number;
        at: number;
        final: { status: StreamStatus; reason: FinishReason } | undefined;
        maxStreamItems: number;
        /** The batch's item index (append-items.lua): fields set once, fields overwritten. */
        index: ItemIndexFields;
        entries: readonly { count: number; data: string }[];
      },
      keys,
    ) => [
      input.attempt,
      input.at,
      input.final?.status ?? '',
      input.final?.reason ?? '',
      input.retentionMs,
      input.tombstoneMs,
      input.maxStreamItems,
      keys.events,
      NOTIFICATION_ITEMS_MAX_BYTES,
      indexPairs(input.index.once),
      indexPairs(input.index.latest),
      ...input.entries.flatMap((entry) => [entry.count, entry.data]),
    ],
    decode: (reply): AppendResult => {
      const [length, appended] = tuple(integer, flag)(reply);
      return { length, appended };
    },
  }),
  readItems: script({
    file: 'read-items.lua',
    keys: ['meta', 'log'],
    arguments: (input: { from: number; count: number; items: number }) => [
      input.from,
      input.count,
      input.items,
    ],
    decode: (reply) => {
      const [status, length, finishReason, found, epoch] = tuple(
        streamStatus,
        integer,
        text,
        entries,
        text,
      )(reply);
      return { status, length, finishReason, entries: found, epoch };
    },
  }),
  claimAttempt: script({
    file: 'claim-attempt.lua',
    keys: ['meta'],
    arguments: (input: { attempt: number }) => [input.attempt],
    decode: (reply): ClaimResult => {
      const [status, length, cancelRequested] = tuple(streamStatus, integer, flag)(reply);
      return { status, length, cancelRequested };
    },
  }),
  cancelStream: script({
    file: 'cancel-stream.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: Retention & { cancelledEnd: string }, keys) => [
      input.retentionMs,
      input.tombstoneMs,
      keys.events,
      keys.control,
      input.cancelledEnd,
    ],
    decode: streamStatus,
  }),
  trimStream: script({
    file: 'trim-stream.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: { before: number }) => [input.before],
    decode: integer,
  }),
  createSubscription: script({
    file: 'create-subscription.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: { subscription: string; from: number }) => [input.subscription, input.from],
    decode: (reply) => {
      const [from, length] = tuple(integer, integer)(reply);
      return { from, length };
    },
  }),
  readSubscription: script({
    file: 'read-subscription.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: {
      subscription: string;
      consumer: string;
      items: number;
      entryItems: number;
      entries: number;
    }) => [input.subscription, input.consumer, input.items, input.entryItems, input.entries],
    decode: (reply) => {
      const [acked, delivered, status, length, found, epoch] = tuple(
        integer,
        integer,
        streamStatus,
        integer,
        entries,
        text,
      )(reply);
      return { acked, delivered, status, length, entries: found, epoch };
    },
  }),
  ackSubscription: script({
    file: 'ack-subscription.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: { subscription: string; offset: number }, keys) => [
      input.subscription,
      input.offset,
      keys.acks,
    ],
    decode: integer,
  }),
  takeOverSubscription: script({
    file: 'take-over-subscription.lua',
    keys: ['meta', 'log', 'subscriptions'],
    arguments: (input: { subscription: string; consumer: string }) => [
      input.subscription,
      input.consumer,
    ],
    decode: (reply) => {
      const [acked, delivered, status, length, claimed] = tuple(
        integer,
        integer,
        streamStatus,
        integer,
        integer,
      )(reply);
      return { acked, delivered, status, length, claimed };
    },
  }),
  deleteSubscription: script({
    file: 'delete-subscription.lua',
    keys: ['log', 'subscriptions'],
    arguments: (input: { subscription: string }) => [input.subscription],
    decode: flag,
  }),
};

type Table = typeof TABLE;
export type ScriptName = keyof Table;
export type ScriptInput<Name extends ScriptName> = Parameters<Table[Name]['arguments']>[0];
export type ScriptOutput<Name extends ScriptName> = ReturnType<Table[Name]['decode']>;

/**
 * The same table, typed per name, so that `SCRIPTS[name]` with a generic `name` keeps the input
 * and output of that one script (TypeScript's "correlated union" pattern).
 */
export const SCRIPTS: {
  [Name in ScriptName]: ScriptDefinition<ScriptInput<Name>, ScriptOutput<Name>>;
} = TABLE;

/** Index fields of one append: `block:<n>`, `first_token` (set once), `usage_at` (overwritten). */
export interface ItemIndexFields {
  once: Readonly<Record<string, number>>;
  latest: Readonly<Record<string, number>>;
}

function indexPairs(fields: Readonly<Record<string, number>>): string {
  return Object.entries(fields)
    .map(([field, offset]) => `${field} ${offset}`)
    .join(' ');
}
