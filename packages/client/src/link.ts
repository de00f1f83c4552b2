/**
 * A link: one connection attempt of one stream over one transport to one gateway. The stream
 * owns the buffer and the offsets; a link only moves chunks in and acknowledgements out, and
 * settles once with how it ended, which tells the stream what to do next.
 */
import type { Chunk, SpoolError } from '@spool/protocol';
import type { TransportName } from './options.ts';

export type LinkOutcome =
  /** The stream has ended: `end` arrived, or the gateway said there is nothing more. */
  | { kind: 'complete' }
  /** The connection failed in a way worth retrying. */
  | {
      kind: 'retry';
      error: SpoolError;
      /** Try the next gateway (draining, or the connection could not be made). */
      moveOn: boolean;
      /** A WebSocket that never opened: maybe only WebSockets are blocked on the way. */
      notOpened?: boolean;
    }
  /** A terminal error: retrying cannot help. */
  | { kind: 'fatal'; error: SpoolError }
  /**
   * `stream_reset`: the log was rewritten under what the stream holds (a Redis failure lost
   * items it had been sent): it must read the message again from offset 0.
   */
  | { kind: 'reset'; error: SpoolError }
  /** The stream closed the link itself. */
  | { kind: 'closed' };

/** What an arriving chunk did: keep going, it was the `end`, or it broke the protocol. */
export type Reception = 'ok' | 'end' | 'violation';

/** The stream's side of a link. */
export interface LinkSink {
  /**
   * The gateway accepted: delivery starts (at `from`, when the transport says where: the
   * WebSocket `subscribed` frame), in the stream's `epoch` (when the gateway names it).
   * 'violation' when that is not where the stream resumes.
   */
  started(from: number | undefined, epoch: string | undefined): Reception;
  /**
   * A chunk arrived. `opening`: it is the first of a delivery whose start the transport did not
   * announce (SSE): a subscription may start it further than the stream expected.
   */
  received(chunk: Chunk, opening: boolean): Reception;
  /** Whether the buffer has room for more (fewer items than the high-water mark). */
  hasRoom(): boolean;
  /** Resolves once the buffer has room, or `signal` aborts. */
  room(signal: AbortSignal): Promise<void>;
}

export interface Link {
  readonly transport: TransportName;
  readonly gateway: string;
  /** Settles once: how the link ended. */
  readonly outcome: Promise<LinkOutcome>;
  /**
   * The application consumed everything below `offset`; `empty`: nothing is buffered now.
   * False when this link carries no acknowledgements (SSE, or a socket that is gone), so a
   * subscription must be acknowledged over HTTP.
   */
  consumed(offset: number, empty: boolean): boolean;
  /** Cuts the connection as a network failure would (the stream resumes). */
  drop(): void;
  /** Stops delivery and lets go of the connection; settles `outcome` as `closed` if still open. */
  dispose(): void;
}

/** A promise with its resolver, settled once. */
export function settleOnce<T>(): { promise: Promise<T>; settle: (value: T) => boolean } {
  let settled = false;
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return {
    promise,
    settle(value) {
      if (settled) return false;
      settled = true;
      resolve(value);
      return true;
    },
  };
}
