/**
 * The open deliveries of this gateway: counted for admission and metrics, closed all at once
 * when the gateway drains (each with a resumable error, so clients move to another gateway).
 */
import { SpoolError } from '@spool/protocol';

export interface OpenDelivery {
  close(reason: SpoolError): void;
  /** Whose it is (clientOf), for per-client shares of the connection limit. */
  client?: string;
}

export class DeliveryRegistry {
  readonly #open = new Set<OpenDelivery>();
  readonly #perClient = new Map<string, number>();
  readonly #perStream = new Map<string, number>();

  get size(): number {
    return this.#open.size;
  }

  /**
   * Counts a delivery of `streamId` until the returned function is called; throws
   * `too_many_subscriptions` when the stream already has `limit` here
   * (SPOOL_MAX_SUBSCRIBERS_PER_STREAM).
   */
  enterStream(streamId: string, limit: number): () => void {
    const readers = this.#perStream.get(streamId) ?? 0;
    if (readers >= limit) {
      throw new SpoolError(
        'too_many_subscriptions',
        `This stream has ${readers} readers on this gateway (limit ${limit}); retry later.`,
      );
    }
    this.#perStream.set(streamId, readers + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.#perStream.get(streamId) ?? 1) - 1;
      if (remaining > 0) this.#perStream.set(streamId, remaining);
      else this.#perStream.delete(streamId);
    };
  }

  /** Open deliveries of one client. */
  countOf(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  /** Registers a delivery; the returned function unregisters it. */
  add(delivery: OpenDelivery): () => void {
    if (this.#open.has(delivery)) return () => {};
    this.#open.add(delivery);
    const { client } = delivery;
    if (client !== undefined) this.#perClient.set(client, this.countOf(client) + 1);
    return () => {
      if (!this.#open.delete(delivery) || client === undefined) return;
      const left = this.countOf(client) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
  }

  closeAll(reason: SpoolError): void {
    for (const delivery of this.#open) delivery.close(reason);
  }
}
