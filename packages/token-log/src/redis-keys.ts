/**
 * Every Redis key and channel name of a stream is built here and nowhere else.
 *
 * All of them carry the stream id as hash tag (`{st_…}`), so they live in one slot and every
 * script touching them runs unchanged on Redis Cluster.
 */
export interface StreamKeys {
  /** Hash: status, length, attempt, timestamps, finish reason, expiry, trim mark. */
  meta: string;
  /** Stream: one entry per appended batch, id `<offset after its last item>-0`. */
  log: string;
  /** Hash: per subscription its acknowledged and delivered offsets. */
  subscriptions: string;
  /** Pub/sub channel: the new length after every append. */
  events: string;
  /** Pub/sub channel: `cancel` when the generation must stop. */
  control: string;
  /** Pub/sub channel: `<subscription> <offset>` after every new acknowledgement. */
  acks: string;
}

export function streamKeys(prefix: string, streamId: string): StreamKeys {
  const base = `${prefix}{${streamId}}`;
  return {
    meta: `${base}:meta`,
    log: `${base}:log`,
    subscriptions: `${base}:subs`,
    events: `${base}:events`,
    control: `${base}:control`,
    acks: `${base}:acks`,
  };
}

/** A key prefix must not contain braces: the first `{…}` of a key is its hash tag. */
export function assertKeyPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) {
    throw new TypeError(`Key prefix "${prefix}" must not contain "{" or "}"`);
  }
}

/** The keys of one API key's quotas (quotas.ts), under their own hash tag, `{quota:<key id>}`. */
export interface QuotaKeys {
  /** String: creates counted in the current window. */
  creates: string;
  /** Sorted set: the key's running streams, scored by lease deadline. */
  running: string;
  /** Sorted set: the key's open connections (`<gateway>:<n>`), scored by lease deadline. */
  connections: string;
}

export function quotaKeys(prefix: string, keyId: string): QuotaKeys {
  const base = `${prefix}{quota:${keyId}}`;
  return {
    creates: `${base}:creates`,
    running: `${base}:running`,
    connections: `${base}:connections`,
  };
}

/**
 * The key naming a chat's latest stream (chat-streams: the AI SDK routes), under its own hash tag
 * `{chat:<chat>}`. `chat` must not contain braces (the gateway allows none in chat ids).
 */
export function chatKey(prefix: string, chat: string): string {
  if (/[{}]/.test(chat)) throw new TypeError(`Chat name "${chat}" must not contain "{" or "}"`);
  return `${prefix}{chat:${chat}}`;
}

/**
 * The keys of a Durable Stream (durable-streams.ts) named `name`, under their own hash tag
 * `{ds:<name as base64url>}` (a name may hold any character, braces too). The order is the one
 * of the KEYS of every `lua/durable-streams/` script.
 */
export interface DurableStreamKeys {
  /** Hash: content type, TTL/expiry, length, closed, Stream-Seq, forks (include/ds-meta.lua). */
  meta: string;
  /** Stream: one entry per appended message (JSON: per append), id `<n>-0`, field `d`. */
  log: string;
  /** Hash: per Producer-Id "<epoch> <last seq>". */
  producers: string;
  /** Pub/sub channel: "<length> <closed>" after every change, `deleted` at a delete. */
  events: string;
}

export function durableStreamKeys(prefix: string, name: string): DurableStreamKeys {
  const base = `${prefix}{ds:${Buffer.from(name, 'utf8').toString('base64url')}}`;
  return {
    meta: `${base}:meta`,
    log: `${base}:log`,
    producers: `${base}:producers`,
    events: `${base}:events`,
  };
}
