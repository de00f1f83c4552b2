/**
 * Spool items as the Vercel AI SDK's UI message chunks (what `useChat` reads), for the gateway's
 * chat answers and for clients that read streams themselves (`@spool/ai-sdk`). Pure: the caller
 * owns one stream's encoding state and feeds it the items (or chunks) in offset order. Only chunk
 * types that AI SDK 5, 6 and 7 all accept are made:
 *
 * - The first item opens the message: `start` (with `messageId`, the same for every reader of the
 *   stream, so a resumed answer replaces the message instead of adding one) and `start-step`.
 * - Spool's blocks are parts, their ids `b<block>`: `block_start` of a text block → `text-start`,
 *   tokens → `text-delta`, `block_end` → `text-end`; reasoning blocks → `reasoning-*`; tool calls
 *   → `tool-input-start`, `tool-input-delta`, and at `block_end` `tool-input-available` with the
 *   input parsed from the deltas (the raw text when it is not JSON). A token of a block that never
 *   opened opens a text part first.
 * - `usage` is held back for the end; an `error` item → `error` (the client's `onError`); `end`
 *   → `finish-step` and `finish` (finish reason in the SDK's terms, usage and Spool's own finish
 *   reason as message metadata).
 */
import type { Chunk } from './chunk.ts';
import type { BlockKind, ControlItem, FinishReason, Item } from './items.ts';

export interface UiMessageStreamInfo {
  streamId: string;
  /** The delivery's epoch, carried in ids (`<offset>:<epoch>`; none: plain offsets). */
  epoch?: string;
}

interface OpenPart {
  kind: BlockKind;
  id: string;
  tool?: { id: string; name: string };
  /** A tool call's input so far: the concatenated deltas. */
  input: string;
}

/** The encoding state of one stream on one connection. */
export interface UiMessageEncoderState {
  readonly info: UiMessageStreamInfo;
  readonly parts: Map<number, OpenPart>;
  started: boolean;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number } | undefined;
}

/** The SDK's finish reasons that every supported version accepts. */
export type UiFinishReason = 'stop' | 'length' | 'tool-calls' | 'error' | 'other';

/** A UI message chunk, as the SDK's schema has it (only the fields Spool writes). */
export type UiMessageChunk = { type: string } & Record<string, unknown>;

export function uiMessageEncoderState(info: UiMessageStreamInfo): UiMessageEncoderState {
  return { info, parts: new Map(), started: false, usage: undefined };
}

/** The assistant message id of a stream: the same on every answer and every gateway. */
export function uiMessageId(streamId: string): string {
  return `msg_${streamId}`;
}

export function uiFinishReason(reason: FinishReason): UiFinishReason {
  switch (reason) {
    case 'tool_calls':
      return 'tool-calls';
    case 'cancelled':
      return 'other';
    default:
      return reason;
  }
}

/**
 * The UI chunks one item makes, in order, advancing the state (the message's opening chunks with
 * the first item). Answers that count chunks (the WorkflowChatTransport's `startIndex`) are
 * delivered one item per chunk, so their chunks are exactly these, item after item.
 */
export function uiChunksOfItem(state: UiMessageEncoderState, item: Item): UiMessageChunk[] {
  const chunks = start(state);
  if (item.type === 'token') chunks.push(...tokenChunks(state, item.block, item.text));
  else chunks.push(...controlChunks(state, item));
  return chunks;
}

/** The UI chunks of one Spool chunk (its tokens as one delta), advancing the state. */
export function uiChunksOfChunk(state: UiMessageEncoderState, chunk: Chunk): UiMessageChunk[] {
  const chunks = start(state);
  if (chunk.kind === 'tokens') chunks.push(...tokenChunks(state, chunk.block, chunk.text));
  else chunks.push(...controlChunks(state, chunk.item));
  return chunks;
}

/** Advances the state past an item the client already has (below its resume point). */
export function skipUiItem(state: UiMessageEncoderState, item: Item): void {
  uiChunksOfItem(state, item);
}

/** The `error` chunk of a Spool error. */
export function uiError(error: { code: string; message: string }): UiMessageChunk {
  return { type: 'error', errorText: `${error.code}: ${error.message}` };
}

function start(state: UiMessageEncoderState): UiMessageChunk[] {
  if (state.started) return [];
  state.started = true;
  return [{ type: 'start', messageId: uiMessageId(state.info.streamId) }, { type: 'start-step' }];
}

function tokenChunks(state: UiMessageEncoderState, block: number, text: string): UiMessageChunk[] {
  const opened = state.parts.has(block) ? [] : openPart(state, block, 'text');
  const part = state.parts.get(block) as OpenPart;
  switch (part.kind) {
    case 'text':
      return [...opened, { type: 'text-delta', id: part.id, delta: text }];
    case 'reasoning':
      return [...opened, { type: 'reasoning-delta', id: part.id, delta: text }];
    case 'tool_call':
      part.input += text;
      return [
        ...opened,
        { type: 'tool-input-delta', toolCallId: toolCallId(part), inputTextDelta: text },
      ];
  }
}

function controlChunks(state: UiMessageEncoderState, item: ControlItem): UiMessageChunk[] {
  switch (item.type) {
    case 'block_start':
      return state.parts.has(item.block) ? [] : openPart(state, item.block, item.kind, item.tool);
    case 'block_end':
      return closePart(state, item.block);
    case 'usage':
      state.usage = {
        inputTokens: item.prompt_tokens,
        outputTokens: item.completion_tokens,
        totalTokens: item.total_tokens,
      };
      return [];
    case 'error':
      return [uiError(item)];
    case 'end':
      return finish(state, item.finish_reason);
  }
}

function openPart(
  state: UiMessageEncoderState,
  block: number,
  kind: BlockKind,
  tool?: { id: string; name: string },
): UiMessageChunk[] {
  const part: OpenPart = { kind, id: `b${block}`, input: '', ...(tool ? { tool } : {}) };
  state.parts.set(block, part);
  switch (kind) {
    case 'text':
      return [{ type: 'text-start', id: part.id }];
    case 'reasoning':
      return [{ type: 'reasoning-start', id: part.id }];
    case 'tool_call':
      return [{ type: 'tool-input-start', toolCallId: toolCallId(part), toolName: toolName(part) }];
  }
}

/** Closes a part; the state keeps it (as closed) so a later token of its block opens nothing. */
function closePart(state: UiMessageEncoderState, block: number): UiMessageChunk[] {
  const part = state.parts.get(block);
  if (part === undefined) return [];
  switch (part.kind) {
    case 'text':
      return [{ type: 'text-end', id: part.id }];
    case 'reasoning':
      return [{ type: 'reasoning-end', id: part.id }];
    case 'tool_call': {
      const available = {
        type: 'tool-input-available',
        toolCallId: toolCallId(part),
        toolName: toolName(part),
        input: parseInput(part.input),
      };
      part.input = '';
      return [available];
    }
  }
}

function finish(state: UiMessageEncoderState, reason: FinishReason): UiMessageChunk[] {
  const spool = { stream: state.info.streamId, finish_reason: reason };
  const messageMetadata = state.usage === undefined ? { spool } : { usage: state.usage, spool };
  return [
    { type: 'finish-step' },
    { type: 'finish', finishReason: uiFinishReason(reason), messageMetadata },
  ];
}

function toolCallId(part: OpenPart): string {
  return part.tool?.id ?? part.id;
}

function toolName(part: OpenPart): string {
  return part.tool?.name ?? 'unknown';
}

function parseInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
