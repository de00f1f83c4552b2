/**
 * The one timeout of a connection's liveness: armed while the SDK waits for bytes it expects
 * (an answer, or the next sign of life within the bound the gateway told), paused while it does
 * not read (the application is behind: silence is then ours, not the connection's). When it
 * fires, the connection is treated as dead: a half-open TCP connection or a proxy that stopped
 * passing bytes gives no other sign until TCP gives up, minutes later.
 *
 * Arming is cheap (a clock read): it runs for every message. The timer is set once and, when it
 * fires, set again for the rest of the bound if something arrived meanwhile.
 */

/** How long a connection may take to answer (SSE response headers, a WebSocket opening). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How long a JSON request (create, cancel, ack, …) may take, answer and body, per attempt. */
export const REQUEST_TIMEOUT_MS = 30_000;

export class LivenessTimer {
  readonly #onSilent: (boundMs: number) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #boundMs: number | undefined;
  #lastSeen = 0;
  #stopped = false;

  constructor(onSilent: (boundMs: number) => void) {
    this.#onSilent = onSilent;
  }

  /** Something arrived, or a wait starts: `onSilent` unless more comes within `boundMs`; undefined: no bound. */
  arm(boundMs: number | undefined): void {
    this.#lastSeen = Date.now();
    if (boundMs !== this.#boundMs) this.pause();
    this.#boundMs = boundMs;
    if (boundMs === undefined || this.#stopped || this.#timer !== undefined) return;
    this.#schedule(boundMs);
  }

  pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.pause();
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const bound = this.#boundMs;
      if (bound === undefined || this.#stopped) return;
      const quiet = Date.now() - this.#lastSeen;
      if (quiet >= bound) this.#onSilent(bound);
      else this.#schedule(bound - quiet);
    }, delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
