/**
 * Zod schemas of the query strings of `http-query.ts` (SPEC section 3), and the decoders the
 * gateway validates them with: a refusal is `invalid_request` (`invalid_offset` for `from`,
 * `invalid_subscription_id` for `subscription`) with a message naming the parameter. Query
 * values arrive as strings (an array when a parameter is repeated). Not on the SDK's path.
 */
import { z } from 'zod';
import type { Chunking } from './client-frame.ts';
import { subscriptionIdSchema } from './client-frame-schemas.ts';
import { EPOCH_PATTERN } from './epoch.ts';
import type { Format, ItemsQuery, SseEventsQuery } from './http-query.ts';
import {
  DEFAULT_ITEMS_LIMIT,
  MAX_CHUNK_DELAY_MS,
  MAX_CHUNK_ITEMS,
  MAX_ITEMS_LIMIT,
  MAX_WINDOW,
} from './limits.ts';
import { decimalOffsetSchema } from './params.ts';
import type { Result } from './protocol-error.ts';
import { validate } from './validate.ts';

const queryOptions = { code: 'invalid_request', subject: 'query' } as const;

/**
 * `GET /v1/streams/:id/items?from=N&limit=M&block=b`. `from` is left undefined when absent:
 * the route starts at 0, or at the block's first item when `block` is given.
 */
export const itemsQuerySchema = z.object({
  from: decimalOffsetSchema.optional(),
  limit: z
    .string()
    // At most as many digits as the largest limit, so a huge number is refused as text.
    .regex(
      new RegExp(`^[0-9]{1,${String(MAX_ITEMS_LIMIT).length}}$`),
      `expected an integer from 1 to ${MAX_ITEMS_LIMIT}`,
    )
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_ITEMS_LIMIT))
    .default(DEFAULT_ITEMS_LIMIT),
  block: decimalOffsetSchema.optional(),
}) satisfies z.ZodType<ItemsQuery>;

/** `?format=`: Spool's own events, OpenAI's chunk format, or Anthropic's Messages events. */
export const formatSchema = z
  .enum(['spool', 'openai', 'anthropic'])
  .default('spool') satisfies z.ZodType<Format>;

/**
 * The resume part of `GET /v1/streams/:id/events`: `?from=N` or `?subscription=sub_…`, and
 * `?format=`. The resume point may also come from `Last-Event-ID` (see `parseResumeId`);
 * choosing among them is the route's.
 */
export const eventsQuerySchema = z
  .object({
    from: decimalOffsetSchema.optional(),
    epoch: z.string().regex(EPOCH_PATTERN, 'expected 1–64 URL-safe characters').optional(),
    subscription: subscriptionIdSchema.optional(),
    format: formatSchema,
  })
  .refine((query) => query.from === undefined || query.subscription === undefined, {
    message: 'give from or subscription, not both',
  })
  .refine((query) => query.epoch === undefined || query.from !== undefined, {
    message: 'epoch goes with from',
  });

export type EventsQuery = z.output<typeof eventsQuerySchema>;

/**
 * Per-request chunking over SSE: `?chunking=token|adaptive`, or `?chunk_items=N&chunk_delay_ms=M`
 * (numbers as JavaScript's `Number` reads them). `chunk_items` wins over `chunking`;
 * `chunk_delay_ms` alone is ignored.
 */
export const chunkingQuerySchema = z.object({
  chunking: z.enum(['token', 'adaptive']).optional(),
  chunk_items: z.coerce.number().int().min(1).max(MAX_CHUNK_ITEMS).optional(),
  chunk_delay_ms: z.coerce.number().int().min(0).max(MAX_CHUNK_DELAY_MS).optional(),
});

/** `?include_usage=true|false` with `?format=openai`: overrides what the stream was created with. */
export const includeUsageQuerySchema = z.object({
  include_usage: z.enum(['true', 'false']).optional(),
});

/** `?window=N`: the delivery's window, 1..`MAX_WINDOW` as for a WebSocket `subscribe`. */
export const windowQuerySchema = z.object({
  window: z
    .string()
    .regex(
      new RegExp(`^[0-9]{1,${String(MAX_WINDOW).length}}$`),
      `expected an integer from 1 to ${MAX_WINDOW}`,
    )
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_WINDOW))
    .optional(),
});

/**
 * Decodes the query of `GET /v1/streams/:id/events` (an object of parameter → value, as a
 * router parses it). The parts are checked in order — resume point and format, chunking,
 * `include_usage`, `window` — and the first wrong parameter is the error.
 */
export function decodeSseEventsQuery(query: unknown): Result<SseEventsQuery> {
  const resume = validate(eventsQuerySchema, query, queryOptions);
  if (!resume.ok) return resume;
  const chunking = validate(chunkingQuerySchema, query, queryOptions);
  if (!chunking.ok) return chunking;
  const usage = validate(includeUsageQuerySchema, query, queryOptions);
  if (!usage.ok) return usage;
  const window = validate(windowQuerySchema, query, queryOptions);
  if (!window.ok) return window;
  const { from, epoch, subscription, format } = resume.value;
  const value: SseEventsQuery = { format };
  if (from !== undefined) value.from = from;
  if (epoch !== undefined) value.epoch = epoch;
  if (subscription !== undefined) value.subscription = subscription;
  const requested = requestedChunking(chunking.value);
  if (requested !== undefined) value.chunking = requested;
  const includeUsage = usage.value.include_usage;
  if (includeUsage !== undefined) value.includeUsage = includeUsage === 'true';
  if (window.value.window !== undefined) value.window = window.value.window;
  return { ok: true, value };
}

/** Decodes the query of `GET /v1/streams/:id/items`; `limit` defaults to `DEFAULT_ITEMS_LIMIT`. */
export function decodeItemsQuery(query: unknown): Result<ItemsQuery> {
  return validate(itemsQuerySchema, query, queryOptions);
}

function requestedChunking(query: z.output<typeof chunkingQuerySchema>): Chunking | undefined {
  if (query.chunk_items === undefined) return query.chunking;
  return { maxItems: query.chunk_items, maxDelayMs: query.chunk_delay_ms ?? 0 };
}
