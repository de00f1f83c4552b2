/**
 * Spool chunks as Anthropic Messages API stream events (`POST /v1/messages` with `stream: true`
 * and `?format=anthropic`). Pure: the caller owns one stream's encoding state and feeds it the
 * chunks in offset order. Spool's blocks are Anthropic's content blocks:
 *
 * - The first event is `message_start` (an empty assistant message naming the model).
 * - `block_start` → `content_block_start` with a `text`, `thinking` or `tool_use` block; tokens
 *   → `content_block_delta` with a `text_delta`, `thinking_delta` or `input_json_delta`;
 *   `block_end` → `content_block_stop`. Anthropic numbers blocks 0, 1, 2, … in the order they
 *   open; a token of a block that never opened opens a text block first.
 * - `usage` is held back; `end` → `message_delta` (the stop reason and the usage) then
 *   `message_stop`. Stop reasons: `stop` and `cancelled` → `end_turn`, `length` → `max_tokens`,
 *   `tool_calls` → `tool_use`; `spool.finish_reason` keeps Spool's own.
 * - An `error` item → an `error` event, what the Messages API sends mid-stream (the SDK throws
 *   it as an `APIError`).
 * - Events have `id:` = Spool's resume point (the offset after the last item they carry, with the
 *   stream's epoch as in Spool's SSE: `<offset>:<epoch>`). The
 *   events of one item share that point, so only the last of them carries it (`message_start`
 *   goes with the first item's event, `message_delta` with `message_stop`): a client cut inside
 *   such a group resumes before it and gets the whole group again, never loses part of it. An
 *   item that produces no event (`usage`) is covered by the next id.
 */
import type { BlockKind, Chunk, ControlItem, FinishReason, Item } from '@spool/protocol';
import { chunkEnd, formatResumeId } from '@spool/protocol';

export interface AnthropicStreamInfo {
  streamId: string;
  model: string;
  /** The delivery's epoch, carried in ids (`<offset>:<epoch>`; none: plain offsets). */
  epoch?: string;
}

interface OpenBlock {
  kind: BlockKind;
  /** Anthropic's index: the block's place in the message's `content`. */
  index: number;
}

/** The encoding state of one stream on one connection. */
export interface AnthropicEncoderState {
  readonly info: AnthropicStreamInfo;
  /** Blocks opened so far, by Spool block number. */
  readonly blocks: Map<number, OpenBlock>;
  /** Whether `message_start` went out. */
  started: boolean;
  /** Output tokens so far (token items), for `message_delta` when no usage item came. */
  outputTokens: number;
  usage: { input_tokens: number; output_tokens: number } | undefined;
}

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'tool_use';

export function anthropicEncoderState(info: AnthropicStreamInfo): AnthropicEncoderState {
  return { info, blocks: new Map(), started: false, outputTokens: 0, usage: undefined };
}

export function anthropicStopReason(reason: FinishReason): AnthropicStopReason {
  if (reason === 'length') return 'max_tokens';
  if (reason === 'tool_calls') return 'tool_use';
  return 'end_turn';
}

/** Anthropic's error type for a Spool error code. */
export function anthropicErrorType(code: string): string {
  switch (code) {
    case 'unauthorized':
      return 'authentication_error';
    case 'forbidden':
      return 'permission_error';
    case 'route_not_found':
    case 'stream_not_found':
    case 'subscription_not_found':
      return 'not_found_error';
    case 'payload_too_large':
      return 'request_too_large';
    case 'quota_exceeded':
      return 'rate_limit_error';
    case 'over_capacity':
    case 'draining':
    case 'redis_unavailable':
      return 'overloaded_error';
    case 'upstream_timeout':
    case 'generation_timeout':
      return 'timeout_error';
    case 'upstream_error':
    case 'worker_lost':
    case 'internal':
    case 'data_loss':
    case 'slow_consumer':
      return 'api_error';
    default:
      // Every other code is the request's: 400s and 409s, 410 for expired streams.
      return 'invalid_request_error';
  }
}

/** The Messages API's error body, with Spool's code beside its type. */
export function anthropicError(error: { code: string; message: string }) {
  return {
    type: 'error' as const,
    error: { type: anthropicErrorType(error.code), message: error.message, code: error.code },
  };
}

