/**
 * Chunks: what one transport message (an SSE event, a WebSocket frame) carries (SPEC
 * sections 1 and 6).
 *
 * A tokens chunk is a run of token items `[from, to)` of ONE block with their texts
 * concatenated; the individual token boundaries are gone, so a tokens chunk cannot be
 * expanded back into items. A control chunk carries exactly one control item, never merged.
 */
import type { ControlItem, Item, TokenItem } from './items.ts';

export interface TokensChunk {
  kind: 'tokens';
  /** Offset of the first token item, inclusive. */
  from: number;
  /** Offset after the last token item, exclusive: `to > from`. */
  to: number;
  block: number;
  text: string;
}

export interface ControlChunk {
  kind: 'control';
  item: ControlItem;
}

export type Chunk = TokensChunk | ControlChunk;

/** The offset of the first item the chunk carries. */
export function chunkStart(chunk: Chunk): number {
  return chunk.kind === 'tokens' ? chunk.from : chunk.item.offset;
}

/**
 * The resume point after this chunk: the offset after its last item. This is the SSE `id:`
 * and the offset a client acknowledges or resumes from once it has processed the chunk.
 */
export function chunkEnd(chunk: Chunk): number {
  return chunk.kind === 'tokens' ? chunk.to : chunk.item.offset + 1;
}

/** How many items the chunk carries: what it costs against a flow-control window. */
export function chunkSize(chunk: Chunk): number {
  return chunk.kind === 'tokens' ? chunk.to - chunk.from : 1;
}

/**
 * Groups items into chunks, in order. Consecutive token items of the same block whose
 * offsets follow each other are coalesced, at most `maxItems` per chunk; control items each
 * get a chunk of their own; nothing is merged across a block, a control item or an offset gap.
 * `maxItems` of 1 gives one chunk per item. Throws RangeError when `maxItems` is not a
 * positive integer: that is a caller's bug, not bad input.
 */
export function chunkItems(items: readonly Item[], maxItems: number): Chunk[] {
  if (!Number.isSafeInteger(maxItems) || maxItems < 1) {
    throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
  }
  const chunks: Chunk[] = [];
  let open: TokensChunk | undefined;
  for (const item of items) {
    if (item.type !== 'token') {
      open = undefined;
      chunks.push({ kind: 'control', item });
    } else if (open !== undefined && canExtend(open, item, maxItems)) {
      open.to = item.offset + 1;
      open.text += item.text;
    } else {
      open = tokensChunkOf(item);
      chunks.push(open);
    }
  }
  return chunks;
}

function canExtend(chunk: TokensChunk, item: TokenItem, maxItems: number): boolean {
  return item.offset === chunk.to && item.block === chunk.block && chunk.to - chunk.from < maxItems;
}

function tokensChunkOf(item: TokenItem): TokensChunk {
  return {
    kind: 'tokens',
    from: item.offset,
    to: item.offset + 1,
    block: item.block,
    text: item.text,
  };
}

/**
 * `first` and `second` as one chunk when `second` continues `first`: a tokens chunk of the same
 * block starting where `first` ends, and the two within `maxItems`; otherwise undefined. What a
 * transport uses to coalesce the chunks due on one connection at once.
 */
export function joinChunks(
  first: TokensChunk,
  second: Chunk,
  maxItems: number,
): TokensChunk | undefined {
  if (second.kind !== 'tokens' || second.from !== first.to || second.block !== first.block) {
    return undefined;
  }
  if (second.to - first.from > maxItems) return undefined;
  return {
    kind: 'tokens',
    from: first.from,
    to: second.to,
    block: first.block,
    text: first.text + second.text,
  };
}
