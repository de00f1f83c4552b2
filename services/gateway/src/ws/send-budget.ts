/**
 * Backpressure for one WebSocket shared by all of its streams.
 *
 * Every frame counts against the socket's send buffer (`bufferedAmount`: bytes ws and the
 * kernel socket have not taken yet). Above `highWaterBytes` a stream's send reports "full" and its
 * delivery waits for `drained`, which resolves once the buffer is below half the mark — so a
 * socket whose buffer is full gets nothing more until it drains, whatever the windows say.
 */
import type { WebSocket } from 'ws';

export class SendBudget {
  readonly #socket: WebSocket;
  readonly #highWaterBytes: number;
  readonly #onBytes: (bytes: number) => void;
  #waiters: (() => void)[] = [];

  constructor(input: {
    socket: WebSocket;
    highWaterBytes: number;
    onBytes: (bytes: number) => void;
  }) {
    this.#socket = input.socket;
    this.#highWaterBytes = input.highWaterBytes;
    this.#onBytes = input.onBytes;
  }

  /** Sends a text frame; false when the socket is over its high-water mark. */
  send(text: string): boolean {
    if (this.#socket.readyState !== this.#socket.OPEN) return false;
    this.#onBytes(Buffer.byteLength(text));
    this.#socket.send(text, () => this.#wake());
    return this.#socket.bufferedAmount < this.#highWaterBytes;
  }

  bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  drained(signal: AbortSignal): Promise<void> {
    if (this.#socket.bufferedAmount < this.#highWaterBytes / 2) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter (the socket closed: there is nothing more to wait for). */
  release(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  #wake(): void {
    if (this.#waiters.length > 0 && this.#socket.bufferedAmount < this.#highWaterBytes / 2)
      this.release();
  }
}
