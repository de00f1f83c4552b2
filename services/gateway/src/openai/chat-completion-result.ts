/**
 * A whole stream folded into one OpenAI `chat.completion` (`POST /v1/chat/completions` with
 * `stream: false`). Pure: fed the items in offset order, it keeps only the answer, not them.
 */
import type { BlockKind, FinishReason, Item, Usage } from '@spool/protocol';
import { type OpenAIFinishReason, openAIFinishReason } from './openai-format.ts';

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: {
        role: 'assistant';
        content: string | null;
        reasoning_content?: string;
        tool_calls?: ToolCall[];
      };
      logprobs: null;
      finish_reason: OpenAIFinishReason;
    },
  ];
  usage?: Usage;
  spool: { stream: string; finish_reason: FinishReason };
}

export class CompletionFold {
  readonly #kinds = new Map<number, BlockKind>();
  readonly #toolCalls = new Map<number, ToolCall>();
  #content = '';
  #reasoning = '';
  #usage: Usage | undefined;
  #error: { code: string; message: string } | undefined;
  #finishReason: FinishReason | undefined;

  /** The stream's `error` item, if it had one. */
  get error(): { code: string; message: string } | undefined {
    return this.#error;
  }

  /** Spool's finish reason, once `end` was pushed. */
  get finishReason(): FinishReason | undefined {
    return this.#finishReason;
  }

  push(item: Item): void {
    switch (item.type) {
      case 'block_start':
        this.#kinds.set(item.block, item.kind);
        if (item.kind === 'tool_call') {
          const { id = '', name = '' } = item.tool ?? {};
          this.#toolCalls.set(item.block, {
            id,
            type: 'function',
            function: { name, arguments: '' },
          });
        }
        break;
      case 'token':
        this.#token(item.block, item.text);
        break;
      case 'usage': {
        const { prompt_tokens, completion_tokens, total_tokens } = item;
        this.#usage = { prompt_tokens, completion_tokens, total_tokens };
        break;
      }
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

  /** The completion; call it once `end` was pushed. */
  completion(info: { streamId: string; created: number; model: string }): ChatCompletion {
    const toolCalls = [...this.#toolCalls.values()];
    const finishReason = this.#finishReason ?? 'stop';
    const content = this.#content === '' && toolCalls.length > 0 ? null : this.#content;
    return {
      id: `chatcmpl-${info.streamId}`,
      object: 'chat.completion',
      created: info.created,
      model: info.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content,
            ...(this.#reasoning === '' ? {} : { reasoning_content: this.#reasoning }),
            ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
          },
          logprobs: null,
          finish_reason: openAIFinishReason(finishReason),
        },
      ],
      ...(this.#usage === undefined ? {} : { usage: this.#usage }),
      spool: { stream: info.streamId, finish_reason: finishReason },
    };
  }

  #token(block: number, text: string): void {
    const kind = this.#kinds.get(block) ?? 'text';
    const call = this.#toolCalls.get(block);
    if (kind === 'tool_call' && call !== undefined) call.function.arguments += text;
    else if (kind === 'reasoning') this.#reasoning += text;
    else this.#content += text;
  }
}
