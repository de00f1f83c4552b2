/**
 * The `Stream-Cursor` of live reads (PROTOCOL.md section 10.1): the number of 20 s intervals since
 * 2024-10-09T00:00Z, so that CDNs collapse requests of one interval; monotonic for a client: when
 * its cursor is not behind the current interval, the answer moves past it by a random jitter.
 */
const EPOCH_MS = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;
const MIN_JITTER_SECONDS = 1;
const MAX_JITTER_SECONDS = 3_600;

export function currentCursor(now: number): number {
  return Math.floor((now - EPOCH_MS) / INTERVAL_MS);
}

export function responseCursor(
  clientCursor: string | undefined,
  now: number,
  random: () => number = Math.random,
): string {
  const current = currentCursor(now);
  if (clientCursor === undefined || !/^\d+$/.test(clientCursor)) return String(current);
  const client = Number(clientCursor);
  if (!Number.isSafeInteger(client) || client < current) return String(current);
  const jitterSeconds =
    MIN_JITTER_SECONDS + Math.floor(random() * (MAX_JITTER_SECONDS - MIN_JITTER_SECONDS + 1));
  return String(client + Math.max(1, Math.ceil((jitterSeconds * 1_000) / INTERVAL_MS)));
}
