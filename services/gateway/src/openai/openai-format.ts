/**
 * Spool chunks as OpenAI `chat.completion.chunk` SSE events (`?format=openai` and
 * `POST /v1/chat/completions` with `stream: true`). Pure: the caller owns the state of one
 * stream's encoding and feeds it the chunks in offset order.
 *
 * - Text tokens → `delta.content`; reasoning tokens → `delta.reasoning_content`; a tool-call
 *   block → `delta.tool_calls` (its `block_start` names the call, its tokens are `arguments`).
 *   The first chunk with a choice carries `delta.role: 'assistant'`.
 * - Every event has `id:` = Spool's resume point (the offset after its last item) and the chunk
 *   repeats it as `spool.next`, for clients whose SDK hides SSE ids. An item that produces no
 *   event (`block_end`, a `block_start` of text) is covered by the next event's id.
 * - `usage` becomes OpenAI's last chunk (`choices: []`), after the finish chunk, and only when
 *   the client asked for it (`stream_options.include_usage`).
 * - `end` → a chunk with an empty delta and the finish reason (`cancelled` and `error` are
 *   `stop`; `spool.finish_reason` keeps Spool's own), then `data: [DONE]`, which has no id.
 * - An `error` item → `data: {"error": {message, type: "server_error", code}}`, what OpenAI
 *   sends mid-stream (the openai SDK throws it).
 */
import type {
  BlockKind,
  Chunk,
  ControlItem,
  FinishReason,
  Item,
  TokensChunk,
  Usage,
} from '@spool/protocol';
import { chunkEnd, formatResumeId } from '@spool/protocol';

/** What every chunk of one stream repeats. */
export interface OpenAIStreamInfo {
  streamId: string;
  /** Unix seconds of the stream's creation. */
  created: number;
  model: string;
  /** Send the usage chunk (OpenAI's `stream_options.include_usage`). */
  includeUsage: boolean;
  /** The delivery's epoch, carried in ids and `spool.epoch` (none: ids are plain offsets). */
  epoch?: string;
}

interface BlockInfo {
  kind: BlockKind;
  /** For tool-call blocks: the call's index among the stream's tool calls. */
  toolIndex: number;
}

/** The encoding state of one stream on one connection. */
export interface OpenAIEncoderState {
  readonly info: OpenAIStreamInfo;
  /** Every block opened so far, by block index. */
  readonly blocks: Map<number, BlockInfo>;
  /** Tool calls opened so far: the index of the next one. */
  toolCalls: number;
  /** Whether a chunk with a choice (and so `role`) went out. */
  roleSent: boolean;
  /** The usage item, held back until `end`: OpenAI sends usage last. */
  usage: Usage | undefined;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls';

export const OPENAI_DONE = 'data: [DONE]\n\n';

export function openAIEncoderState(info: OpenAIStreamInfo): OpenAIEncoderState {
  return { info, blocks: new Map(), toolCalls: 0, roleSent: false, usage: undefined };
}

/** OpenAI has no `cancelled` or `error`: what was produced before them is a plain stop. */
export function openAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  return reason === 'length' || reason === 'tool_calls' ? reason : 'stop';
}

/**
 * Advances the state past an item the client already has (below its resume point), so the
 * chunks after it keep their tool-call indexes, content kinds and role.
 */
export function skipItem(state: OpenAIEncoderState, item: Item): void {
  if (item.type === 'token') state.roleSent = true;
  else encodeControl(state, item);
}

/** The SSE text for one chunk: one event, several (end), or nothing (block_end, …). */
export function encodeOpenAIChunk(chunk: Chunk, state: OpenAIEncoderState): string {
  const next = chunkEnd(chunk);
  if (chunk.kind === 'tokens')
    return event(state, next, choiceChunk(state, next, tokenDelta(state, chunk)));
  return encodeControl(state, chunk.item);
}

/** An error that is no stream item (`slow_consumer`, `draining`, …): no id, as in Spool SSE. */
export function encodeOpenAIProtocolError(error: { code: string; message: string }): string {
  return `data: ${JSON.stringify(openAIError(error))}\n\n`;
}

/** OpenAI's error body, as it sends one mid-stream. */
export function openAIError(error: { code: string; message: string }) {
  return { error: { message: error.message, type: 'server_error', code: error.code } };
}

function encodeControl(state: OpenAIEncoderState, item: ControlItem): string {
  const next = item.offset + 1;
  switch (item.type) {
    case 'block_start':
      return openBlock(state, item, next);
    case 'block_end':
      return '';
    case 'usage': {
      const { prompt_tokens, completion_tokens, total_tokens } = item;
      state.usage = { prompt_tokens, completion_tokens, total_tokens };
      return '';
    }
    case 'error':
      return event(state, next, openAIError(item));
    case 'end':
      return finish(state, item.finish_reason, next);
  }
}

function openBlock(
  state: OpenAIEncoderState,
  item: Extract<ControlItem, { type: 'block_start' }>,
  next: number,
): string {
  const toolIndex = item.kind === 'tool_call' ? state.toolCalls++ : -1;
  state.blocks.set(item.block, { kind: item.kind, toolIndex });
  if (item.kind !== 'tool_call') return '';
  const call = {
    index: toolIndex,
    id: item.tool?.id ?? '',
    type: 'function',
    function: { name: item.tool?.name ?? '', arguments: '' },
  };
  return event(state, next, choiceChunk(state, next, { tool_calls: [call] }));
}

function tokenDelta(state: OpenAIEncoderState, chunk: TokensChunk): Record<string, unknown> {
  const block = state.blocks.get(chunk.block);
  if (block?.kind === 'reasoning') return { reasoning_content: chunk.text };
  if (block?.kind === 'tool_call') {
    return { tool_calls: [{ index: block.toolIndex, function: { arguments: chunk.text } }] };
  }
  return { content: chunk.text };
}

function finish(state: OpenAIEncoderState, reason: FinishReason, next: number): string {
  const chunk = choiceChunk(state, next, {}, openAIFinishReason(reason));
  let text = event(state, next, { ...chunk, spool: { ...chunk.spool, finish_reason: reason } });
  if (state.info.includeUsage && state.usage !== undefined) {
    text += event(state, next, {
      ...envelope(state.info),
      choices: [],
      usage: state.usage,
      ...spool(state, next),
    });
  }
  return text + OPENAI_DONE;
}

function choiceChunk(
  state: OpenAIEncoderState,
  next: number,
  delta: Record<string, unknown>,
  finishReason: OpenAIFinishReason | null = null,
) {
  const role = state.roleSent ? {} : { role: 'assistant' };
  state.roleSent = true;
  return {
    ...envelope(state.info),
    choices: [
      { index: 0, delta: { ...role, ...delta }, logprobs: null, finish_reason: finishReason },
    ],
    ...(state.info.includeUsage ? { usage: null } : {}),
    ...spool(state, next),
  };
}

function envelope(info: OpenAIStreamInfo) {
  return {
    id: `chatcmpl-${info.streamId}`,
    object: 'chat.completion.chunk',
    created: info.created,
    model: info.model,
  };
}

function spool(state: OpenAIEncoderState, next: number) {
  const { streamId, epoch } = state.info;
  return { spool: epoch ? { stream: streamId, next, epoch } : { stream: streamId, next } };
}

function event(state: OpenAIEncoderState, next: number, data: unknown): string {
  return `id: ${formatResumeId(next, state.info.epoch ?? '')}\ndata: ${JSON.stringify(data)}\n\n`;
}
