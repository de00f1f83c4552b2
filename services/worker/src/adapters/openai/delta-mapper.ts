/**
 * Turns OpenAI `chat.completion.chunk` objects into Spool items. Pure: no I/O, no clock.
 *
 * Blocks: `delta.reasoning_content` (or `delta.reasoning`) is a `reasoning` block,
 * `delta.content` (and `delta.refusal`) a `text` block, each `delta.tool_calls[i]` a
 * `tool_call` block of its own, keyed by the call's `index`. Whenever the kind of content
 * switches, the open block is closed and the next one opened with the next index; so
 * reasoning → text → reasoning gives three blocks. Within one delta the order is reasoning,
 * text, then tool calls. Empty strings produce no token.
 *
 * A tool call's block opens once its `id` and `name` are known (normally its first delta);
 * arguments that arrive before are held and sent as the block's first token. If something
 * else arrives first, or the stream ends, the call opens with what it has (`call_<index>`,
 * `''`). A call whose arguments resume after another block opened (interleaved parallel
 * calls, which OpenAI and vLLM do not send) continues in a new block with the same `tool`.
 *
 * Only choice 0 is read (Spool streams one completion; `n > 1` is not supported).
 */
import type { FinishReason, NewItem, Usage } from '@spool/protocol';
import { AdapterError } from '../model-adapter.ts';

type BlockStart = Extract<NewItem, { type: 'block_start' }>;

interface OpenBlock {
  block: number;
  kind: 'text' | 'reasoning' | 'tool_call';
  /** The tool call's `index` for a `tool_call` block. */
  call?: number;
}

interface ToolCallState {
  id?: string;
  name?: string;
  /** Arguments received before the block could open. */
  held: string;
  opened: boolean;
}

export class DeltaMapper {
  private nextBlock = 0;
  private open: OpenBlock | undefined;
  private readonly calls = new Map<number, ToolCallState>();
  private usage: Usage | undefined;
  private rawFinishReason: string | undefined;

  /** The upstream's `finish_reason`, once a chunk carried one. */
  get finishReason(): string | undefined {
    return this.rawFinishReason;
  }

  /** The items one parsed chunk adds. */
  push(chunk: ChatCompletionChunk): NewItem[] {
    const items: NewItem[] = [];
    if (isUsage(chunk.usage)) this.usage = pickUsage(chunk.usage);
    const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
    if (choice === undefined) return items;
    const delta = choice.delta ?? {};
    this.text(items, 'reasoning', delta.reasoning_content ?? delta.reasoning);
    this.text(items, 'text', delta.content);
    this.text(items, 'text', delta.refusal);
    for (const call of delta.tool_calls ?? []) this.toolCall(items, call);
    if (typeof choice.finish_reason === 'string') this.rawFinishReason = choice.finish_reason;
    return items;
  }

  /** The closing items: the open block's end, `usage` if the upstream sent it, then `end`. */
  finish(): NewItem[] {
    const items: NewItem[] = [];
    this.openPendingCalls(items);
    this.close(items);
    if (this.usage !== undefined) items.push({ type: 'usage', ...this.usage });
    items.push({ type: 'end', finish_reason: mapFinishReason(this.rawFinishReason) });
    return items;
  }

  private text(items: NewItem[], kind: 'text' | 'reasoning', text: unknown): void {
    if (typeof text !== 'string' || text === '') return;
    if (this.open?.kind !== kind) {
      this.openPendingCalls(items);
      this.start(items, { type: 'block_start', block: this.nextBlock, kind });
    }
    this.token(items, text);
  }

  private toolCall(items: NewItem[], delta: ToolCallDelta): void {
    const index = typeof delta.index === 'number' ? delta.index : 0;
    const call = this.calls.get(index) ?? { held: '', opened: false };
    this.calls.set(index, call);
    if (typeof delta.id === 'string' && delta.id !== '') call.id ??= delta.id;
    const name = delta.function?.name;
    if (typeof name === 'string' && name !== '') call.name ??= name;
    const args = typeof delta.function?.arguments === 'string' ? delta.function.arguments : '';
    if (this.open?.kind === 'tool_call' && this.open.call === index) {
      this.token(items, args);
      return;
    }
    call.held += args;
    if (call.opened || (call.id !== undefined && call.name !== undefined)) {
      this.openPendingCalls(items, index);
      this.openToolCall(items, index, call);
    }
  }

  /** Opens the calls still waiting for their id or name, except `except`. */
  private openPendingCalls(items: NewItem[], except?: number): void {
    for (const [index, call] of this.calls) {
      if (!call.opened && index !== except) this.openToolCall(items, index, call);
    }
  }

  private openToolCall(items: NewItem[], index: number, call: ToolCallState): void {
    const tool = { id: call.id ?? `call_${index}`, name: call.name ?? '' };
    this.start(items, { type: 'block_start', block: this.nextBlock, kind: 'tool_call', tool });
    this.open = { block: this.nextBlock - 1, kind: 'tool_call', call: index };
    call.opened = true;
    this.token(items, call.held);
    call.held = '';
  }

  private start(items: NewItem[], item: BlockStart): void {
    this.close(items);
    items.push(item);
    this.open = { block: item.block, kind: item.kind };
    this.nextBlock = item.block + 1;
  }

  private close(items: NewItem[]): void {
    if (this.open === undefined) return;
    items.push({ type: 'block_end', block: this.open.block });
    this.open = undefined;
  }

  private token(items: NewItem[], text: string): void {
    if (text === '' || this.open === undefined) return;
    items.push({ type: 'token', block: this.open.block, text });
  }
}

/**
 * OpenAI's finish reasons onto Spool's. `content_filter` becomes `stop`: the provider ended
 * the answer by policy, which is a normal end of what it produced, not a failure of Spool's;
 * the legacy `function_call` becomes `tool_calls`; a missing or unknown reason becomes `stop`.
 */
export function mapFinishReason(reason: string | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  return 'stop';
}

/** Parses one SSE `data:` payload (not `[DONE]`) into a chunk, or throws `upstream_error`. */
export function parseChunk(data: string): ChatCompletionChunk {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    throw new AdapterError('upstream_error', 'malformed SSE data from the upstream', {
      cause: error,
      detail: excerpt(data),
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AdapterError('upstream_error', 'SSE data from the upstream is not a chunk object', {
      detail: excerpt(data),
    });
  }
  const upstreamError = (value as { error?: unknown }).error;
  if (upstreamError !== undefined && upstreamError !== null) {
    throw new AdapterError('upstream_error', 'the upstream failed mid-stream', {
      detail: errorText(upstreamError),
    });
  }
  return value as ChatCompletionChunk;
}

/** The fields of a `chat.completion.chunk` the mapper reads; everything may be missing. */
export interface ChatCompletionChunk {
  choices?: Array<{ index?: number; delta?: ChunkDelta | null; finish_reason?: string | null }>;
  usage?: unknown;
}

export interface ChunkDelta {
  role?: string;
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  refusal?: string | null;
  tool_calls?: ToolCallDelta[] | null;
}

export interface ToolCallDelta {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

function isUsage(value: unknown): value is Usage {
  if (typeof value !== 'object' || value === null) return false;
  const usage = value as Record<string, unknown>;
  return ['prompt_tokens', 'completion_tokens', 'total_tokens'].every(
    (key) => typeof usage[key] === 'number',
  );
}

function pickUsage(usage: Usage): Usage {
  const { prompt_tokens, completion_tokens, total_tokens } = usage;
  return { prompt_tokens, completion_tokens, total_tokens };
}

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return excerpt(JSON.stringify(error));
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
