/**
 * The WebSocket protocol of SPEC section 5: JSON text frames, many streams on one socket.
 *
 * Inbound frames (client frames at the gateway, server frames in the SDK) are decoded by
 * functions that never throw, whatever the bytes: they answer a ProtocolError carrying the
 * stream the frame named, when it named a valid one, so the error can be attributed to it.
 * Outbound frames are built with JSON.stringify of object literals in a fixed field order,
 * with no validation on that hot path: the values come from validated items.
 *
 * This module has no zod: the SDK imports it. Server frames are checked by hand
 * (`chunk-fields.ts`); `decodeClientFrame`, which validates with zod at the gateway, lives in
 * `decode-client-frame.ts` and is re-exported here.
 */
import type { Chunk } from './chunk.ts';
import {
  controlFields,
  decodeChunkFields,
  decodeProtocolErrorFields,
  isErrorItemFields,
} from './chunk-fields.ts';
import type { ClientFrame } from './client-frame.ts';
import { EPOCH_PATTERN } from './epoch.ts';
import { isNonNegativeInteger } from './field-reader.ts';
import { isStreamId, isSubscriptionId } from './items.ts';
import { decodeJsonObject, type JsonObject } from './json-object.ts';
import { parseHeartbeatMs } from './liveness.ts';
import { type ProtocolError, type ProtocolErrorMessage, protocolError } from './protocol-error.ts';

export {
  type ClientFrameResult,
  DEFAULT_MAX_CLIENT_FRAME_BYTES,
  decodeClientFrame,
  validateClientFrame,
} from './decode-client-frame.ts';

/** Server frames carry up to a chunk of text; the SDK refuses frames beyond this. */
export const DEFAULT_MAX_SERVER_FRAME_BYTES = 16 * 1024 * 1024;

/** Encodes a client frame (for the SDK) with its fields in a fixed order. */
export function encodeClientFrame(frame: ClientFrame): string {
  switch (frame.type) {
    case 'subscribe': {
      const { chunking } = frame;
      return JSON.stringify({
        type: frame.type,
        stream: frame.stream,
        from: frame.from,
        epoch: frame.epoch,
        subscription: frame.subscription,
        window: frame.window,
        chunking:
          typeof chunking === 'object'
            ? { maxItems: chunking.maxItems, maxDelayMs: chunking.maxDelayMs }
            : chunking,
        token: frame.token,
      });
    }
    case 'ack':
      return JSON.stringify({ type: frame.type, stream: frame.stream, offset: frame.offset });
    case 'resend':
      return JSON.stringify({
        type: frame.type,
        stream: frame.stream,
        from: frame.from,
        to: frame.to,
        block: frame.block,
      });
    case 'unsubscribe':
    case 'cancel':
      return JSON.stringify({ type: frame.type, stream: frame.stream });
  }
}

/**
 * `subscribed` answers every accepted `subscribe`: where delivery starts (`from`, the resolved
 * offset — for a subscription, its acknowledged offset), the stream's epoch (what the client
 * sends back with `from` when it subscribes again; "" for a stream without one), and
 * `complete: true` when the stream has ended and the client already has all of it (nothing will
 * follow on this subscribe), and `heartbeat_ms`, the gateway's heartbeat interval (liveness.ts),
 * absent from gateways that do not tell it.
 */
export interface SubscribedFrame {
  kind: 'subscribed';
  stream: string;
  from: number;
  epoch: string;
  subscription?: string;
  complete: boolean;
  heartbeatMs?: number;
}

/**
 * `{"type":"heartbeat","heartbeat_ms":N}`: a sign of life on a socket that has sent nothing for
 * `heartbeat_ms` (sent to sockets that asked, liveness.ts). It names no stream.
 */
export interface HeartbeatFrame {
  kind: 'heartbeat';
  heartbeatMs?: number;
}

/**
 * What a server frame decodes to: a chunk of one stream, a `subscribed`, a heartbeat, or a
 * protocol error.
 */
export type ServerFrame =
  | { kind: 'chunk'; stream: string; chunk: Chunk }
  | SubscribedFrame
  | HeartbeatFrame
  | ProtocolErrorMessage;

export type ServerFrameResult =
  | { ok: true; frame: ServerFrame }
  | { ok: false; error: ProtocolError };

/**
 * The frame for one chunk of `stream`: `{type:'tokens',stream,from,to,block,text}`, or
 * `{type:<item type>,stream,offset,...fields}` for a control item. Fields undefined in the
 * item are left out (JSON.stringify drops them).
 */
