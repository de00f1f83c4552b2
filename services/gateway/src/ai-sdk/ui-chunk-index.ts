/**
 * Resume by chunk index, the AI SDK's `WorkflowChatTransport` contract: `?startIndex=N` counts the
 * UI chunks of the answer (every `data:` line but `[DONE]`), from 0; a negative N means "the last
 * |N|", resolved by the client with the `x-workflow-stream-tail-index` header (position = tail
 * index + 1 + N). Answers that count are delivered one item per chunk, so the index space is a
 * function of the log alone (ui-message-format.ts `uiChunksOfItem`), the same on every gateway.
 *
 * A non-negative index is the client's own count: it resumes exactly there, inside an item's
 * chunks if need be. A negative one comes from a client without the message (a reload showing the
 * tail): a position inside an open part would hand it deltas of a part it never saw, which the
 * SDK's processor throws on, so the position snaps back to the start of every part open there,
 * and the tail index the answer names is moved by as much, so that the client's arithmetic lands
 * where the answer starts and its later retries count from there.
 */
import {
  type Item,
  type Result,
  SpoolError,
  uiChunksOfItem,
  uiMessageEncoderState,
} from '@spool/protocol';

export interface UiChunkPosition {
  /** The item the answer starts with. */
  from: number;
  /** How many of that item's chunks the client has. */
  skip: number;
  /** The value of `x-workflow-stream-tail-index`. */
  tailIndex: number;
}

/** Reads the stream's items `[from, to)` in order; `to` omitted: up to its current end. */
export type ItemReader = (range: { to?: number }) => AsyncIterable<Item>;

interface Part {
  /** Index of its `*-start` chunk. */
  start: number;
  /** Index of its closing chunk; open parts: none. */
  end: number;
}

export async function uiChunkPosition(
  streamId: string,
  readItems: ItemReader,
  startIndex: number,
): Promise<Result<UiChunkPosition>> {
  // A non-negative index is found in the same scan that counts the chunks.
  const target = startIndex >= 0 ? startIndex : undefined;
  const { total, parts, found, next } = await countChunks(streamId, readItems, target);
  if (startIndex > total) {
    const message = `startIndex ${startIndex} is beyond the ${total} chunks the stream has made.`;
    return { ok: false, error: new SpoolError('offset_out_of_range', message) };
  }
  if (target !== undefined) {
    const { from, skip } = found ?? { from: next, skip: 0 };
    return { ok: true, value: { from, skip, tailIndex: total - 1 } };
  }
  const position = snapBack(Math.max(0, total + startIndex), parts);
  const { from, skip } = await itemAt(streamId, readItems, position);
  return { ok: true, value: { from, skip, tailIndex: position - 1 - startIndex } };
}

/**
 * The chunks the stream has made so far, where each part starts and ends, the item holding chunk
 * `target` (and how many of its chunks come before it), and the offset after the last item.
 */
async function countChunks(streamId: string, readItems: ItemReader, target: number | undefined) {
  const state = uiMessageEncoderState({ streamId });
  const parts: Part[] = [];
  const open = new Map<string, Part>();
  let total = 0;
  let next = 0;
  let found: { from: number; skip: number } | undefined;
  for await (const item of readItems({})) {
    const chunks = uiChunksOfItem(state, item);
    if (target !== undefined && found === undefined && target < total + chunks.length)
      found = { from: item.offset, skip: target - total };
    next = item.offset + 1;
    for (const chunk of chunks) {
      const id = String(chunk.id ?? chunk.toolCallId ?? '');
      if (chunk.type.endsWith('-start') && chunk.type !== 'start-step') {
        const part = { start: total, end: Number.POSITIVE_INFINITY };
        parts.push(part);
        open.set(id, part);
      } else if (chunk.type.endsWith('-end') || chunk.type === 'tool-input-available') {
        const part = open.get(id);
        if (part) part.end = total;
        open.delete(id);
      }
      total += 1;
    }
  }
  return { total, parts, found, next };
}

/** Moves `position` back to the start of every part open at it, until none is. */
function snapBack(position: number, parts: readonly Part[]): number {
  let snapped = position;
  for (;;) {
    const inside = parts.filter((part) => part.start < snapped && snapped <= part.end);
    if (inside.length === 0) return snapped;
    snapped = Math.min(...inside.map((part) => part.start));
  }
}

/** The item whose chunks hold chunk `position`, and how many of them come before it. */
async function itemAt(
  streamId: string,
  readItems: ItemReader,
  position: number,
): Promise<{ from: number; skip: number }> {
  const state = uiMessageEncoderState({ streamId });
  let index = 0;
  let next = 0;
  for await (const item of readItems({})) {
    const count = uiChunksOfItem(state, item).length;
    if (position < index + count) return { from: item.offset, skip: position - index };
    index += count;
    next = item.offset + 1;
  }
  return { from: next, skip: 0 };
}
