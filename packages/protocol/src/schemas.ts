/**
 * Zod schemas for items (SPEC section 1): what producers append (`NewItem`, no offset yet)
 * and what the log hands back (`Item`, with its offset).
 *
 * Parsing strips unknown keys, so a validated item holds exactly the fields of its type and
 * nothing a producer slipped in reaches a client. Parsing never throws: use `safeParse`, or
 * `parseNewItems` for a Result with a message that names the wrong field.
 */
import { z } from 'zod';
import type { Item, NewItem } from './items.ts';
import type { Result } from './protocol-error.ts';
import { validate } from './validate.ts';

/**
 * A non-negative safe integer. Kept a plain check (no transform) so that it converts to JSON
 * Schema, e.g. for route schemas. JSON's `-0` passes as `-0`, which equals `0` in every
 * comparison and encodes back as `0`.
 */
export const nonNegativeIntegerSchema = z.int().min(0);

/** An offset: the 0-based position of an item in its stream (dense, no gaps). */
export const offsetSchema = nonNegativeIntegerSchema;

/** A block index: the 0-based index of the content block an item belongs to. */
export const blockIndexSchema = nonNegativeIntegerSchema;

export const blockKindSchema = z.enum(['text', 'reasoning', 'tool_call']);

export const finishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'cancelled', 'error']);

export const toolCallInfoSchema = z.object({ id: z.string(), name: z.string() });

const newTokenShape = {
  type: z.literal('token'),
  block: blockIndexSchema,
  /** Any text, even empty (pointless but harmless). */
  text: z.string(),
};

const newBlockStartShape = {
  type: z.literal('block_start'),
  block: blockIndexSchema,
  kind: blockKindSchema,
  tool: toolCallInfoSchema.optional(),
};

const newBlockEndShape = { type: z.literal('block_end'), block: blockIndexSchema };

const newUsageShape = {
  type: z.literal('usage'),
  prompt_tokens: nonNegativeIntegerSchema,
  completion_tokens: nonNegativeIntegerSchema,
  total_tokens: nonNegativeIntegerSchema,
};

const newErrorShape = {
  type: z.literal('error'),
  code: z.string().min(1),
  message: z.string(),
};

const newEndShape = { type: z.literal('end'), finish_reason: finishReasonSchema };

/** A `tool` only describes a tool call: on a text or reasoning block it is a producer bug. */
function toolOnlyOnToolCall(value: { kind: string; tool?: unknown }): boolean {
  return value.tool === undefined || value.kind === 'tool_call';
}
const toolOnlyOnToolCallIssue = { message: 'only allowed on tool_call blocks', path: ['tool'] };

const withOffset = { offset: offsetSchema };

export const tokenItemSchema = z.object({ ...newTokenShape, ...withOffset });
export const blockStartItemSchema = z
  .object({ ...newBlockStartShape, ...withOffset })
  .refine(toolOnlyOnToolCall, toolOnlyOnToolCallIssue);
export const blockEndItemSchema = z.object({ ...newBlockEndShape, ...withOffset });
export const usageItemSchema = z.object({ ...newUsageShape, ...withOffset });
export const errorItemSchema = z.object({ ...newErrorShape, ...withOffset });
export const endItemSchema = z.object({ ...newEndShape, ...withOffset });

export const controlItemSchema = z.discriminatedUnion('type', [
  blockStartItemSchema,
  blockEndItemSchema,
  usageItemSchema,
  errorItemSchema,
  endItemSchema,
]);

export const itemSchema = z.discriminatedUnion('type', [tokenItemSchema, controlItemSchema]);

/** What a producer appends: an item before the log assigns its offset. */
export const newItemSchema = z.discriminatedUnion('type', [
  z.object(newTokenShape),
  z.object(newBlockStartShape).refine(toolOnlyOnToolCall, toolOnlyOnToolCallIssue),
  z.object(newBlockEndShape),
  z.object(newUsageShape),
  z.object(newErrorShape),
  z.object(newEndShape),
]);

export const newItemsSchema = z.array(newItemSchema);

/** Validates a batch a producer wants to append; the message names the wrong item and field. */
export function parseNewItems(value: unknown): Result<NewItem[]> {
  return validate(newItemsSchema, value, { code: 'invalid_request', subject: 'items' });
}

/** Validates one item as read back from the log or received from a peer. */
export function parseItem(value: unknown): Result<Item> {
  return validate(itemSchema, value, { code: 'invalid_request', subject: 'item' });
}