export function encodeServerChunk(stream: string, chunk: Chunk): string {
  if (chunk.kind === 'tokens') {
    return JSON.stringify({
      type: 'tokens',
      stream,
      from: chunk.from,
      to: chunk.to,
      block: chunk.block,
      text: chunk.text,
    });
  }
  return JSON.stringify({ type: chunk.item.type, stream, ...controlFields(chunk.item) });
}

/** The frame for an error that is no stream item: `{type:'error',stream?,code,message}`. */
export function encodeServerError(error: ProtocolError): string {
  return JSON.stringify({
    type: 'error',
    stream: error.stream,
    code: error.code,
    message: error.message,
  });
}

export function encodeSubscribed(frame: Omit<SubscribedFrame, 'kind'>): string {
  return JSON.stringify({
    type: 'subscribed',
    stream: frame.stream,
    from: frame.from,
    epoch: frame.epoch,
    subscription: frame.subscription,
    complete: frame.complete,
    heartbeat_ms: frame.heartbeatMs,
  });
}

export function encodeHeartbeat(heartbeatMs: number): string {
  return JSON.stringify({ type: 'heartbeat', heartbeat_ms: heartbeatMs });
}

const serverDecodeOptions = { code: 'invalid_frame', subject: 'frame' } as const;

/** Decodes a frame the server sent (for the SDK). Never throws. */
export function decodeServerFrame(
  data: string | Uint8Array,
  maxBytes: number = DEFAULT_MAX_SERVER_FRAME_BYTES,
): ServerFrameResult {
  const raw = decodeJsonObject(data, { maxBytes, ...serverDecodeOptions });
  if (!raw.ok) return raw;
  const { type } = raw.value;
  if (typeof type !== 'string') {
    return { ok: false, error: protocolError('invalid_frame', 'type: expected a string') };
  }
  if (type === 'error' && !isErrorItemFields(raw.value)) return decodeErrorFrame(raw.value);
  if (type === 'subscribed') return decodeSubscribedFrame(raw.value);
  if (type === 'heartbeat') return decodeHeartbeatFrame(raw.value);
  return decodeChunkFrame(type, raw.value);
}

function decodeSubscribedFrame(fields: JsonObject): ServerFrameResult {
  const { stream, from, subscription, complete, epoch, heartbeat_ms } = fields;
  if (!isStreamId(stream)) return invalidStream();
  if (!isNonNegativeInteger(from)) {
    return {
      ok: false,
      error: protocolError('invalid_offset', 'from: expected an offset', stream),
    };
  }
  if (subscription !== undefined && !isSubscriptionId(subscription)) {
    return {
      ok: false,
      error: protocolError(
        'invalid_subscription_id',
        'subscription: not a subscription id',
        stream,
      ),
    };
  }
  // A gateway from before epochs sends none: the client then resumes with the offset alone.
  const frame: SubscribedFrame = {
    kind: 'subscribed',
    stream,
    from,
    epoch: typeof epoch === 'string' && EPOCH_PATTERN.test(epoch) ? epoch : '',
    complete: complete === true,
  };
  if (subscription !== undefined) frame.subscription = subscription;
  const heartbeatMs = parseHeartbeatMs(heartbeat_ms);
  if (heartbeatMs !== undefined) frame.heartbeatMs = heartbeatMs;
  return { ok: true, frame };
}

function decodeHeartbeatFrame(fields: JsonObject): ServerFrameResult {
  const heartbeatMs = parseHeartbeatMs(fields.heartbeat_ms);
  const frame: HeartbeatFrame = { kind: 'heartbeat' };
  if (heartbeatMs !== undefined) frame.heartbeatMs = heartbeatMs;
  return { ok: true, frame };
}

function decodeErrorFrame(fields: JsonObject): ServerFrameResult {
  const stream = isStreamId(fields.stream) ? fields.stream : undefined;
  if (fields.stream !== undefined && stream === undefined) return invalidStream();
  const error = decodeProtocolErrorFields(fields, { ...serverDecodeOptions, stream });
  return error.ok ? { ok: true, frame: { kind: 'error', error: error.value } } : error;
}

function decodeChunkFrame(type: string, fields: JsonObject): ServerFrameResult {
  const { stream } = fields;
  if (!isStreamId(stream)) return invalidStream();
  const chunk = decodeChunkFields(type, fields, { ...serverDecodeOptions, stream });
  return chunk.ok ? { ok: true, frame: { kind: 'chunk', stream, chunk: chunk.value } } : chunk;
}

function invalidStream(): ServerFrameResult {
  return { ok: false, error: protocolError('invalid_stream_id', 'stream: not a valid stream id') };
}
