/**
 * The chunking policy of SPEC section 6, as pure functions.
 *
 * - The first chunk of a connection is never held back (time to first token).
 * - `token`: one token per message.
 * - `adaptive` (default): everything that is available is coalesced, up to `maxItems` per
 *   message. A client that keeps up reads a few items at a time and gets them as they come; one
 *   that falls behind reads a large backlog at once, and its messages grow with its lag — so the
 *   per-message overhead falls exactly when the client is overloaded.
 * - `{ maxItems, maxDelayMs }`: like adaptive with a fixed cap, and after the first chunk the
 *   gateway may wait up to `maxDelayMs` for a chunk to fill.
 */
import { type Chunk, type Chunking, chunkItems, type Item } from '@spool/protocol';

export interface ChunkingPolicy {
  /** Most items per message. */
  maxItems: number;
  /** How long a non-first chunk may wait to fill up to `maxItems` (0: never wait). */
  maxDelayMs: number;
}

/** The policy a request asked for, bounded by the gateway's `SPOOL_MAX_CHUNK_ITEMS`. */
export function chunkingPolicy(
  requested: Chunking | undefined,
  maxChunkItems: number,
): ChunkingPolicy {
  if (requested === 'token') return { maxItems: 1, maxDelayMs: 0 };
  if (requested === undefined || requested === 'adaptive')
    return { maxItems: maxChunkItems, maxDelayMs: 0 };
  return {
    maxItems: Math.min(requested.maxItems, maxChunkItems),
    maxDelayMs: requested.maxDelayMs,
  };
}

/** The most items a message may carry when `backlog` items are waiting for this client. */
export function chunkLimit(policy: ChunkingPolicy, backlog: number): number {
  return Math.max(1, Math.min(policy.maxItems, backlog));
}

/**
 * Whether to wait for more items before sending: never for the first chunk, never once a chunk
 * is full or the stream has ended, never past `maxDelayMs` after the oldest waiting item.
 */
export function shouldWaitForMore(input: {
  policy: ChunkingPolicy;
  first: boolean;
  pending: number;
  ended: boolean;
  oldestWaitedMs: number;
}): boolean {
  const { policy, first, pending, ended, oldestWaitedMs } = input;
  if (first || ended || policy.maxDelayMs === 0) return false;
  return pending < policy.maxItems && oldestWaitedMs < policy.maxDelayMs;
}

/** Chunks planned per items array: readers handed the same items (stream-tail.ts) share them. */
const planned = new WeakMap<readonly Item[], { limit: number; chunks: Chunk[] }>();

/**
 * The messages for `items` when `backlog` items (these included) are waiting for the client.
 * Chunks are never changed once made, so readers given the same items array share its chunks.
 */
export function planChunks(
  items: readonly Item[],
  policy: ChunkingPolicy,
  backlog: number,
): Chunk[] {
  const limit = chunkLimit(policy, backlog);
  const known = planned.get(items);
  if (known?.limit === limit) return known.chunks;
  const chunks = chunkItems(items, limit);
  planned.set(items, { limit, chunks });
  return chunks;
}
