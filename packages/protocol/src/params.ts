/**
 * Schemas for the HTTP bodies of SPEC section 3 (and the decimal offsets of query strings and
 * `Last-Event-ID`), so that every gateway route validates the same way and answers `400` with a
 * code and a message naming the wrong field. Query strings: `http-query-schemas.ts`.
 * Use them through `validate(schema, value, { code: 'invalid_request', subject })`.
 */
import { z } from 'zod';
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

/** `POST /v1/streams/:id/subscriptions`: start at `from` (the route's default when absent). */
export const createSubscriptionBodySchema = z.object({ from: offsetSchema.optional() });

/** `POST /v1/streams/:id/subscriptions/:sub/ack`: everything below `offset` is processed. */
export const ackBodySchema = z.object({ offset: offsetSchema });
