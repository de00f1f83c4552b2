/**
 * The fields of a chunk as both transports spell them, shared by the SSE and WebSocket
 * codecs: a tokens chunk is `{from, to, block, text}`; a control item is its own fields in a
 * fixed order (`offset` first), without `type`, which each transport carries its own way
 * (SSE `event:`, WebSocket `type`). A protocol error, which is no stream item, is
 * `{code, message}` with no `offset`: that is how a decoder tells it from an `error` item.
 */
import { z } from 'zod';
import type { Chunk } from './chunk.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import type { ControlItem } from './items.ts';
import type { JsonObject } from './json-object.ts';
import { type ProtocolError, protocolError, type Result, validate } from './protocol-error.ts';
import { blockIndexSchema, controlItemSchema, offsetSchema } from './schemas.ts';

export const CONTROL_ITEM_TYPES: readonly ControlItem['type'][] = [
  'block_start',
  'block_end',
  'usage',
  'error',
  'end',
];

export function isControlItemType(value: unknown): value is ControlItem['type'] {
  return typeof value === 'string' && (CONTROL_ITEM_TYPES as readonly string[]).includes(value);
}

/** The fields of a control item without `type`, as a literal in a fixed order: no zod, no spread. */
export function controlFields(item: ControlItem): JsonObject {
  switch (item.type) {
    case 'block_start':
      return item.tool === undefined
        ? { offset: item.offset, block: item.block, kind: item.kind }
        : {
            offset: item.offset,
            block: item.block,
            kind: item.kind,
            tool: { id: item.tool.id, name: item.tool.name },
          };
    case 'block_end':
      return { offset: item.offset, block: item.block };
    case 'usage':
      return {
        offset: item.offset,
        prompt_tokens: item.prompt_tokens,
        completion_tokens: item.completion_tokens,
        total_tokens: item.total_tokens,
      };
    case 'error':
      return { offset: item.offset, code: item.code, message: item.message };
    case 'end':
      return { offset: item.offset, finish_reason: item.finish_reason };
  }
}

export const tokensFieldsSchema = z
  .object({ from: offsetSchema, to: offsetSchema, block: blockIndexSchema, text: z.string() })
  .refine((fields) => fields.to > fields.from, {
    message: 'must be greater than from',
    path: ['to'],
  });

export const protocolErrorFieldsSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]], {
    error: 'not a known error code',
  }),
  message: z.string(),
});

interface DecodeOptions {
  code: ErrorCode;
  subject: string;
  stream?: string | undefined;
}

/** Decodes the fields of a chunk whose type (`tokens` or a control item type) is `type`. */
export function decodeChunkFields(
  type: string,
  fields: JsonObject,
  options: DecodeOptions,
): Result<Chunk> {
  if (type === 'tokens') {
    const tokens = validate(tokensFieldsSchema, fields, options);
    if (!tokens.ok) return tokens;
    return { ok: true, value: { kind: 'tokens', ...tokens.value } };
  }
  if (!isControlItemType(type)) {
    return {
      ok: false,
      error: protocolError(options.code, `unknown type "${clip(type)}"`, options.stream),
    };
  }
  // A spread defines `__proto__` as a plain own key (it never sets the prototype), and the
  // schema strips every key that is not a field of the item.
  const item = validate(controlItemSchema, { ...fields, type }, options);
  if (!item.ok) return item;
  return { ok: true, value: { kind: 'control', item: item.value } };
}

/** Whether `fields` of an `error` event or frame are an `error` item rather than a protocol error. */
export function isErrorItemFields(fields: JsonObject): boolean {
  return Object.hasOwn(fields, 'offset');
}

/** Decodes `{code, message}` of a protocol error. */
export function decodeProtocolErrorFields(
  fields: JsonObject,
  options: DecodeOptions,
): Result<ProtocolError> {
  const parsed = validate(protocolErrorFieldsSchema, fields, options);
  if (!parsed.ok) return parsed;
  const { code, message } = parsed.value;
  return { ok: true, value: protocolError(code, message, options.stream) };
}

/** Names a value from the wire in a message without echoing a huge one back. */
function clip(text: string, length = 40): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
