/**
 * Reading one content block of a stream (block-level resend, over HTTP `?block=` and the
 * WebSocket `resend` frame).
 */
import { type Item, type ItemsPage, MAX_BLOCK_SCAN_ITEMS } from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';

/**
 * A block read answers an items page: `next` is where the scan stopped (continue from there),
 * `done` that the block is complete in what was returned, or that the stream ended without
 * more of it. One read examines at most `MAX_BLOCK_SCAN_ITEMS` items, so one request costs Redis
 * a bounded amount of work however long the stream is.
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
  const items: Item[] = [];
  let next = from;
  let ended = false;
  for await (const item of log.items(streamId, { from, to: from + MAX_BLOCK_SCAN_ITEMS })) {
    next = item.offset + 1;
    ended = item.type === 'end';
    if (!('block' in item) || item.block !== block) continue;
    items.push(item);
    if (item.type === 'block_end') return { items, next, done: true };
    if (items.length >= limit) return { items, next, done: false };
  }
  if (next === from) {
    // Nothing at `from`: the block is done when the stream is (it ended before `from`).
    const probe = await log.read(streamId, from, 1);
    return { items, next: probe.next, done: probe.done };
  }
  return { items, next, done: ended };
}
