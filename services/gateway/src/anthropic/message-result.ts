/**
 * A whole stream folded into one Anthropic `message` (`POST /v1/messages` without `stream`).
 * Pure: fed the items in offset order, it keeps only the answer, not them. A tool call's
 * arguments become its `input` (parsed JSON; text that does not parse stays a string under
 * `input._raw`, so nothing the model said is dropped).
 */
import type { FinishReason, Item } from '@spool/protocol';
import { type AnthropicStopReason, anthropicStopReason, messageId } from './anthropic-format.ts';

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; json: string };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: unknown[];
  stop_reason: AnthropicStopReason;
  stop_sequence: null;
  usage: { input_tokens: number; output_tokens: number };
  spool: { stream: string; finish_reason: FinishReason };
}

export class MessageFold {
  readonly #blocks = new Map<number, ContentBlock>();
  #outputTokens = 0;
  #usage: { input_tokens: number; output_tokens: number } | undefined;
  #error: { code: string; message: string } | undefined;
  #finishReason: FinishReason | undefined;

  /** The stream's `error` item, if it had one. */
  get error(): { code: string; message: string } | undefined {
    return this.#error;
  }

  push(item: Item): void {
    switch (item.type) {
      case 'block_start':
        if (!this.#blocks.has(item.block)) this.#blocks.set(item.block, emptyBlock(item));
        break;
      case 'token': {
        let block = this.#blocks.get(item.block);
        if (block === undefined) {
          block = { type: 'text', text: '' };
          this.#blocks.set(item.block, block);
        }
        this.#outputTokens += 1;
        if (block.type === 'text') block.text += item.text;
        else if (block.type === 'thinking') block.thinking += item.text;
        else block.json += item.text;
        break;
      }
      case 'usage':
        this.#usage = { input_tokens: item.prompt_tokens, output_tokens: item.completion_tokens };
        break;
      case 'error':
        this.#error = { code: item.code, message: item.message };
        break;
      case 'end':
        this.#finishReason = item.finish_reason;
        break;
      case 'block_end':
        break;
    }
  }

  /** The message; call it once `end` was pushed. */
  message(info: { streamId: string; model: string }): AnthropicMessage {
    const finishReason = this.#finishReason ?? 'stop';
    return {
      id: messageId(info.streamId),
      type: 'message',
      role: 'assistant',
      model: info.model,
      content: [...this.#blocks.values()].map(contentBlock),
      stop_reason: anthropicStopReason(finishReason),
      stop_sequence: null,
      usage: this.#usage ?? { input_tokens: 0, output_tokens: this.#outputTokens },
      spool: { stream: info.streamId, finish_reason: finishReason },
    };
  }
}

function emptyBlock(item: Extract<Item, { type: 'block_start' }>): ContentBlock {
  if (item.kind === 'reasoning') return { type: 'thinking', thinking: '', signature: '' };
  if (item.kind === 'tool_call') {
    return {
      type: 'tool_use',
      id: item.tool?.id ?? '',
      name: item.tool?.name ?? '',
      input: {},
      json: '',
    };
  }
  return { type: 'text', text: '' };
}

function contentBlock(block: ContentBlock): unknown {
  if (block.type !== 'tool_use') return block;
  const { json, ...rest } = block;
  return { ...rest, input: parseInput(json) };
}

function parseInput(json: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    return { _raw: json };
  }
}
