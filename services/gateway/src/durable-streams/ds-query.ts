/** A Durable Streams read's query (pure). */
import { type DsOffsetQuery, decodeOffsetQuery } from './ds-offset.ts';

export interface ReadQuery {
  offsetText: string | undefined;
  offset: DsOffsetQuery;
  live: 'long-poll' | 'sse' | undefined;
  cursor: string | undefined;
}

/** The read's query (pure): one valid `offset` (required by live modes), `live`, `cursor`. */
export function parseReadQuery(
  search: string,
): { ok: true; query: ReadQuery } | { ok: false; message: string } {
  const params = new URLSearchParams(search);
  const offsets = params.getAll('offset');
  if (offsets.length > 1) return { ok: false, message: 'Give one offset.' };
  const offsetText = offsets[0];
  if (offsetText === '') return { ok: false, message: 'The offset is empty.' };
  const offset =
    offsetText === undefined ? { kind: 'start' as const } : decodeOffsetQuery(offsetText);
  if (offset === undefined) return { ok: false, message: 'The offset is not an offset.' };
  const liveText = params.get('live');
  const live = liveText === 'long-poll' || liveText === 'sse' ? liveText : undefined;
  if (live !== undefined && offsetText === undefined) {
    return { ok: false, message: `live=${live} needs an offset.` };
  }
  return {
    ok: true,
    query: { offsetText, offset, live, cursor: params.get('cursor') ?? undefined },
  };
}
