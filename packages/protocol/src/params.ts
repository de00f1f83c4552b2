/**
 * Schemas for the HTTP inputs of SPEC section 3, so that every gateway route validates the
 * same way and answers `400` with a code and a message naming the wrong field.
 * Use them through `validate(schema, value, { code: 'invalid_request', subject })`.
 */
import { z } from 'zod';
import { subscriptionIdSchema } from './client-frame-schemas.ts';
import { protocolError, type Result } from './protocol-error.ts';
import { offsetSchema } from './schemas.ts';

/** Bounds on a create body's free-form parts, so one request cannot bloat a stream's metadata. */
export const CREATE_LIMITS = {
  modelLength: 256,
  messages: 1_024,
  paramEntries: 64,
  paramKeyLength: 64,
  paramStringLength: 1_024,
  metadataEntries: 32,
  metadataKeyLength: 64,
  metadataValueLength: 512,
} as const;

export const messageRoleSchema = z.enum(['system', 'developer', 'user', 'assistant', 'tool']);

/** One chat message, OpenAI style (plain text content). */
export const chatMessageSchema = z.object({
  role: messageRoleSchema,
  content: z.string(),
  name: z.string().max(CREATE_LIMITS.paramKeyLength).optional(),
});

/** Sampling parameters such as `seed`, `max_tokens`, `temperature`: scalars only. */
export const generationParamsSchema = z
  .record(
    z.string().min(1).max(CREATE_LIMITS.paramKeyLength),
    z.union([z.number(), z.string().max(CREATE_LIMITS.paramStringLength), z.boolean()]),
  )
  .refine((params) => Object.keys(params).length <= CREATE_LIMITS.paramEntries, {
    message: `at most ${CREATE_LIMITS.paramEntries} entries`,
  });

/** Caller's labels, kept with the stream: string → string, bounded. */
export const metadataSchema = z
  .record(
    z.string().min(1).max(CREATE_LIMITS.metadataKeyLength),
    z.string().max(CREATE_LIMITS.metadataValueLength),
  )
  .refine((metadata) => Object.keys(metadata).length <= CREATE_LIMITS.metadataEntries, {
    message: `at most ${CREATE_LIMITS.metadataEntries} entries`,
  });

/** `POST /v1/streams`: exactly one of `messages` and `prompt`. */
export const createStreamBodySchema = z
  .object({
    model: z.string().min(1).max(CREATE_LIMITS.modelLength).optional(),
    messages: z.array(chatMessageSchema).min(1).max(CREATE_LIMITS.messages).optional(),
    prompt: z.string().optional(),
    params: generationParamsSchema.optional(),
    metadata: metadataSchema.optional(),
  })
  .refine((body) => (body.messages === undefined) !== (body.prompt === undefined), {
    message: 'give exactly one of messages and prompt',
  });

export type CreateStreamBody = z.output<typeof createStreamBodySchema>;

/** A non-negative integer written in decimal, as query strings carry it. */
export const decimalOffsetSchema = z
  .string()
  .regex(/^[0-9]{1,16}$/, 'expected a non-negative integer')
  .transform(Number)
  .pipe(offsetSchema);

export const DEFAULT_ITEMS_LIMIT = 100;
export const MAX_ITEMS_LIMIT = 1_000;

/**
 * `GET /v1/streams/:id/items?from=N&limit=M&block=b`. `from` is left undefined when absent:
 * the route starts at 0, or at the block's first item when `block` is given.
 */
export const itemsQuerySchema = z.object({
  from: decimalOffsetSchema.optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'expected an integer from 1 to 1000')
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_ITEMS_LIMIT))
    .default(DEFAULT_ITEMS_LIMIT),
  block: decimalOffsetSchema.optional(),
});

export type ItemsQuery = z.output<typeof itemsQuerySchema>;

/** `?format=`: Spool's own events, or OpenAI's chunk format. */
export const formatSchema = z.enum(['spool', 'openai']).default('spool');

export type Format = z.output<typeof formatSchema>;

/**
 * `GET /v1/streams/:id/events?from=N|subscription=sub_…&format=…`. The resume point may
 * also come from `Last-Event-ID` (see `parseResumeOffset`); choosing among them is the route's.
 */
export const eventsQuerySchema = z
  .object({
    from: decimalOffsetSchema.optional(),
    subscription: subscriptionIdSchema.optional(),
    format: formatSchema,
  })
  .refine((query) => query.from === undefined || query.subscription === undefined, {
    message: 'give from or subscription, not both',
  });

export type EventsQuery = z.output<typeof eventsQuerySchema>;

/** `POST /v1/streams/:id/subscriptions`: start at `from` (the route's default when absent). */
export const createSubscriptionBodySchema = z.object({ from: offsetSchema.optional() });

/** `POST /v1/streams/:id/subscriptions/:sub/ack`: everything below `offset` is processed. */
export const ackBodySchema = z.object({ offset: offsetSchema });

/**
 * The resume point a `Last-Event-ID` header names: the `id:` of the last event the client
 * processed, which is the offset to resume from. Surrounding whitespace is ignored.
 */
export function parseResumeOffset(text: string): Result<number> {
  const parsed = decimalOffsetSchema.safeParse(text.trim());
  if (parsed.success) return { ok: true, value: parsed.data };
  const message = 'Last-Event-ID: expected a non-negative integer';
  return { ok: false, error: protocolError('invalid_offset', message) };
}
