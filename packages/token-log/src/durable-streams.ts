/**
 * Durable Streams (the open protocol of docs/protocol.md section 14) on Redis: a stream is a
 * Redis Stream plus a metadata hash and a producers hash, all under the hash tag
 * `{ds:<name>}` (redis-keys.ts), so it lives on one Cluster slot; every change is one script of
 * `lua/durable-streams/` (create, append/close, read, delete, fork holds), and each one
 * SPUBLISHes on the stream's events channel so that long-polls and SSE readers on any gateway
 * wake without polling (they re-read: a message only says "something changed").
 *
 * Positions are entry counts: entry `n` (id `<n>-0`) is the n-th message (for JSON streams, the
 * n-th append). Bodies are bytes: every reply is read as Buffers, so binary data round-trips.
 *
 * Forks: a fork is created with a copy of its source's entries up to the fork offset (read in a
 * separate step on the source's slot), so it never needs the source again and no script spans
 * two slots (docs/decisions/2026-11-30-durable-streams.md). The source counts its forks
 * (`holdSource`), so that deleting it while forks exist soft-deletes it (410) as the protocol
 * asks; deleting the last fork of a soft-deleted source deletes it, and so on up the chain.
 */
import type { RedisClient } from './connect.ts';
import { subscriberFor } from './connect.ts';
import type {
  DurableAppendInput,
  DurableAppendResult,
  DurableCreateResult,
  DurableDeleteResult,
  DurableHoldResult,
  DurableReadResult,
  DurableStreamConfig,
  DurableWatch,
} from './durable-stream-types.ts';
import { mapRedisErrors } from './errors.ts';
import { Notifier } from './notifier.ts';
import { type DurableStreamKeys, durableStreamKeys } from './redis-keys.ts';
import { scriptSource } from './scripts.ts';

const COMMANDS = {
  spool_dsCreate: 'durable-streams/ds-create.lua',
  spool_dsAppend: 'durable-streams/ds-append.lua',
  spool_dsRead: 'durable-streams/ds-read.lua',
  spool_dsForkHold: 'durable-streams/ds-fork-hold.lua',
  spool_dsDelete: 'durable-streams/ds-delete.lua',
} as const;

type Command = keyof typeof COMMANDS;
type Argument = string | number | Buffer;

export interface RedisDurableStreamsOptions {
  redis: RedisClient;
  /** Pub/sub connection (default: a duplicate of `redis`, sharded subscribers on a Cluster). */
  subscriber?: RedisClient;
  keyPrefix: string;
}

export class RedisDurableStreams {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #subscriber: RedisClient;
  readonly #ownsSubscriber: boolean;
  readonly #notifier: Notifier;

  constructor(options: RedisDurableStreamsOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#ownsSubscriber = options.subscriber === undefined;
    this.#subscriber = options.subscriber ?? subscriberFor(options.redis);
    this.#notifier = new Notifier(this.#subscriber);
    for (const [name, file] of Object.entries(COMMANDS)) {
      if (!(name in this.#redis)) {
        this.#redis.defineCommand(name, { numberOfKeys: 3, lua: scriptSource(file) });
      }
    }
  }

  keys(name: string): DurableStreamKeys {
    return durableStreamKeys(this.#prefix, name);
  }

  async create(
    name: string,
    config: DurableStreamConfig,
    entries: readonly Buffer[],
  ): Promise<DurableCreateResult> {
    const reply = await this.#run('spool_dsCreate', name, [
      config.contentType,
      config.mediaType,
      config.ttlSeconds ?? '',
      config.expiresAt?.text ?? '',
      config.expiresAt?.ms ?? '',
      config.closed ? 1 : 0,
      config.forkedFrom ?? '',
      config.forkOffset ?? '',
      config.forkSubOffset,
      this.keys(name).events,
      ...entries,
    ]);
    const status = word(reply[0]);
    if (status === 'created' || status === 'exists') {
      return { status, length: count(reply[1]), closed: count(reply[2]) === 1 };
    }
    if (status === 'conflict' || status === 'gone') return { status };
    throw unexpected('ds-create', status);
  }

