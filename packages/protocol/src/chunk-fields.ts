/**
 * The fields of a chunk as both transports spell them, shared by the SSE and WebSocket
 * codecs: a tokens chunk is `{from, to, block, text}`; a control item is its own fields in a
 * fixed order (`offset` first), without `type`, which each transport carries its own way
 * (SSE `event:`, WebSocket `type`). A protocol error, which is no stream item, is
 * `{code, message}` with no `offset`: that is how a decoder tells it from an `error` item.
 *
 * No zod here: the SDK decodes with these, and fields are checked by hand (`field-reader.ts`).
 */
import type { Chunk, TokensChunk } from './chunk.ts';
import { decodeControlItem } from './decode-item.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { FieldReader } from './field-reader.ts';
import { type ControlItem, isControlItemType } from './items.ts';
import type { JsonObject } from './json-object.ts';
import {
  type FieldErrorOptions,
  type ProtocolError,
  protocolError,
  type Result,
} from './protocol-error.ts';

/** The fields of a control item without `type`, as a literal in a fixed order: no spread. */
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

/**
 * Decodes the fields of a chunk whose type (`tokens` or a control item type) is `type`.
 * Fields that are not part of the chunk are dropped; `fields.type` is never read.
 */
export function decodeChunkFields(
  type: string,
  fields: JsonObject,
  options: FieldErrorOptions,
): Result<Chunk> {
  if (type === 'tokens') return decodeTokensFields(fields, options);
  if (!isControlItemType(type)) {
    return {
      ok: false,
      error: protocolError(options.code, `unknown type "${clip(type)}"`, options.stream),
    };
  }
  const item = decodeControlItem(type, fields, options);
  if (!item.ok) return item;
  return { ok: true, value: { kind: 'control', item: item.value } };
}

/** `{from, to, block, text}` with `to > from`. */
function decodeTokensFields(fields: JsonObject, options: FieldErrorOptions): Result<TokensChunk> {
  const reader = new FieldReader(fields);
  const chunk: TokensChunk = {
    kind: 'tokens',
    from: reader.integer('from'),
    to: reader.integer('to'),
    block: reader.integer('block'),
    text: reader.string('text'),
  };
  if (chunk.to <= chunk.from) reader.fail(['to'], 'must be greater than from');
  return reader.result(chunk, options);
}

/** Whether `fields` of an `error` event or frame are an `error` item rather than a protocol error. */
export function isErrorItemFields(fields: JsonObject): boolean {
  return Object.hasOwn(fields, 'offset');
}

const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** Decodes `{code, message}` of a protocol error. */
export function decodeProtocolErrorFields(
  fields: JsonObject,
  options: FieldErrorOptions,
): Result<ProtocolError> {
  const reader = new FieldReader(fields);
  const code = reader.oneOf('code', ERROR_CODE_LIST, 'not a known error code');
  const message = reader.string('message');
  return reader.result(protocolError(code, message, options.stream), options);
}

/** Names a value from the wire in a message without echoing a huge one back. */
function clip(text: string, length = 40): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
