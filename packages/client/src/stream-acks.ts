/**
 * Where a stream's acknowledgements go: over its link when the link carries them (WebSocket),
 * otherwise, for a subscription, over HTTP (durable-acks.ts). An offset read over SSE needs none:
 * the gateway counts what it wrote.
 */
import { DurableAcks } from './durable-acks.ts';
import type { Link } from './link.ts';
import type { StreamHost } from './stream-host.ts';

export class StreamAcks {
  readonly #link: () => Link | undefined;
  /** A subscription's acks when the link carries none. */
  readonly #durable: DurableAcks | undefined;

  constructor(input: {
    host: StreamHost;
    stream: string;
    subscription: string | undefined;
    highWaterMark: number;
    /** The current link, if any. */
    link: () => Link | undefined;
    /** The gateway the stream reads from. */
    gateway: () => number;
  }) {
    this.#link = input.link;
    const { subscription } = input;
    this.#durable =
      subscription === undefined ? undefined : new DurableAcks({ ...input, subscription });
  }

  /** Acknowledgements are durable: the stream reads a subscription. */
  get subscription(): boolean {
    return this.#durable !== undefined;
  }

  /** The application consumed everything below `offset`; `empty`: its buffer is. */
  consumed(offset: number, empty: boolean): void {
    if (this.#link()?.consumed(offset, empty) !== true) this.#durable?.consumed(offset, empty);
  }

  /** A subscription's final acknowledgement, when the stream is closed early. */
  closing(offset: number): void {
    if (this.#durable !== undefined) this.consumed(offset, true);
  }
}
