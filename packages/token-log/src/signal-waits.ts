/**
 * The waits each abort signal ends. A delivery passes the same signal to every wait it makes, one
 * after another, and a listener added and removed per wait costs more than the wait (the event
 * target's bookkeeping, and garbage): a signal gets one listener here, for all of its waits.
 */
export class SignalWaits<Wait, Place> {
  readonly #bySignal = new WeakMap<AbortSignal, Map<Wait, Place>>();
  readonly #onAbort: (wait: Wait, place: Place, reason: unknown) => void;

  /** `onAbort` is called for each wait of a signal that aborts, with where the wait was. */
  constructor(onAbort: (wait: Wait, place: Place, reason: unknown) => void) {
    this.#onAbort = onAbort;
  }

  add(signal: AbortSignal, wait: Wait, place: Place): void {
    let waits = this.#bySignal.get(signal);
    if (!waits) {
      const ended = new Map<Wait, Place>();
      waits = ended;
      this.#bySignal.set(signal, ended);
      const onAbort = () => {
        for (const [each, at] of ended) this.#onAbort(each, at, signal.reason);
        ended.clear();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
    waits.set(wait, place);
  }

  /** The wait ended otherwise. */
  delete(signal: AbortSignal, wait: Wait): void {
    this.#bySignal.get(signal)?.delete(wait);
  }
}