  async append(name: string, input: DurableAppendInput): Promise<DurableAppendResult> {
    const reply = await this.#run('spool_dsAppend', name, [
      input.mediaType ?? '',
      input.streamSeq ?? '',
      input.producer?.id ?? '',
      input.producer?.epoch ?? 0,
      input.producer?.seq ?? 0,
      input.close ? 1 : 0,
      this.keys(name).events,
      ...input.entries,
    ]);
    const status = word(reply[0]);
    switch (status) {
      case 'ok':
        return { status, length: count(reply[1]), closed: count(reply[2]) === 1 };
      case 'duplicate':
        return {
          status,
          lastSeq: count(reply[1]),
          length: count(reply[2]),
          closed: count(reply[3]) === 1,
        };
      case 'closed':
        return { status, length: count(reply[1]) };
      case 'stale_epoch':
        return { status, epoch: count(reply[1]) };
      case 'gap':
        return { status, expected: count(reply[1]), received: count(reply[2]) };
      case 'missing':
      case 'gone':
      case 'content_type':
      case 'seq_conflict':
      case 'epoch_seq':
        return { status };
      default:
        throw unexpected('ds-append', status);
    }
  }

  /** Entries after `from`, at most `limit` (0: metadata only); `touch` slides the TTL. */
  async read(
    name: string,
    options: { from: number; limit: number; touch: boolean },
  ): Promise<DurableReadResult> {
    const reply = await this.#run('spool_dsRead', name, [
      options.from,
      options.limit,
      options.touch ? 1 : 0,
    ]);
    const status = word(reply[0]);
    if (status === 'missing' || status === 'gone') return { status };
    if (status !== 'ok') throw unexpected('ds-read', status);
    const ttl = word(reply[4]);
    const expiresAt = word(reply[5]);
    return {
      status,
      length: count(reply[1]),
      closed: count(reply[2]) === 1,
      contentType: word(reply[3]),
      ...(ttl === '' ? {} : { ttlSeconds: Number(ttl) }),
      ...(expiresAt === '' ? {} : { expiresAt }),
      entries: entryData(reply[6]),
    };
  }

  /** A fork takes its hold on `source` (at `forkOffset`, default its length). */
  async holdSource(source: string, forkOffset: number | undefined): Promise<DurableHoldResult> {
    const reply = await this.#run('spool_dsForkHold', source, [1, forkOffset ?? '']);
    const status = word(reply[0]);
    if (status === 'missing' || status === 'gone' || status === 'offset') return { status };
    if (status !== 'ok') throw unexpected('ds-fork-hold', status);
    const ttl = word(reply[5]);
    const expiresAt = word(reply[6]);
    return {
      status,
      forkOffset: count(reply[1]),
      length: count(reply[2]),
      contentType: word(reply[3]),
      mediaType: word(reply[4]),
      ...(ttl === '' ? {} : { ttlSeconds: Number(ttl) }),
      ...(expiresAt === '' ? {} : { expiresAt: { text: expiresAt, ms: Number(word(reply[7])) } }),
    };
  }

  /** A fork lets go of `source`; a soft-deleted source with no fork left goes, up the chain. */
  async releaseSource(source: string): Promise<void> {
    for (let name: string | undefined = source; name !== undefined && name !== ''; ) {
      const reply = await this.#run('spool_dsForkHold', name, [-1, '']);
      name = word(reply[0]) === 'deleted' ? word(reply[1]) : undefined;
    }
  }

  async delete(name: string): Promise<DurableDeleteResult> {
    const reply = await this.#run('spool_dsDelete', name, [this.keys(name).events]);
    const status = word(reply[0]);
    if (status === 'deleted') {
      const source = word(reply[1]);
      if (source !== '') await this.releaseSource(source);
      return status;
    }
    if (status === 'soft' || status === 'missing' || status === 'gone') return status;
    throw unexpected('ds-delete', status);
  }

  /**
   * Watches a stream's events channel. Subscribe first, then read, then `next()`: a change
   * between the read and the wait is not missed. A reconnect of the subscriber counts as a change
   * (messages may have been lost meanwhile).
   */
  async watch(name: string): Promise<DurableWatch> {
    let changed = false;
    let wake: (() => void) | undefined;
    const onChange = () => {
      changed = true;
      wake?.();
    };
    const stopListening = await this.#notifier.listen(this.keys(name).events, onChange);
    const stopResubscribed = this.#notifier.onResubscribed(onChange);
    return {
      next: (timeoutMs, signal) =>
        new Promise<boolean>((resolve) => {
          const finish = (value: boolean) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            wake = undefined;
            changed = false;
            resolve(value);
          };
          const onAbort = () => finish(false);
          const timer = setTimeout(() => finish(false), timeoutMs);
          if (changed || signal?.aborted) {
            finish(changed);
            return;
          }
          wake = () => finish(true);
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      stop: () => {
        stopListening();
        stopResubscribed();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#ownsSubscriber) this.#subscriber.disconnect();
  }

  async #run(command: Command, name: string, args: Argument[]): Promise<unknown[]> {
    const keys = this.keys(name);
    // defineCommand adds `<name>Buffer` too (replies as Buffers): bodies are bytes.
    const run = (this.#redis as unknown as Record<string, (...a: Argument[]) => Promise<unknown>>)[
      `${command}Buffer`
    ];
    if (!run) throw new TypeError(`Script ${command} is not loaded.`);
    const reply = await mapRedisErrors(() =>
      run.call(this.#redis, keys.meta, keys.log, keys.producers, ...args),
    );
    if (!Array.isArray(reply)) throw unexpected(COMMANDS[command], typeof reply);
    return reply;
  }
}

function word(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}

function count(value: unknown): number {
  const number = Number(word(value));
  if (!Number.isSafeInteger(number)) throw unexpected('durable streams', word(value));
  return number;
}

/** XRANGE's reply `[[id, ['d', data]], …]` → the data of each entry. */
function entryData(value: unknown): Buffer[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    const fields = Array.isArray(entry) ? entry[1] : undefined;
    const data = Array.isArray(fields) ? fields[1] : undefined;
    return Buffer.isBuffer(data) ? data : Buffer.from(word(data));
  });
}

function unexpected(script: string, reply: string): Error {
  return new Error(`Durable Streams script ${script} replied unexpectedly: ${reply}`);
}
