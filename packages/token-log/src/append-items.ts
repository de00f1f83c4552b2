/**
 * Appending a batch of items: split into entries, then one script (append-items.lua) that
 * fences, assigns offsets, stores and wakes readers atomically.
 */
import { type FinishReason, type NewItem, SpoolError, statusForFinish } from '@spool/protocol';
import { encodeEntryItems, splitIntoEntries } from './entry-codec.ts';
import type { LogContext } from './log-context.ts';
import { BLOCK_FIELD } from './read-result.ts';
import type { ItemIndexFields } from './script-table.ts';
import type { AppendInput, AppendResult } from './token-log.ts';

export async function appendItems(context: LogContext, input: AppendInput): Promise<AppendResult> {
  if (input.items.length === 0) throw new SpoolError('invalid_request', 'Nothing to append.');
  const reason = finishReasonOf(input.items);
  const { settings } = context;
  return context.scripts.run('appendItems', context.keys(input.streamId), {
    attempt: input.attempt,
    at: input.at,
    final: reason ? { status: statusForFinish(reason), reason } : undefined,
    retentionMs: settings.retentionMs,
    tombstoneMs: settings.tombstoneMs,
    maxStreamItems: settings.maxStreamItems,
    index: itemIndexOf(input.items, input.at),
    entries: splitIntoEntries(input.items, settings.maxEntryItems).map((items) => ({
      count: items.length,
      data: encodeEntryItems(items),
    })),
  });
}

/** The finish reason of a batch that ends the stream; `end` must be its last item. */
function finishReasonOf(items: readonly NewItem[]): FinishReason | undefined {
  const last = items.findIndex((item) => item.type === 'end');
  if (last === -1) return undefined;
  const end = items[last];
  if (last !== items.length - 1 || end?.type !== 'end') {
    throw new SpoolError('invalid_request', 'Nothing may follow the `end` item.');
  }
  return end.finish_reason;
}

/** The index fields a batch starting at `at` sets (see append-items.lua). */
export function itemIndexOf(items: readonly NewItem[], at: number): ItemIndexFields {
  const once: Record<string, number> = {};
  const latest: Record<string, number> = {};
  for (const [index, item] of items.entries()) {
    const offset = at + index;
    if (item.type === 'block_start') once[`${BLOCK_FIELD}${item.block}`] ??= offset;
    else if (item.type === 'token') once.first_token ??= offset;
    else if (item.type === 'usage') latest.usage_at = offset;
  }
  return { once, latest };
}