/** Advances the state past an item the client already has (below its resume point). */
export function skipItem(state: AnthropicEncoderState, item: Item): void {
  state.started = true;
  if (item.type === 'token') {
    if (!state.blocks.has(item.block)) open(state, item.block, 'text');
    state.outputTokens += 1;
  } else encodeControl(state, item);
}

/** The SSE text for one chunk: one event, several, or nothing (`usage`). */
export function encodeAnthropicChunk(chunk: Chunk, state: AnthropicEncoderState): string {
  const events = start(state);
  if (chunk.kind === 'tokens') {
    if (!state.blocks.has(chunk.block)) events.push(openBlock(state, chunk.block, 'text'));
    const block = state.blocks.get(chunk.block) as OpenBlock;
    state.outputTokens += chunk.to - chunk.from;
    events.push(['content_block_delta', blockDelta(block, chunk.text)]);
  } else events.push(...encodeControl(state, chunk.item));
  return serialize(events, formatResumeId(chunkEnd(chunk), state.info.epoch ?? ''));
}

/** An error that is no stream item (`slow_consumer`, `draining`, …): no id, as in Spool SSE. */
export function encodeAnthropicProtocolError(error: { code: string; message: string }): string {
  return `event: error\ndata: ${JSON.stringify(anthropicError(error))}\n\n`;
}

type Event = [name: string, data: unknown];

function start(state: AnthropicEncoderState): Event[] {
  if (state.started) return [];
  state.started = true;
  const message = {
    id: messageId(state.info.streamId),
    type: 'message',
    role: 'assistant',
    model: state.info.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  return [['message_start', { type: 'message_start', message }]];
}

function encodeControl(state: AnthropicEncoderState, item: ControlItem): Event[] {
  switch (item.type) {
    case 'block_start':
      if (state.blocks.has(item.block)) return [];
      return [openBlock(state, item.block, item.kind, item.tool)];
    case 'block_end': {
      const block = state.blocks.get(item.block);
      if (block === undefined) return [];
      return [['content_block_stop', { type: 'content_block_stop', index: block.index }]];
    }
    case 'usage':
      state.usage = { input_tokens: item.prompt_tokens, output_tokens: item.completion_tokens };
      return [];
    case 'error':
      return [['error', anthropicError(item)]];
    case 'end':
      return finish(state, item.finish_reason);
  }
}

function open(state: AnthropicEncoderState, block: number, kind: BlockKind): OpenBlock {
  const opened = { kind, index: state.blocks.size };
  state.blocks.set(block, opened);
  return opened;
}

function openBlock(
  state: AnthropicEncoderState,
  block: number,
  kind: BlockKind,
  tool?: { id: string; name: string },
): Event {
  const { index } = open(state, block, kind);
  return [
    'content_block_start',
    { type: 'content_block_start', index, content_block: emptyBlock(kind, tool) },
  ];
}

function emptyBlock(kind: BlockKind, tool?: { id: string; name: string }) {
  switch (kind) {
    case 'text':
      return { type: 'text', text: '' };
    case 'reasoning':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'tool_call':
      return { type: 'tool_use', id: tool?.id ?? '', name: tool?.name ?? '', input: {} };
  }
}

function blockDelta(block: OpenBlock, text: string) {
  const delta =
    block.kind === 'reasoning'
      ? { type: 'thinking_delta', thinking: text }
      : block.kind === 'tool_call'
        ? { type: 'input_json_delta', partial_json: text }
        : { type: 'text_delta', text };
  return { type: 'content_block_delta', index: block.index, delta };
}

function finish(state: AnthropicEncoderState, reason: FinishReason): Event[] {
  const usage = state.usage ?? { input_tokens: 0, output_tokens: state.outputTokens };
  const delta = {
    type: 'message_delta',
    delta: { stop_reason: anthropicStopReason(reason), stop_sequence: null },
    usage,
    spool: { stream: state.info.streamId, finish_reason: reason },
  };
  return [
    ['message_delta', delta],
    ['message_stop', { type: 'message_stop' }],
  ];
}

export function messageId(streamId: string): string {
  return `msg_${streamId}`;
}

/** The events as SSE text, the resume point `id` on the last one only. */
function serialize(events: Event[], id: string): string {
  let text = '';
  events.forEach(([name, data], index) => {
    const idLine = index === events.length - 1 ? `id: ${id}\n` : '';
    text += `event: ${name}\n${idLine}data: ${JSON.stringify(data)}\n\n`;
  });
  return text;
}
