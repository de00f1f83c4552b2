/**
 * Anthropic Messages API stream events → Spool items. Pure and stateful per generation.
 *
 * - `content_block_start` opens a Spool block (numbered in the order they open): `text` →
 *   `text`, `thinking` → `reasoning`, `tool_use` → `tool_call` with its id and name. Other
 *   block types (`redacted_thinking`, server tools' blocks, …) carry nothing a reader can show:
 *   their events are skipped.
 * - `text_delta`, `thinking_delta`, `input_json_delta` → tokens (empty ones dropped);
 *   `signature_delta` and `citations_delta` are not content.
 * - `content_block_stop` → `block_end`; `message_delta` keeps the stop reason and the output
 *   tokens; `message_stop` → `usage` then `end`.
 * - An `error` event is the upstream failing mid-stream: `AdapterError('upstream_error')`,
 *   retryable when Anthropic says it is overloaded or failed internally.
 */
import type { FinishReason, NewItem } from '@spool/protocol';
import { AdapterError } from '../model-adapter.ts';

interface OpenBlock {
  block: number;
}

export class AnthropicEventMapper {
  /** Open Spool blocks by Anthropic index; `null` for a skipped block type. */
  readonly #open = new Map<number, OpenBlock | null>();
  #blocks = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #stopReason: string | undefined;
  #stopped = false;

  /** Whether `message_stop` came: the stream is complete. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The items one event's `data` amounts to. */
  push(data: string): NewItem[] {
    const event = parseEvent(data);
    switch (event.type) {
      case 'message_start':
        this.#inputTokens = numberAt(event, ['message', 'usage', 'input_tokens']) ?? 0;
        return [];
      case 'content_block_start':
        return this.#start(event);
      case 'content_block_delta':
        return this.#delta(event);
      case 'content_block_stop': {
        const open = this.#open.get(numberAt(event, ['index']) ?? -1);
        return open ? [{ type: 'block_end', block: open.block }] : [];
      }
      case 'message_delta': {
        const reason = valueAt(event, ['delta', 'stop_reason']);
        if (typeof reason === 'string') this.#stopReason = reason;
        this.#outputTokens = numberAt(event, ['usage', 'output_tokens']) ?? this.#outputTokens;
        return [];
      }
      case 'message_stop':
        this.#stopped = true;
        return [
          {
            type: 'usage',
            prompt_tokens: this.#inputTokens,
            completion_tokens: this.#outputTokens,
            total_tokens: this.#inputTokens + this.#outputTokens,
          },
          { type: 'end', finish_reason: finishReason(this.#stopReason) },
        ];
      case 'error':
        throw upstreamStreamError(event);
      default:
        return []; // ping, and event types added later
    }
  }

  #start(event: Record<string, unknown>): NewItem[] {
    const index = numberAt(event, ['index']) ?? -1;
    const block = valueAt(event, ['content_block']) as Record<string, unknown> | undefined;
    const kind =
      block?.type === 'text'
        ? 'text'
        : block?.type === 'thinking'
          ? 'reasoning'
          : block?.type === 'tool_use'
            ? 'tool_call'
            : undefined;
    if (kind === undefined) {
      this.#open.set(index, null);
      return [];
    }
    const number = this.#blocks++;
    this.#open.set(index, { block: number });
    if (kind !== 'tool_call') return [{ type: 'block_start', block: number, kind }];
    const tool = { id: String(block?.id ?? ''), name: String(block?.name ?? '') };
    return [{ type: 'block_start', block: number, kind, tool }];
  }

  #delta(event: Record<string, unknown>): NewItem[] {
    const open = this.#open.get(numberAt(event, ['index']) ?? -1);
    if (!open) return [];
    const delta = valueAt(event, ['delta']) as Record<string, unknown> | undefined;
    const text =
      delta?.type === 'text_delta'
        ? delta.text
        : delta?.type === 'thinking_delta'
          ? delta.thinking
          : delta?.type === 'input_json_delta'
            ? delta.partial_json
            : undefined;
    if (typeof text !== 'string' || text === '') return [];
    return [{ type: 'token', block: open.block, text }];
  }
}

export function finishReason(stopReason: string | undefined): FinishReason {
  if (stopReason === 'max_tokens') return 'length';
  if (stopReason === 'tool_use') return 'tool_calls';
  return 'stop';
}

function parseEvent(data: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new AdapterError('upstream_error', 'the upstream sent an event that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AdapterError('upstream_error', 'the upstream sent an event that is not an object');
  }
  return parsed as Record<string, unknown>;
}

function upstreamStreamError(event: Record<string, unknown>): AdapterError {
  const type = valueAt(event, ['error', 'type']);
  const message = valueAt(event, ['error', 'message']);
  const retryable = type === 'overloaded_error' || type === 'api_error';
  // The type is one of the vendor's documented names (`overloaded_error`); anything else, and the
  // message, only reach the logs.
  const named = typeof type === 'string' && /^[a-z_]{1,40}$/.test(type) ? ` (${type})` : '';
  return new AdapterError('upstream_error', `the upstream failed mid-stream${named}`, {
    retryable,
    detail: typeof message === 'string' ? message.slice(0, 300) : undefined,
  });
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function numberAt(value: unknown, path: readonly string[]): number | undefined {
  const found = valueAt(value, path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}
