/**
 * The body of `POST /v1/chat/completions`, OpenAI's shape, and how it becomes a generation.
 *
 * The gateway uses `model`, `messages`, `stream` and `stream_options`; every other field
 * (`temperature`, `tools`, `response_format`, `stop`, vendor fields, …) passes through to the
 * model adapter unchanged as a param. Message content may be a string or a list of text parts
 * (flattened to text, parts joined by a newline); other part types are refused.
 */
import type { GenerationJob, GenerationMessage } from '@spool/generation-queue';
import { CREATE_LIMITS, messageRoleSchema, type Result, validate } from '@spool/protocol';
import { z } from 'zod';
import { checkPassThroughFields } from '../http/request-input.ts';

/** Fields the gateway itself reads; all others are pass-through params. */
const OWN_FIELDS: ReadonlySet<string> = new Set(['model', 'messages', 'stream', 'stream_options']);

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });

const messageSchema = z
  .object({
    role: messageRoleSchema,
    content: z.union([z.string(), z.array(textPartSchema).max(1_024)]).nullish(),
    name: z.string().max(CREATE_LIMITS.paramKeyLength).optional(),
    tool_call_id: z.string().max(CREATE_LIMITS.paramStringLength).optional(),
    tool_calls: z.array(z.json()).max(1_024).optional(),
  })
  .refine((message) => message.content != null || message.role === 'assistant', {
    message: 'required (only an assistant message may omit it)',
    path: ['content'],
  });

export const chatCompletionBodySchema = z
  .looseObject({
    model: z.string().min(1).max(CREATE_LIMITS.modelLength).optional(),
    messages: z.array(messageSchema).min(1).max(CREATE_LIMITS.messages),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    n: z.literal(1, 'only 1 choice is supported').nullish(),
  })
  .superRefine(checkPassThroughFields(OWN_FIELDS));

export type ChatCompletionBody = z.output<typeof chatCompletionBodySchema>;

/**
 * The body, or `invalid_request` naming the field. Always that code: OpenAI's field names are
 * not Spool's (its `stream` is a boolean, not a stream id).
 */
export function parseChatCompletionBody(body: unknown): Result<ChatCompletionBody> {
  const result = validate(chatCompletionBodySchema, body, {
    code: 'invalid_request',
    subject: 'body',
  });
  if (result.ok) return result;
  return { ok: false, error: { ...result.error, code: 'invalid_request' } };
}

/** What the route does with a valid body. */
export interface ChatCompletionPlan {
  stream: boolean;
  includeUsage: boolean;
  /** The model the answer names, when the request named one. */
  model: string | undefined;
  /** The stream's metadata fields. */
  fields: Record<string, string>;
  job: (streamId: string) => GenerationJob;
}

export function planChatCompletion(body: ChatCompletionBody): ChatCompletionPlan {
  const includeUsage = body.stream_options?.include_usage === true;
  const params = Object.fromEntries(
    Object.entries(body).filter(([key, value]) => !OWN_FIELDS.has(key) && value !== undefined),
  ) as GenerationJob['params'];
  const messages = body.messages.map(generationMessage);
  const fields: Record<string, string> = {};
  if (body.model !== undefined) fields.model = body.model;
  // Kept with the stream so that a resume through `?format=openai` answers like the request.
  if (includeUsage) fields.openai_include_usage = 'true';
  return {
    stream: body.stream === true,
    includeUsage,
    model: body.model,
    fields,
    job: (streamId) => ({ streamId, model: body.model, messages, params }),
  };
}

function generationMessage(message: z.output<typeof messageSchema>): GenerationMessage {
  const { role, content, name, tool_call_id, tool_calls } = message;
  const text = Array.isArray(content) ? content.map((part) => part.text).join('\n') : content;
  return {
    role,
    content: text ?? '',
    ...(name === undefined ? {} : { name }),
    ...(tool_call_id === undefined ? {} : { tool_call_id }),
    ...(tool_calls === undefined ? {} : { tool_calls }),
  };
}
