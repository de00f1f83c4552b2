/**
 * The body `useChat`'s transports send to `POST /v1/ai-sdk/chat` (`DefaultChatTransport`: the
 * chat `id`, the whole history as UI messages, `trigger`, `messageId`, and whatever the app adds
 * through the transport's `body`), and how it becomes a generation.
 *
 * A UI message's text is the text of its `text` parts, joined by a newline; other parts
 * (reasoning, tools, files, step markers) are not sent to the model. Of the app's own fields the
 * gateway takes `model` and `params` (the generation's parameters, as in `POST /v1/streams`);
 * the rest is ignored, as the SDK's own server helpers ignore what they do not know.
 */
import type { GenerationJob, GenerationMessage } from '@spool/generation-queue';
import { CREATE_LIMITS, generationParamsSchema, type Result, validate } from '@spool/protocol';
import { z } from 'zod';

/** Chat ids: what the SDK generates and what an app is likely to choose, without braces. */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const chatIdSchema = z
  .string()
  .regex(CHAT_ID_PATTERN, 'a chat id: 1–128 of A–Z a–z 0–9 _ . : -');

const partSchema = z.looseObject({ type: z.string().max(128), text: z.string().optional() });

const uiMessageSchema = z.looseObject({
  id: z.string().max(256).optional(),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(partSchema).max(1_024),
});

export const chatBodySchema = z.looseObject({
  // WorkflowChatTransport sends no chat id: its resumes go by the stream (x-workflow-run-id).
  id: chatIdSchema.optional(),
  messages: z.array(uiMessageSchema).min(1).max(CREATE_LIMITS.messages),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().max(256).nullish(),
  model: z.string().min(1).max(CREATE_LIMITS.modelLength).optional(),
  params: generationParamsSchema.optional(),
});

export type ChatBody = z.output<typeof chatBodySchema>;

export function parseChatBody(body: unknown): Result<ChatBody> {
  return validate(chatBodySchema, body, { code: 'invalid_request', subject: 'body' });
}

export function parseChatId(value: unknown): Result<string> {
  return validate(chatIdSchema, value, { code: 'invalid_request', subject: 'chat id' });
}

/** `GET …/:chat/stream?startIndex=N`: a chunk index, negative for "the last |N|". */
const streamQuerySchema = z.looseObject({
  startIndex: z
    .string()
    .regex(/^-?[0-9]{1,9}$/, 'expected an integer (negative: from the end)')
    .transform(Number)
    .optional(),
});

export function parseChatStreamQuery(query: unknown): Result<{ startIndex?: number | undefined }> {
  return validate(streamQuerySchema, query, { code: 'invalid_request', subject: 'query' });
}

export interface ChatPlan {
  fields: Record<string, string>;
  job: (streamId: string) => GenerationJob;
}

export function planChat(body: ChatBody): ChatPlan {
  const messages = body.messages.map(generationMessage);
  const fields: Record<string, string> = body.id === undefined ? {} : { ai_sdk_chat: body.id };
  if (body.model !== undefined) fields.model = body.model;
  return {
    fields,
    job: (streamId) => ({ streamId, model: body.model, messages, params: body.params ?? {} }),
  };
}

function generationMessage(message: z.output<typeof uiMessageSchema>): GenerationMessage {
  const text = message.parts
    .filter((part) => part.type === 'text' && part.text !== undefined)
    .map((part) => part.text)
    .join('\n');
  return { role: message.role, content: text };
}
