/**
 * Test helpers of the SDK's suites: gateways in this process on real ports over a real Redis
 * (shared with the gateway's own tests), and a stand-in worker that honours cancel.
 */
import type { Item, NewItem } from '@spool/protocol';
import { newStreamId, type RedisTokenLog } from '@spool/token-log';

export {
  answer,
  liveStream,
  startGateway,
  storedItems,
  storedStream,
  type TestGateway,
} from '@spool/gateway/testing';

export function textOf(items: readonly Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * A stand-in worker: appends one token every `everyMs` until the stream is cancelled, then
 * appends `end` (cancelled), as a worker that aborts its model call does.
 */
export async function cancellableGeneration(
  log: RedisTokenLog,
  everyMs: number,
): Promise<{ streamId: string; done: Promise<number> }> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  let cancelled = false;
  const stopWatching = await log.watchCancel(streamId, () => {
    cancelled = true;
  });
  const done = (async () => {
    await log.append({
      streamId,
      attempt: 1,
      at: 0,
      items: [{ type: 'block_start', block: 0, kind: 'text' }],
    });
    let at = 1;
    while (!cancelled) {
      await log.append({
        streamId,
        attempt: 1,
        at,
        items: [{ type: 'token', block: 0, text: `t${at} ` }],
      });
      at += 1;
      await sleep(everyMs);
    }
    const end: NewItem[] = [
      { type: 'block_end', block: 0 },
      { type: 'end', finish_reason: 'cancelled' },
    ];
    await log.append({ streamId, attempt: 1, at, items: end });
    await stopWatching();
    return at + end.length;
  })();
  return { streamId, done };
}

/** Resolves once the stream holds at least `length` items. */
export async function lengthReached(log: RedisTokenLog, streamId: string, length: number) {
  while ((await log.read(streamId, 0, 1)).length < length) await sleep(2);
}
