/**
 * A generation request as an Anthropic Messages API body (`stream: true`). Pure.
 *
 * The generation's chat messages are OpenAI-shaped (what `POST /v1/streams`, the OpenAI and the
 * Anthropic endpoints all turn into): `system` and `developer` messages join the `system`
 * field; an assistant's `tool_calls` become `tool_use` blocks (input = the parsed arguments); a
 * `tool` message becomes a user turn's `tool_result` block (consecutive ones share the turn, as
 * the Messages API wants all results of one assistant turn together). Params pass through,
 * except those the adapter sets; `max_tokens`, which the Messages API requires, defaults to the
 * adapter's setting.
 */
import type { ChatMessage, GenerationRequest, JsonValue } from '../model-adapter.ts';

const RESERVED_PARAMS: ReadonlySet<string> = new Set(['model', 'messages', 'system', 'stream']);

type Block = Record<string, JsonValue>;

interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

export interface MessagesBodyOptions {
  model: string | undefined;
  defaultMaxTokens: number;
}

export function messagesBody(request: GenerationRequest, options: MessagesBodyOptions): object {
  const passthrough = Object.fromEntries(
    Object.entries(request.params).filter(
      ([key, value]) => !RESERVED_PARAMS.has(key) && value !== null,
    ),
  );
  const system = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => message.content);
  return {
    max_tokens: options.defaultMaxTokens,
    ...passthrough,
    model: request.model ?? options.model,
    ...(system.length === 0 ? {} : { system: system.join('\n\n') }),
    messages: turns(request.messages),
    stream: true,
  };
}

function turns(messages: readonly ChatMessage[]): Turn[] {
  const result: Turn[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(message);
    const last = result.at(-1);
    // A tool result joins the user turn it follows: the results of one assistant turn go together.
    if (message.role === 'tool' && last?.role === 'user') last.content.push(...blocks);
    else result.push({ role, content: blocks });
  }
  return result;
}

function blocksOf(message: ChatMessage): Block[] {
  if (message.role === 'tool') {
    return [
      { type: 'tool_result', tool_use_id: message.tool_call_id ?? '', content: message.content },
    ];
  }
  const blocks: Block[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
  for (const call of message.tool_calls ?? []) blocks.push(toolUse(call));
  return blocks;
}

/** An OpenAI tool call (`{id, function: {name, arguments}}`) as a `tool_use` block. */
function toolUse(call: JsonValue): Block {
  const record = isRecord(call) ? call : {};
  const fn = isRecord(record.function) ? record.function : {};
  const name = typeof fn.name === 'string' ? fn.name : '';
  const id = typeof record.id === 'string' ? record.id : '';
  return { type: 'tool_use', id, name, input: parseArguments(fn.arguments) };
}

function parseArguments(value: JsonValue | undefined): JsonValue {
  if (typeof value !== 'string') return isRecord(value) ? value : {};
  try {
    const parsed = JSON.parse(value) as JsonValue;
    return isRecord(parsed) ? parsed : { value: parsed };
  } catch {
    return { _raw: value };
  }
}

function isRecord(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
