/**
 * The data of one generation job: everything a worker needs to produce a stream.
 *
 * The gateway validates requests before it enqueues them; the worker validates the job again
 * when it takes it (a queue is an input too), so a bad job fails with a clear error instead of
 * producing a broken stream.
 */
import { type createStreamBodySchema, STREAM_ID_PATTERN } from '@spool/protocol';
import { z } from 'zod';

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string(),
});

export const generationJobSchema = z.object({
  streamId: z.string().regex(STREAM_ID_PATTERN),
  model: z.string().min(1).max(256).optional(),
  messages: z.array(messageSchema).min(1).max(1024),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type GenerationJob = z.infer<typeof generationJobSchema>;

/** Builds a job from a create request body (already validated by `createStreamBodySchema`). */
export function jobFromCreateBody(
  streamId: string,
  body: z.infer<typeof createStreamBodySchema>,
): GenerationJob {
  const messages = body.messages ?? [{ role: 'user' as const, content: body.prompt ?? '' }];
  return { streamId, model: body.model, messages, params: body.params ?? {} };
}
