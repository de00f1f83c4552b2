/**
 * Decoding the frames a client sends (SPEC section 5), at the gateway: validated with the zod
 * schemas of `client-frame-schemas.ts`. The SDK only encodes client frames (`encodeClientFrame`
 * in `ws.ts`) and never loads this module.
 */
import type { z } from 'zod';
import type { ClientFrame } from './client-frame.ts';
import { clientFrameSchemas, isClientFrameType } from './client-frame-schemas.ts';
import { isStreamId } from './items.ts';
import { decodeJsonObject } from './json-object.ts';
import { type ProtocolError, protocolError } from './protocol-error.ts';
import { validate } from './validate.ts';

/** Client frames are small; anything bigger is refused before it is parsed. */
export const DEFAULT_MAX_CLIENT_FRAME_BYTES = 16 * 1024;

export type ClientFrameResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; error: ProtocolError };

/**
 * Decodes a frame a client sent. A `subscribe` with neither `from` nor `subscription`
 * starts at offset 0: the decoded frame then has `from: 0`. Unknown fields are dropped.
 */
export function decodeClientFrame(
  data: string | Uint8Array,
  maxBytes: number = DEFAULT_MAX_CLIENT_FRAME_BYTES,
): ClientFrameResult {
  const raw = decodeJsonObject(data, { maxBytes, code: 'invalid_frame', subject: 'frame' });
  if (!raw.ok) return raw;
  return validateClientFrame(raw.value);
}

/**
 * Checks a frame already parsed into an object (JSON from a WebSocket, or a gRPC
 * `ClientFrame` turned into the same shape): the one validation every transport shares.
 */
export function validateClientFrame(value: Record<string, unknown>): ClientFrameResult {
  const stream = isStreamId(value.stream) ? value.stream : undefined;
  const type = value.type;
  if (!isClientFrameType(type)) {
    const message = `type: expected one of ${Object.keys(clientFrameSchemas).join(', ')}`;
    return { ok: false, error: protocolError('invalid_frame', message, stream) };
  }
  const schema: z.ZodType<ClientFrame> = clientFrameSchemas[type];
  const frame = validate(schema, value, { code: 'invalid_frame', subject: 'frame', stream });
  return frame.ok ? { ok: true, frame: frame.value } : frame;
}
