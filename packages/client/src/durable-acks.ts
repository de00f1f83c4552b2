/**
 * A subscription's acknowledgements over HTTP (`POST …/subscriptions/:sub/ack`), for when the
 * link carries none (SSE, or a WebSocket that is gone): batched — a quarter of the buffer
 * bound, or everything when asked — with one request in flight. Acks only move forward, so a
 * failed one is simply overtaken by the next.
 */
import type { StreamHost } from './stream-host.ts';

export class DurableAcks {
  readonly #host: StreamHost;
  readonly #stream: string;
  readonly #subscription: string;
  readonly #batch: number;
  /** The gateway to send to: the one the stream reads from. */
  readonly #gateway: () => number;
  #sent = 0;
  #pending: number | undefined;
  #inFlight = false;

  constructor(input: {
    host: StreamHost;
    stream: string;
    subscription: string;
    highWaterMark: number;
    gateway: () => number;
  }) {
    this.#host = input.host;
    this.#stream = input.stream;
    this.#subscription = input.subscription;
    this.#batch = input.highWaterMark / 4;
    this.#gateway = input.gateway;
  }

  /** The application consumed everything below `offset`; `force`: acknowledge it now. */
  consumed(offset: number, force: boolean): void {
    if (offset <= this.#sent || (!force && offset - this.#sent < this.#batch)) return;
    this.#pending = Math.max(this.#pending ?? 0, offset);
    if (!this.#inFlight) void this.#send();
  }

  async #send(): Promise<void> {
    this.#inFlight = true;
    while (this.#pending !== undefined && this.#pending > this.#sent) {
      const offset = this.#pending;
      this.#pending = undefined;
      try {
        await this.#host.acknowledge({
          gateway: this.#gateway(),
          stream: this.#stream,
          subscription: this.#subscription,
          offset,
          attempts: 3,
        });
        this.#sent = Math.max(this.#sent, offset);
      } catch {
        // A later ack carries a higher offset; acks only move forward.
      }
    }
    this.#inFlight = false;
  }
}
