/**
 * What a Durable Streams read needs of a stream, whatever holds it: a page of messages after an
 * offset, and a way to wait for more. Two kinds implement it: Durable Streams of the Redis store
 * (durable-source.ts) and Spool token streams read as JSON streams (token-stream-source.ts).
 */
import type { DsOffsetQuery } from './ds-offset.ts';

export interface DsPage {
  /** The messages read, as stored (JSON: each entry `a,b`, see ds-body.ts). */
  entries: Buffer[];
  /** The offset after each entry. */
  offsets: string[];
  /** The offset after the last entry (the tail when there is none). */
  next: string;
  /** Its position, for `DsWatch.next`. */
  nextPosition: number;
  /** The stream's tail when read. */
  tail: string;
  closed: boolean;
  contentType: string;
  ttlSeconds?: number;
  expiresAt?: string;
}

export type DsPageResult =
  | { status: 'ok'; page: DsPage }
  /** No such stream; gone (soft-deleted, 410); an offset it cannot answer (older epoch, 410). */
  | { status: 'missing' | 'gone' | 'offset_gone' | 'bad_offset' };

export interface DsWatch {
  /** Resolves true when the stream may have changed after `position`, false at the timeout. */
  next(position: number, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  stop(): void;
}

export interface DsSource {
  /** `limit` 0 reads the metadata only; `touch` slides a Stream-TTL (GET does, HEAD not). */
  read(offset: DsOffsetQuery, options: { limit: number; touch: boolean }): Promise<DsPageResult>;
  /** Subscribe before reading, so that nothing between the read and the wait is missed. */
  watch(): Promise<DsWatch>;
}
