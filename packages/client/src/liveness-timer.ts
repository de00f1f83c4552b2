/**
 * The one timeout of a connection's liveness: armed while the SDK waits for bytes it expects
 * (an answer, or the next sign of life within the bound the gateway told), paused while it does
 * not read (the application is behind: silence is then ours, not the connection's). When it
 * fires, the connection is treated as dead: a half-open TCP connection or a proxy that stopped
 * passing bytes gives no other sign until TCP gives up, minutes later.
 */

/** How long a connection may take to answer (SSE response headers, a WebSocket opening). */
export const CONNECT_TIMEOUT_MS = 10_000;

export class LivenessTimer {
  readonly #onSilent: (boundMs: number) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(onSilent: (boundMs: number) => void) {
    this.#onSilent = onSilent;
  }

  /** (Re)starts the wait: `onSilent` unless something arrives within `boundMs`; undefined: no bound. */
  arm(boundMs: number | undefined): void {
    this.pause();
    if (boundMs === undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onSilent(boundMs);
    }, boundMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.pause();
  }
}
