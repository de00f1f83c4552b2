/**
 * Follows a stream from offset 0 to its end, feeding every item to a fold: how the
 * non-streaming answers (`POST /v1/chat/completions` and `POST /v1/messages` without `stream`)
 * wait for a whole generation. Past `timeoutMs` it fails with `upstream_timeout` (the
 * generation goes on); when `signal` aborts, with the signal's reason. When the log changes
 * epoch under it (Redis restarted or failed over) or gets shorter than what was folded, it
 * starts a new fold from 0: an answer is never spliced from two versions of the log.
 */
import { type Item, isSpoolError, SpoolError, streamPaths } from '@spool/protocol';
import type { GatewayContext } from '../context.ts';

export interface StreamFold {
  push(item: Item): void;
}

export async function foldStream<Fold extends StreamFold>(
  context: Pick<GatewayContext, 'log'>,
  streamId: string,
  newFold: () => Fold,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<Fold> {
  let fold = newFold();
  let epoch: string | undefined;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  try {
    for (let from = 0; ; ) {
      const read = await context.log
        .follow(streamId, from, { limit: 1_000, signal })
        .catch((error: unknown) => {
          if (from > 0 && isSpoolError(error, 'offset_out_of_range')) return undefined;
          throw error;
        });
      if (read === undefined || (epoch !== undefined && read.epoch !== epoch)) {
        fold = newFold();
        epoch = undefined;
        from = 0;
        continue;
      }
      epoch = read.epoch;
      for (const item of read.items) fold.push(item);
      if (read.done) return fold;
      from = read.next;
    }
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (!deadline.aborted) throw error;
    throw new SpoolError(
      'upstream_timeout',
      `The generation did not end within ${options.timeoutMs / 1_000} s. It goes on as stream ${streamId}: read it at ${streamPaths.events(streamId)}.`,
    );
  }
}
