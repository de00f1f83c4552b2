/**
 * The body of `POST /v1/messages`, the Anthropic Messages API's shape, and how it becomes a
 * generation.
 *
 * The gateway uses `model`, `messages`, `system` and `stream`; every other field (`max_tokens`,
 * `thinking`, `tools`, `tool_choice`, `temperature`, `stop_sequences`, `metadata`, …) passes
 * through to the model adapter unchanged as a param. Messages become the generation's
 * chat messages: `system` first; text blocks joined by a newline; an assistant's `tool_use`
 * blocks its tool calls (arguments = the input as JSON); a user's `tool_result` blocks `tool`
 * messages before its text; `thinking` blocks of earlier turns are dropped. Images, documents
 * and other block types are refused, naming the block.
 */
import type { GenerationJob, GenerationMessage } from '@spool/generation-queue';
import { CREATE_LIMITS, type Result, validate } from '@spool/protocol';
import { z } from 'zod';
import { checkPassThroughFields } from '../http/request-input.ts';

const OWN_FIELDS: ReadonlySet<string> = new Set(['model', 'messages', 'system', 'stream']);

const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().max(CREATE_LIMITS.paramStringLength),
  name: z.string().max(CREATE_LIMITS.paramKeyLength),
  input: z.json(),
});

const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().max(CREATE_LIMITS.paramStringLength),
  content: z.union([z.string(), z.array(textBlockSchema).max(1_024)]).optional(),
  is_error: z.boolean().optional(),
});

const thinkingBlockSchema = z.looseObject({
  type: z.enum(['thinking', 'redacted_thinking']),
});

const contentBlockSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  thinkingBlockSchema,
]);

const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema).max(1_024)]),
});

export const messagesBodySchema = z
  .looseObject({
    model: z.string().min(1).max(CREATE_LIMITS.modelLength).optional(),
    messages: z.array(messageSchema).min(1).max(CREATE_LIMITS.messages),
    system: z.union([z.string(), z.array(textBlockSchema).max(1_024)]).optional(),
    stream: z.boolean().nullish(),
  })
  .superRefine(checkPassThroughFields(OWN_FIELDS));

export type MessagesBody = z.output<typeof messagesBodySchema>;
type Message = MessagesBody['messages'][number];

/** The body, or `invalid_request` naming the field. */
export function parseMessagesBody(body: unknown): Result<MessagesBody> {
  const result = validate(messagesBodySchema, body, { code: 'invalid_request', subject: 'body' });
  if (result.ok) return result;
  return { ok: false, error: { ...result.error, code: 'invalid_request' } };
}

/** What the route does with a valid body. */
export interface MessagesPlan {
  stream: boolean;
  /** The model the answer names, when the request named one. */
  model: string | undefined;
  /** The stream's metadata fields. */
  fields: Record<string, string>;
  job: (streamId: string) => GenerationJob;
}

export function planMessages(body: MessagesBody): MessagesPlan {
  const params = Object.fromEntries(
    Object.entries(body).filter(([key, value]) => !OWN_FIELDS.has(key) && value !== undefined),
  ) as GenerationJob['params'];
  const messages: GenerationMessage[] = [];
  if (body.system !== undefined) messages.push({ role: 'system', content: textOf(body.system) });
  for (const message of body.messages) messages.push(...generationMessages(message));
  const fields: Record<string, string> = {};
  if (body.model !== undefined) fields.model = body.model;
  return {
    stream: body.stream === true,
    model: body.model,
    fields,
    job: (streamId) => ({ streamId, model: body.model, messages, params }),
  };
}

function textOf(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((block) => block.text).join('\n');
}

function generationMessages(message: Message): GenerationMessage[] {
  const { role, content } = message;
  if (typeof content === 'string') return [{ role, content }];
  const texts: string[] = [];
  const toolResults: GenerationMessage[] = [];
  const toolCalls: unknown[] = [];
  for (const block of content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    } else if (block.type === 'tool_result') {
      toolResults.push({
        role: 'tool',
        tool_call_id: block.tool_use_id,
        content: block.content === undefined ? '' : textOf(block.content),
      });
    }
  }
  const own: GenerationMessage = { role, content: texts.join('\n') };
  if (toolCalls.length > 0) own.tool_calls = toolCalls as GenerationMessage['tool_calls'];
  const keepOwn = texts.length > 0 || toolCalls.length > 0 || toolResults.length === 0;
  return keepOwn ? [...toolResults, own] : toolResults;
}
