/**
 * The open deliveries of this gateway: counted for admission and metrics, closed all at once
 * when the gateway drains (each with a resumable error, so clients move to another gateway).
 */
import type { SpoolError } from '@spool/protocol';

export interface OpenDelivery {
  close(reason: SpoolError): void;
}

export class DeliveryRegistry {
  readonly #open = new Set<OpenDelivery>();

  get size(): number {
    return this.#open.size;
  }

  /** Registers a delivery; the returned function unregisters it. */
  add(delivery: OpenDelivery): () => void {
    this.#open.add(delivery);
    return () => this.#open.delete(delivery);
  }

  closeAll(reason: SpoolError): void {
    for (const delivery of this.#open) delivery.close(reason);
  }
}
