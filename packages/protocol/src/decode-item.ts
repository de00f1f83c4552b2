/**
 * Items decoded without zod, for the SDK: the same checks as `itemSchema` of `schemas.ts`,
 * field for field and in the same order, so the same input earns the same value or the same
 * wrong field (a property test holds the two together). Unknown fields are dropped.
 */
import { FieldReader } from './field-reader.ts';
import {
  type BlockKind,
  type ControlItem,
  FINISH_REASONS,
  type Item,
  isControlItemType,
  type ToolCallInfo,
} from './items.ts';
import { isJsonObject, type JsonObject } from './json-object.ts';
import { type FieldErrorOptions, fieldError, type Result } from './protocol-error.ts';

const ITEM_TYPES: readonly Item['type'][] = [
  'token',
  'block_start',
  'block_end',
  'usage',
  'error',
  'end',
];
const BLOCK_KINDS: readonly BlockKind[] = ['text', 'reasoning', 'tool_call'];

/** Decodes one item (`{type, offset, ...fields}`), e.g. as read back from the log. */
export function decodeItem(value: unknown, options: FieldErrorOptions): Result<Item> {
  if (!isJsonObject(value)) {
    return { ok: false, error: fieldError([], 'expected an object', options) };
  }
  const { type } = value;
  if (type === 'token') {
    const fields = new FieldReader(value);
    const item: Item = {
      type,
      block: fields.integer('block'),
      text: fields.string('text'),
      offset: fields.integer('offset'),
    };
    return fields.result(item, options);
  }
  if (!isControlItemType(type)) {
    const message = `expected one of ${ITEM_TYPES.join(', ')}`;
    return { ok: false, error: fieldError(['type'], message, options) };
  }
  return decodeControlItem(type, value, options);
}

/** Decodes the fields of a control item of type `type`; `fields.type` is not read. */
export function decodeControlItem(
  type: ControlItem['type'],
  fields: JsonObject,
  options: FieldErrorOptions,
): Result<ControlItem> {
  const reader = new FieldReader(fields);
  return reader.result(readControlItem(type, reader), options);
}

function readControlItem(type: ControlItem['type'], fields: FieldReader): ControlItem {
  switch (type) {
    case 'block_start':
      return readBlockStart(fields);
    case 'block_end':
      return { type, block: fields.integer('block'), offset: fields.integer('offset') };
    case 'usage':
      return {
        type,
        prompt_tokens: fields.integer('prompt_tokens'),
        completion_tokens: fields.integer('completion_tokens'),
        total_tokens: fields.integer('total_tokens'),
        offset: fields.integer('offset'),
      };
    case 'error':
      return {
        type,
        code: fields.nonEmptyString('code'),
        message: fields.string('message'),
        offset: fields.integer('offset'),
      };
    case 'end':
      return {
        type,
        finish_reason: fields.oneOf('finish_reason', FINISH_REASONS),
        offset: fields.integer('offset'),
      };
  }
}

function readBlockStart(fields: FieldReader): ControlItem {
  const block = fields.integer('block');
  const kind = fields.oneOf('kind', BLOCK_KINDS);
  const tool = fields.optionalObject('tool', readToolCallInfo);
  const offset = fields.integer('offset');
  // A `tool` only describes a tool call: on a text or reasoning block it is a producer bug.
  if (tool !== undefined && kind !== 'tool_call') {
    fields.fail(['tool'], 'only allowed on tool_call blocks');
  }
  return tool === undefined
    ? { type: 'block_start', offset, block, kind }
    : { type: 'block_start', offset, block, kind, tool };
}

function readToolCallInfo(fields: FieldReader): ToolCallInfo {
  return { id: fields.string('id'), name: fields.string('name') };
}
