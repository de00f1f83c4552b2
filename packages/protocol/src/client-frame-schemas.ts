/**
 * Zod schemas of the client frames of `client-frame.ts` (SPEC sections 5 and 6): what the
 * gateway validates inbound frames with (`decodeClientFrame`). Not on the SDK's path.
 */
import { z } from 'zod';
import type {
  ClientFrame,
  ResendFrame,
  SubscribeFrame,
  SubscribeFromFrame,
  SubscribeOptions,
} from './client-frame.ts';
import { EPOCH_PATTERN } from './epoch.ts';
import { STREAM_ID_PATTERN, SUBSCRIPTION_ID_PATTERN } from './items.ts';
import {
  MAX_CHUNK_DELAY_MS,
  MAX_CHUNK_ITEMS,
  MAX_CREDENTIAL_LENGTH,
  MAX_WINDOW,
} from './limits.ts';
import { blockIndexSchema, offsetSchema } from './schemas.ts';

export const streamIdSchema = z.string().regex(STREAM_ID_PATTERN, 'not a valid stream id');

export const subscriptionIdSchema = z
  .string()
  .regex(SUBSCRIPTION_ID_PATTERN, 'not a valid subscription id');

export const windowSchema = z.int().min(1).max(MAX_WINDOW);

export const chunkingSchema = z.union(
  [
    z.enum(['token', 'adaptive']),
    z.object({
      maxItems: z.int().min(1).max(MAX_CHUNK_ITEMS),
      maxDelayMs: z.int().min(0).max(MAX_CHUNK_DELAY_MS),
    }),
  ],
  { error: 'expected "token", "adaptive" or {maxItems, maxDelayMs}' },
);

/** Neither `from` nor `subscription` means "from 0": the decoded frame then has `from: 0`. */
const subscribeSchema = z
  .object({
    type: z.literal('subscribe'),
    stream: streamIdSchema,
    from: offsetSchema.optional(),
    epoch: z.string().regex(EPOCH_PATTERN, 'expected 1–64 URL-safe characters').optional(),
    subscription: subscriptionIdSchema.optional(),
    window: windowSchema.optional(),
    chunking: chunkingSchema.optional(),
    token: z.string().min(1).max(MAX_CREDENTIAL_LENGTH).optional(),
  })
  .refine((frame) => frame.from === undefined || frame.subscription === undefined, {
    message: 'give from or subscription, not both',
  })
  .refine((frame) => frame.epoch === undefined || frame.subscription === undefined, {
    message: 'epoch goes with from, not with subscription',
  })
  .transform(
    ({ type, stream, from, epoch, subscription, window, chunking, token }): SubscribeFrame => {
      const options: SubscribeOptions = {};
      if (window !== undefined) options.window = window;
      if (chunking !== undefined) options.chunking = chunking;
      if (token !== undefined) options.token = token;
      if (subscription !== undefined) return { type, stream, subscription, ...options };
      const frame: SubscribeFromFrame = { type, stream, from: from ?? 0, ...options };
      if (epoch !== undefined) frame.epoch = epoch;
      return frame;
    },
  );

const ackSchema = z.object({
  type: z.literal('ack'),
  stream: streamIdSchema,
  offset: offsetSchema,
});

const resendSchema = z
  .object({
    type: z.literal('resend'),
    stream: streamIdSchema,
    from: offsetSchema.optional(),
    to: offsetSchema.optional(),
    block: blockIndexSchema.optional(),
  })
  .superRefine((frame, context) => {
    const issue = resendShapeIssue(frame);
    if (issue !== undefined) context.addIssue({ code: 'custom', ...issue });
  })
  .transform(
    ({ type, stream, from, to, block }): ResendFrame =>
      from !== undefined && to !== undefined
        ? { type, stream, from, to }
        : { type, stream, block: block ?? 0 },
  );

/** A resend names a range `[from, to)` with `to > from`, or a block; never both, never half. */
function resendShapeIssue(frame: {
  from?: number | undefined;
  to?: number | undefined;
  block?: number | undefined;
}): { message: string; path?: string[] } | undefined {
  const { from, to, block } = frame;
  const hasRange = from !== undefined || to !== undefined;
  if (hasRange === (block !== undefined)) return { message: 'give either from and to, or block' };
  if (from === undefined && to !== undefined)
    return { message: 'required with to', path: ['from'] };
  if (from !== undefined && to === undefined)
    return { message: 'required with from', path: ['to'] };
  if (from !== undefined && to !== undefined && to <= from) {
    return { message: 'must be greater than from', path: ['to'] };
  }
  return undefined;
}

const unsubscribeSchema = z.object({ type: z.literal('unsubscribe'), stream: streamIdSchema });

const cancelSchema = z.object({ type: z.literal('cancel'), stream: streamIdSchema });

/** One schema per client frame type; parsing strips unknown fields. */
export const clientFrameSchemas = {
  subscribe: subscribeSchema,
  ack: ackSchema,
  resend: resendSchema,
  unsubscribe: unsubscribeSchema,
  cancel: cancelSchema,
} as const satisfies Record<ClientFrame['type'], z.ZodType<ClientFrame>>;

export function isClientFrameType(value: unknown): value is ClientFrame['type'] {
  return typeof value === 'string' && Object.hasOwn(clientFrameSchemas, value);
}
