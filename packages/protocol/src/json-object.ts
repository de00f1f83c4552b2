/**
 * The first step of every inbound decoder: bytes or text → a plain JSON object, or a
 * ProtocolError. Never throws, whatever the input.
 */
import type { ErrorCode } from './errors.ts';
import { type ProtocolError, protocolError, type Result } from './protocol-error.ts';

export type JsonObject = Record<string, unknown>;

/** `fatal` so that bytes which are not UTF-8 are refused rather than silently replaced. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes `data` (a text frame, or the raw bytes of one) as a JSON object.
 * Refuses with `payload_too_large` when it is longer than `maxBytes` UTF-8 bytes, and with
 * `code` when it is not UTF-8, not JSON, or JSON but not an object.
 */
export function decodeJsonObject(
  data: string | Uint8Array,
  options: { maxBytes: number; code: ErrorCode; subject: string },
): Result<JsonObject> {
  const text = decodeText(data, options);
  if (typeof text !== 'string') return { ok: false, error: text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(options.code, `${options.subject} is not valid JSON`);
  }
  if (!isJsonObject(value)) {
    return refuse(options.code, `${options.subject} must be a JSON object`);
  }
  return { ok: true, value };
}

function decodeText(
  data: string | Uint8Array,
  options: { maxBytes: number; code: ErrorCode; subject: string },
): string | ProtocolError {
  const tooLarge = protocolError(
    'payload_too_large',
    `${options.subject} is larger than ${options.maxBytes} bytes`,
  );
  if (typeof data === 'string') {
    return exceedsUtf8Length(data, options.maxBytes) ? tooLarge : data;
  }
  if (!(data instanceof Uint8Array)) {
    return protocolError(options.code, `${options.subject} must be text or bytes`);
  }
  if (data.byteLength > options.maxBytes) return tooLarge;
  try {
    return strictUtf8.decode(data);
  } catch {
    return protocolError(options.code, `${options.subject} is not valid UTF-8`);
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `text` takes more than `limit` bytes in UTF-8, counted without allocating and only
 * as far as needed. A lone surrogate counts 3 bytes, as TextEncoder encodes it as U+FFFD.
 */
export function exceedsUtf8Length(text: string, limit: number): boolean {
  // Every UTF-16 code unit takes 1 to 3 bytes (a surrogate pair 4 for its 2 units).
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let index = 0; index < text.length && bytes <= limit; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isPairAt(text, index)) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes > limit;
}

function isPairAt(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

function refuse(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: protocolError(code, message) };
}
