/**
 * Reading one content block of a stream (block-level resend, over HTTP `?block=` and the
 * WebSocket `resend` frame).
 */
import type { Item } from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';

/**
 * Most items one block read examines. Past it the answer stops short (`done: false`, `next`
 * where the scan stopped), so one request costs Redis a bounded amount of work however long the
 * stream is; the client continues from `next`.
 */
export const BLOCK_SCAN_LIMIT = 100_000;

export interface BlockPage {
  items: Item[];
  /** Where the scan stopped: continue from here. */
  next: number;
  /** The block is complete in what was returned, or the stream ended without more of it. */
  done: boolean;
}

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
  for await (const item of log.items(streamId, { from, to: from + BLOCK_SCAN_LIMIT })) {
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

/** All items of `[from, to)`, as far as they exist. */
export async function readRange(
  log: TokenLog,
  streamId: string,
  from: number,
  to: number,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of log.items(streamId, { from, to })) items.push(item);
  return items;
}
