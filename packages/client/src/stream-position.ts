/**
 * Where a stream stands, in two offsets: `received` (after the last item taken from the
 * network: where a new connection resumes) and `consumed` (after the last item handed to the
 * application: what is acknowledged). A stream read through a subscription does not know where
 * it starts until its first delivery says so.
 */
import { type Chunk, chunkEnd, chunkStart } from '@spool/protocol';
import { type Placement, placeChunk } from './chunk-order.ts';
import type { Reception } from './link.ts';

export class StreamPosition {
  readonly #subscription: boolean;
  #consumed: number;
  #received: number;
  /** False until a subscription's delivery says where it starts. */
  #positioned: boolean;
  /** The epoch of the items below `received` (protocol's epoch.ts), once a gateway named it. */
  #epoch: string | undefined;

  constructor(input: { from: number; subscription: boolean; epoch?: string | undefined }) {
    this.#subscription = input.subscription;
    this.#consumed = input.from;
    this.#received = input.from;
    this.#positioned = !input.subscription;
    this.#epoch = input.epoch;
  }

  /** The epoch of what the stream holds: what a new connection resumes with. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The log was rewritten: everything is read again from offset 0. */
  reset(): void {
    this.#consumed = 0;
    this.#received = 0;
    this.#epoch = undefined;
  }

  /** Offset after the last item handed to the application. */
  get consumed(): number {
    return this.#consumed;
  }

  /** Where a new connection resumes; undefined: where the subscription says. */
  resumeFrom(): number | undefined {
    return this.#positioned ? this.#received : undefined;
  }

  /**
   * A delivery starts at `from` (when the transport says where). 'violation' when a stream read
   * by offset is not resumed where it asked. `empty`: nothing is buffered.
   */
  started(from: number | undefined, empty: boolean, epoch?: string): Reception {
    // A delivery that resumed where asked is of the gateway's epoch from here on: the gateway
    // checked that what we hold below `from` is the same in that epoch.
    if (epoch !== undefined) this.#epoch = epoch;
    if (from === undefined) return 'ok';
    if (!this.#subscription) return from === this.#received ? 'ok' : 'violation';
    this.#position(from, empty);
    return 'ok';
  }

  /**
   * Where an arriving chunk fits; the next one moves `received` past it. `opening`: the first
   * chunk of a delivery whose start the transport did not announce (SSE).
   */
  place(chunk: Chunk, input: { opening: boolean; empty: boolean }): Placement {
    if (this.#subscription && (input.opening || !this.#positioned)) {
      this.#position(chunkStart(chunk), input.empty);
    }
    const placement = placeChunk(chunk, this.#received);
    if (placement === 'next') this.#received = chunkEnd(chunk);
    return placement;
  }

  /** The application has `chunk`. */
  consume(chunk: Chunk): void {
    this.#consumed = chunkEnd(chunk);
  }

  /**
   * A subscription's WebSocket resume starts again from what the application consumed (the
   * buffer is dropped): that offset, or undefined when there is no subscription or no position.
   */
  restart(): number | undefined {
    if (!this.#subscription || !this.#positioned) return undefined;
    this.#received = this.#consumed;
    return this.#consumed;
  }

  /**
   * A subscription's delivery starts where the gateway says: there, when the stream did not
   * know yet; further than expected when someone acknowledged more (those items are skipped).
   */
  #position(from: number, empty: boolean): void {
    if (!this.#positioned) {
      this.#positioned = true;
      this.#consumed = from;
      this.#received = from;
    } else if (from > this.#received) {
      this.#received = from;
      if (empty) this.#consumed = from;
    }
  }
}
