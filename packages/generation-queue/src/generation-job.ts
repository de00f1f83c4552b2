/**
 * The data of one generation job: everything a worker needs to produce a stream.
 *
 * The gateway validates requests before it enqueues them; the worker validates the job again
 * when it takes it (a queue is an input too), so a bad job fails with a clear error instead of
 * producing a broken stream.
 *
 * `params` are JSON values: besides Spool's own scalars (`seed`, `max_tokens`, …) they carry
 * the OpenAI request fields the gateway does not use (`tools`, `response_format`, `stop`, vendor
 * fields, …) unchanged to the model adapter.
 */
import { type createStreamBodySchema, STREAM_ID_PATTERN } from '@spool/protocol';
import { z } from 'zod';

/** Any JSON value: what a pass-through parameter or a message's tool calls may be. */
export type JsonValue = z.infer<ReturnType<typeof z.json>>;

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string(),
  /** OpenAI's optional participant name. */
  name: z.string().optional(),
  /** On a `tool` message: the call it answers. */
  tool_call_id: z.string().optional(),
  /** On an `assistant` message: the calls it made, as the client sent them. */
  tool_calls: z.array(z.json()).optional(),
});

export const generationJobSchema = z.object({
  streamId: z.string().regex(STREAM_ID_PATTERN),
  model: z.string().min(1).max(256).optional(),
  messages: z.array(messageSchema).min(1).max(1024),
  params: z.record(z.string(), z.json()).default({}),
});

export type GenerationJob = z.infer<typeof generationJobSchema>;
export type GenerationMessage = GenerationJob['messages'][number];

/** Builds a job from a create request body (already validated by `createStreamBodySchema`). */
export function jobFromCreateBody(
  streamId: string,
  body: z.infer<typeof createStreamBodySchema>,
): GenerationJob {
  const messages = body.messages ?? [{ role: 'user' as const, content: body.prompt ?? '' }];
  return { streamId, model: body.model, messages, params: body.params ?? {} };
}
