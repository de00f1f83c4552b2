/**
 * The SSE wire format of SPEC section 4.
 *
 * Every event that carries items has `id:` = the resume point: the offset after its last item,
 * followed by `:<epoch>` when the stream has an epoch (epoch.ts); `event:` = `tokens` or the
 * control item's type, and ONE `data:` line of JSON.
 * JSON.stringify escapes CR and LF, so no text, however odd, can break a data line.
 * A protocol error (one that is no stream item, e.g. `offset_expired` at resume) is an
 * `error` event with `{code, message}` and no `id:` line, so it never moves the resume point.
 */
import { createParser } from 'eventsource-parser';
import { type Chunk, chunkEnd } from './chunk.ts';
import {
  controlFields,
  decodeChunkFields,
  decodeProtocolErrorFields,
  isErrorItemFields,
} from './chunk-fields.ts';
import { formatResumeId, parseResumeId } from './epoch.ts';
import type { ErrorCode } from './errors.ts';
import { decodeJsonObject } from './json-object.ts';
import { type ProtocolErrorMessage, protocolError, type Result } from './protocol-error.ts';

/** The comment the gateway sends when it has sent nothing for a while, so proxies keep the connection. */
export const SSE_HEARTBEAT = ': hb\n\n';

/** Tells an EventSource how long to wait before it reconnects. */
export function encodeSseRetry(milliseconds: number): string {
  if (!Number.isSafeInteger(milliseconds) || milliseconds < 0) {
    throw new RangeError(`retry must be a non-negative integer, got ${milliseconds}`);
  }
  return `retry: ${milliseconds}\n\n`;
}

/**
 * One SSE event for one chunk, e.g. `id: 5:1f3a9c2e\nevent: tokens\ndata: {"from":0,...}\n\n`
 * (`id: 5` for a stream without an epoch, `epoch` "").
 */
export function encodeSseChunk(chunk: Chunk, epoch = ''): string {
  const id = formatResumeId(chunkEnd(chunk), epoch);
  if (chunk.kind === 'tokens') {
    const data = JSON.stringify({
      from: chunk.from,
      to: chunk.to,
      block: chunk.block,
      text: chunk.text,
    });
    return `id: ${id}\nevent: tokens\ndata: ${data}\n\n`;
  }
  const data = JSON.stringify(controlFields(chunk.item));
  return `id: ${id}\nevent: ${chunk.item.type}\ndata: ${data}\n\n`;
}

/** An `error` event for an error that is no stream item; it has no `id:` line. */
export function encodeSseProtocolError(error: { code: ErrorCode; message: string }): string {
  return `event: error\ndata: ${JSON.stringify({ code: error.code, message: error.message })}\n\n`;
}

/** What an SSE event decodes to: a chunk of the stream, or a protocol error from the server. */
export type SseMessage = Chunk | ProtocolErrorMessage;

/** A parsed SSE event, as eventsource-parser or a browser EventSource gives it. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
  id?: string | undefined;
}

const decodeOptions = { code: 'invalid_frame', subject: 'event data', maxBytes: Infinity } as const;

/**
 * Turns a parsed SSE event into a typed message. Never throws. When the event has an `id`,
 * it must be the chunk's resume point. The `id` of a protocol error is ignored: an
 * EventSource reports the last id it saw, not one of this event.
 */
export function decodeSseEvent(event: SseEvent): Result<SseMessage> {
  if (event.event === undefined) {
    return { ok: false, error: protocolError('invalid_frame', 'the event has no event type') };
  }
  const fields = decodeJsonObject(event.data, decodeOptions);
  if (!fields.ok) return fields;
  if (event.event === 'error' && !isErrorItemFields(fields.value)) {
    const error = decodeProtocolErrorFields(fields.value, decodeOptions);
    return error.ok ? { ok: true, value: { kind: 'error', error: error.value } } : error;
  }
  const chunk = decodeChunkFields(event.event, fields.value, decodeOptions);
  if (!chunk.ok) return chunk;
  const end = chunkEnd(chunk.value);
  const id = event.id === undefined ? undefined : parseResumeId(event.id);
  if (event.id !== undefined && (!id?.ok || id.value.offset !== end)) {
    const message = `id ${JSON.stringify(event.id.slice(0, 20))} is not the resume point ${end}`;
    return { ok: false, error: protocolError('invalid_frame', message) };
  }
  return chunk;
}

export interface SseDecoderOptions {
  /** Called with the reconnection delay of a `retry:` field. */
  onRetry?: (milliseconds: number) => void;
  /** Called with the text of a comment line, e.g. `hb` for a heartbeat. */
  onComment?: (comment: string) => void;
  /**
   * The most characters of incomplete input the decoder buffers (default 16 Mi): it bounds
   * the memory a never-ending line or event can take. An event that arrives whole in one
   * piece is not buffered, so it is not refused however long.
   */
  maxBufferSize?: number;
}

export interface SseDecoder {
  /**
   * Feeds the next piece of the response, split anywhere (even inside a UTF-8 sequence or
   * a line). Feed either text or bytes for one response, not both.
   */
  feed(input: string | Uint8Array): void;
  /** Forgets all buffered input: call it before feeding a new response. */
  reset(): void;
}

export const DEFAULT_SSE_MAX_BUFFER_SIZE = 16 * 1024 * 1024;

/**
 * A streaming SSE decoder for clients: calls `onMessage` with the decoded result of every
 * complete event, in order. Never throws on any input. Buffering more than `maxBufferSize`
 * characters is reported once as `payload_too_large`, after which the decoder ignores input
 * until `reset()`: the rest of that response can no longer be trusted, so the client should
 * drop it and resume from the last `id` it processed.
 */
export function createSseDecoder(
  onMessage: (result: Result<SseMessage>) => void,
  options: SseDecoderOptions = {},
): SseDecoder {
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_SSE_MAX_BUFFER_SIZE;
  let utf8 = new TextDecoder();
  let overflowed = false;
  const parser = createParser({
    onEvent: (event) => onMessage(decodeSseEvent(event)),
    onRetry: options.onRetry,
    onComment: options.onComment,
    onError: (error) => {
      // Unknown fields and bad `retry:` values are ignored, as the SSE standard says.
      if (error.type !== 'max-buffer-size-exceeded') return;
      overflowed = true;
      const message = `more than ${maxBufferSize} characters of one event are buffered`;
      onMessage({ ok: false, error: protocolError('payload_too_large', message) });
    },
    maxBufferSize,
  });
  return {
    feed(input) {
      if (overflowed) return;
      parser.feed(typeof input === 'string' ? input : utf8.decode(input, { stream: true }));
    },
    reset() {
      parser.reset();
      utf8 = new TextDecoder();
      overflowed = false;
    },
  };
}
