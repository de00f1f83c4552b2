/**
 * What the Durable Streams store (durable-streams.ts) takes and answers. Every call is one
 * script on one stream's keys, so each is atomic; answers are results, not errors: the gateway
 * maps each status to the protocol's HTTP status (services/gateway/src/durable-streams/).
 */

export interface DurableStreamConfig {
  /** As given (answered back in Content-Type). */
  contentType: string;
  /** Its media type, lower case: what appends are compared with. */
  mediaType: string;
  ttlSeconds?: number;
  /** Stream-Expires-At as given, and in ms. */
  expiresAt?: { text: string; ms: number };
  closed: boolean;
  forkedFrom?: string;
  /** Entries of the source the fork starts after; undefined: any (an idempotent re-PUT). */
  forkOffset?: number;
  forkSubOffset: number;
}

export type DurableCreateResult =
  | { status: 'created' | 'exists'; length: number; closed: boolean }
  | { status: 'conflict' | 'gone' };

export interface DurableProducer {
  id: string;
  epoch: number;
  seq: number;
}

export interface DurableAppendInput {
  /** The request's media type (undefined: none given). */
  mediaType?: string;
  streamSeq?: string;
  producer?: DurableProducer;
  close: boolean;
  entries: readonly Buffer[];
}

export type DurableAppendResult =
  | { status: 'ok'; length: number; closed: boolean }
  | { status: 'duplicate'; lastSeq: number; length: number; closed: boolean }
  | { status: 'closed'; length: number }
  | { status: 'stale_epoch'; epoch: number }
  | { status: 'gap'; expected: number; received: number }
  | { status: 'missing' | 'gone' | 'content_type' | 'seq_conflict' | 'epoch_seq' };

export interface DurableStreamState {
  length: number;
  closed: boolean;
  contentType: string;
  ttlSeconds?: number;
  expiresAt?: string;
}

export type DurableReadResult =
  | ({ status: 'ok'; entries: Buffer[] } & DurableStreamState)
  | { status: 'missing' | 'gone' };

export type DurableHoldResult =
  | {
      status: 'ok';
      forkOffset: number;
      length: number;
      contentType: string;
      mediaType: string;
      ttlSeconds?: number;
      expiresAt?: { text: string; ms: number };
    }
  | { status: 'missing' | 'gone' | 'offset' };

export type DurableDeleteResult = 'deleted' | 'soft' | 'missing' | 'gone';

/** Waits for a stream's changes; `next` resolves true on a change, false at the timeout. */
export interface DurableWatch {
  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  stop(): void;
}
