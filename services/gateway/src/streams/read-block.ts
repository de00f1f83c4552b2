/**
 * Reading one content block of a stream (block-level resend, over HTTP `?block=` and the
 * WebSocket `resend` frame).
 */
import {
  type Item,
  type ItemsPage,
  MAX_BLOCK_SCAN_ITEMS,
  type StreamStatus,
} from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';

/**
 * A block read answers an items page: `next` is where the scan stopped (continue from there),
 * `done` that the block is complete in what was returned, or that the stream ended without
 * more of it. The scan starts at the block's `block_start` (the token log's block index), so a
 * read costs what the block spans, not its offset; a block that has not started costs one read
 * of the stream's metadata. One read examines at most `MAX_BLOCK_SCAN_ITEMS` items.
 */
export type BlockPage = ItemsPage;

/**
 * The items of block `block` from `from` on (its `block_start`, tokens and `block_end`), at
 * most `limit`. `next` is where the scan stopped (the offset after the last item examined), so a
 * client continues with `from=next`.
 */
export async function readBlock(input: {
  log: TokenLog;
  streamId: string;
  block: number;
  from: number;
  limit: number;
}): Promise<BlockPage> {
  const { log, streamId, block, from, limit } = input;
  const index = await log.itemIndex(streamId);
  const start = index.blocks.get(block);
  if (start === undefined && index.indexedFrom === 0 && from <= index.length) {
    // Every block start is indexed and this block has none: it has not started. It can only
    // start at or after the length read with the index.
    return { items: [], next: Math.max(from, index.length), done: isEnded(index.status) };
  }
  // The block's items are at or after its start: the scan begins there, not at 0.
  const scanFrom = start === undefined ? from : Math.max(from, start);
  const items: Item[] = [];
  let next = scanFrom;
  let ended = false;
  const range = { from: scanFrom, to: scanFrom + MAX_BLOCK_SCAN_ITEMS };
  for await (const item of log.items(streamId, range)) {
    next = item.offset + 1;
    ended = item.type === 'end';
    if (!('block' in item) || item.block !== block) continue;
    items.push(item);
    if (item.type === 'block_end') return { items, next, done: true };
    if (items.length >= limit) return { items, next, done: false };
  }
  if (next === scanFrom) {
    // Nothing at `scanFrom`: the block is done when the stream is (it ended before it).
    const probe = await log.read(streamId, scanFrom, 1);
    return { items, next: probe.next, done: probe.done };
  }
  return { items, next, done: ended };
}

function isEnded(status: StreamStatus): boolean {
  return status === 'done' || status === 'cancelled' || status === 'failed';
}
