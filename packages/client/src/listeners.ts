/**
 * A minimal typed event emitter (no Node `events` in the browser). A listener that throws does
 * not break delivery: its error is rethrown in a microtask, where the runtime reports it.
 */
export class Listeners<Events extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Set<unknown>>();

  on<Name extends keyof Events>(name: Name, listener: (...args: Events[Name]) => void): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<Name extends keyof Events>(name: Name, ...args: Events[Name]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (...args: Events[Name]) => void)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
