/**
 * What every baseline streams: the worker's own synthetic model (same content, same timing
 * model: prefill pause, bursty decode, stalls), run in the baseline's process, and the SSE
 * event of one item exactly as Spool's gateway writes it, so wire bytes compare.
 */
import { chunkItems, encodeSseChunk, type Item } from '@spool/protocol';
import { createSyntheticAdapter } from '@spool/worker';
import type { CreateRequest } from '../shared/assignment.ts';

const adapter = createSyntheticAdapter({});

export async function* timedItems(
  streamId: string,
  request: CreateRequest,
  signal: AbortSignal,
): AsyncGenerator<Item> {
  const generation = adapter.generate(
    { streamId, messages: [{ role: 'user', content: request.prompt }], params: request.params },
    { signal, prefix: [] },
  );
  let offset = 0;
  for await (const item of generation) yield { ...item, offset: offset++ } as Item;
}

/** One SSE event per item: the naive relay and resumable-stream do not coalesce. */
export function itemEvent(item: Item): string {
  const [chunk] = chunkItems([item], 1);
  if (!chunk) throw new Error('no chunk');
  return encodeSseChunk(chunk);
}

/** Append (hand-over) times are kept at whole milliseconds, like the token log's `t`. */
export function stamp(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}
