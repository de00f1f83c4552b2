/**
 * Reading items by offset: one script (read-items.lua) returns the stream's state and the
 * entries holding the offsets asked for; read-result.ts keeps exactly those items.
 */
import { assertOffset, DEFAULT_READ_LIMIT, entriesFor, type LogContext } from './log-context.ts';
import { entriesToRead } from './read-result.ts';
import type { ReadResult } from './token-log.ts';

export async function readItems(
  context: LogContext,
  streamId: string,
  from: number,
  limit = DEFAULT_READ_LIMIT,
): Promise<ReadResult> {
  assertOffset(from);
  const reply = await context.scripts.run('readItems', context.keys(streamId), {
    from,
    count: entriesFor(limit),
    items: limit,
  });
  const { status, length, entries, epoch } = reply;
  return entriesToRead({ entries, from, limit, status, length, epoch });
}
