/**
 * Bounded waits on the server side: `sleep` and `withTimeout`.
 *
 * Both honour an AbortSignal and clear their timer however they end, so no timer outlives its
 * wait and an abandoned wait never holds the process open.
 */

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts (at once if it has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface TimeoutOptions {
  /** How long the work may take, in ms. */
  timeoutMs: number;
  /** The error to fail with once `timeoutMs` has passed; made only then. */
  onTimeout: () => Error;
  /** Aborting it ends the wait at once with the signal's reason. */
  signal?: AbortSignal;
}

/** Work to bound: a promise, or a function starting it that stops when its signal aborts. */
export type TimedWork<T> = Promise<T> | ((signal: AbortSignal) => Promise<T>);

/**
 * The outcome of `work` if it settles within `timeoutMs`; otherwise rejects at once with
 * `onTimeout()`. A function is called with a signal that aborts, with the same reason, when the
 * wait ends that way (time is up or `signal` aborted), so the work stops rather than running
 * on unobserved; a promise given directly cannot be stopped, only no longer waited for. Whatever
 * the work does after the wait ended is ignored (a late rejection is never unhandled).
 */
export function withTimeout<T>(work: TimedWork<T>, options: TimeoutOptions): Promise<T> {
  const { timeoutMs, onTimeout, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (reason: unknown) => {
      settle();
      controller.abort(reason);
      reject(reason);
    };
    const onAbort = () => stop(signal?.reason);
    const timer = setTimeout(() => stop(onTimeout()), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    let started: Promise<T>;
    try {
      started = typeof work === 'function' ? work(controller.signal) : work;
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    started.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
