/**
 * The one paging loop over `read`: every stored item of an offset range, page by page.
 *
 * Pure apart from the `read` it is given, so it holds for any TokenLog.
 */
import { type Item, SpoolError } from '@spool/protocol';
import type { ItemsOptions, ReadResult } from './token-log.ts';

export type ReadPage = (streamId: string, from: number, limit: number) => Promise<ReadResult>;

export const DEFAULT_PAGE_SIZE = 1_000;

/** See TokenLog.items for the contract. */
export async function* iterateItems(
  read: ReadPage,
  streamId: string,
  options: ItemsOptions = {},
): AsyncGenerator<Item, void, undefined> {
  const { from = 0, to = Number.POSITIVE_INFINITY, signal, pageSize = DEFAULT_PAGE_SIZE } = options;
  assertBound('from', from);
  if (to !== Number.POSITIVE_INFINITY) assertBound('to', to);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new SpoolError('invalid_request', `Page size ${pageSize} is not a positive integer.`);
  }
  for (let next = from; next < to; ) {
    signal?.throwIfAborted();
    const page = await read(streamId, next, Math.min(pageSize, to - next));
    signal?.throwIfAborted();
    for (const item of page.items) {
      signal?.throwIfAborted();
      yield item;
      if (item.type === 'end') return;
    }
    // Every page carries the stream's length when read: "the current end" is that length.
    if (page.next >= page.length) return;
    // A page with nothing below the length would repeat forever: read-result.ts reports such a
    // gap as data_loss itself, and this keeps the loop finite should any reader not.
    if (page.items.length === 0) {
      throw new SpoolError('data_loss', `No items at offset ${next}.`, {
        details: { value: next },
      });
    }
    next = page.next;
  }
}

function assertBound(name: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new SpoolError('invalid_offset', `${name} ${offset} is not a non-negative integer.`);
  }
}
