/**
 * The Durable Streams request headers, parsed (pure): what a PUT creates, what a POST appends
 * with. A header that breaks the protocol's rules is a 400 with the reason, before any Redis call.
 */
import { decodeOffset } from './ds-offset.ts';

export type Headers = Record<string, string | string[] | undefined>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const PLAIN_INTEGER = /^(0|[1-9]\d*)$/;
const DIGITS = /^\d+$/;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of a Content-Type: before any `;`, trimmed, lower case ('' for none). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Text-like content (JSON, text/*): SSE carries it as text, anything else as base64. */
export function isTextual(mediaType: string): boolean {
  return mediaType.startsWith('text/') || mediaType === 'application/json';
}

export interface CreateHeaders {
  /** undefined: none given (a fork then takes its source's). */
  contentType: string | undefined;
  ttlSeconds?: number;
  expiresAt?: { text: string; ms: number };
  closed: boolean;
  forkedFrom?: string;
  forkOffset?: { epoch: number; position: number };
  forkSubOffset: number;
}

export function parseCreateHeaders(headers: Headers): Parsed<CreateHeaders> {
  const given = header(headers, 'content-type');
  const contentType = given && /^[\w-]+\/[\w.+-]+/.test(given.trim()) ? given : undefined;
  const ttl = header(headers, 'stream-ttl');
  const expires = header(headers, 'stream-expires-at');
  if (ttl !== undefined && expires !== undefined) {
    return fail('Give Stream-TTL or Stream-Expires-At, not both.');
  }
  if (ttl !== undefined && !(PLAIN_INTEGER.test(ttl) && Number.isSafeInteger(Number(ttl)))) {
    return fail('Stream-TTL must be a whole number of seconds.');
  }
  let expiresAt: CreateHeaders['expiresAt'];
  if (expires !== undefined) {
    const ms = Date.parse(expires);
    if (Number.isNaN(ms)) return fail('Stream-Expires-At must be an RFC 3339 time.');
    expiresAt = { text: expires, ms };
  }
  const forkedFrom = header(headers, 'stream-forked-from');
  const forkOffsetText = header(headers, 'stream-fork-offset');
  const forkOffset = forkOffsetText === undefined ? undefined : decodeOffset(forkOffsetText);
  if (forkOffsetText !== undefined && forkOffset === undefined) {
    return fail('Stream-Fork-Offset is not an offset.');
  }
  const subText = header(headers, 'stream-fork-sub-offset');
  if (subText !== undefined && forkedFrom === undefined) {
    return fail('Stream-Fork-Sub-Offset needs Stream-Forked-From.');
  }
  if (subText !== undefined && subText !== '0' && forkOffsetText === undefined) {
    return fail('Stream-Fork-Sub-Offset needs Stream-Fork-Offset.');
  }
  if (subText !== undefined && !(PLAIN_INTEGER.test(subText) && Number.isSafeInteger(+subText))) {
    return fail('Stream-Fork-Sub-Offset must be a whole number.');
  }
  return {
    ok: true,
    value: {
      contentType:
        contentType ?? (forkedFrom === undefined ? 'application/octet-stream' : undefined),
      ...(ttl === undefined ? {} : { ttlSeconds: Number(ttl) }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      closed: header(headers, 'stream-closed') === 'true',
      ...(forkedFrom === undefined ? {} : { forkedFrom }),
      ...(forkOffset === undefined ? {} : { forkOffset }),
      forkSubOffset: subText === undefined ? 0 : Number(subText),
    },
  };
}

export interface AppendHeaders {
  contentType: string | undefined;
  streamSeq?: string;
  close: boolean;
  producer?: { id: string; epoch: number; seq: number };
}

export function parseAppendHeaders(headers: Headers): Parsed<AppendHeaders> {
  const id = header(headers, 'producer-id');
  const epoch = header(headers, 'producer-epoch');
  const seq = header(headers, 'producer-seq');
  const given = [id, epoch, seq].filter((value) => value !== undefined).length;
  if (given !== 0 && given !== 3) {
    return fail('Producer-Id, Producer-Epoch and Producer-Seq go together.');
  }
  let producer: AppendHeaders['producer'];
  if (id !== undefined && epoch !== undefined && seq !== undefined) {
    if (id === '') return fail('Producer-Id must not be empty.');
    if (!isSafeCount(epoch)) return fail('Producer-Epoch must be a non-negative integer.');
    if (!isSafeCount(seq)) return fail('Producer-Seq must be a non-negative integer.');
    producer = { id, epoch: Number(epoch), seq: Number(seq) };
  }
  const streamSeq = header(headers, 'stream-seq');
  return {
    ok: true,
    value: {
      contentType: header(headers, 'content-type'),
      ...(streamSeq === undefined ? {} : { streamSeq }),
      close: header(headers, 'stream-closed') === 'true',
      ...(producer === undefined ? {} : { producer }),
    },
  };
}

function isSafeCount(text: string): boolean {
  return DIGITS.test(text) && Number.isSafeInteger(Number(text));
}

function fail<T>(message: string): Parsed<T> {
  return { ok: false, message };
}
