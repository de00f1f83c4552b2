import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep, withTimeout } from './timeout.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A promise and its settle functions, to decide from the test when the work ends. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
}

/** Watches a promise from the start: `state` is how it has settled so far. */
function track<T>(promise: Promise<T>) {
  const tracked: { state: { pending: true } | { value: T } | { error: unknown } } = {
    state: { pending: true },
  };
  promise.then(
    (value) => {
      tracked.state = { value };
    },
    (error: unknown) => {
      tracked.state = { error };
    },
  );
  return tracked;
}

describe('sleep', () => {
  it('resolves after its delay and not before', async () => {
    const slept = track(sleep(100));
    await vi.advanceTimersByTimeAsync(99);
    expect(slept.state).toEqual({ pending: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(slept.state).toEqual({ value: undefined });
  });

  it('rejects with the reason as soon as its signal aborts, and clears its timer', async () => {
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when its signal has already aborted', async () => {
    await expect(sleep(10_000, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('withTimeout', () => {
  const timedOut = () => new Error('too slow');

  it('settles as the work does when it settles in time, and clears its timer', async () => {
    await expect(
      withTimeout(Promise.resolve(7), { timeoutMs: 100, onTimeout: timedOut }),
    ).resolves.toBe(7);
    await expect(
      withTimeout(Promise.reject(new Error('failed')), { timeoutMs: 100, onTimeout: timedOut }),
    ).rejects.toThrow('failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with onTimeout() once the time is up, even if the work never settles', async () => {
    const work = deferred<number>();
    const bounded = track(withTimeout(work.promise, { timeoutMs: 100, onTimeout: timedOut }));
    await vi.advanceTimersByTimeAsync(99);
    expect(bounded.state).toEqual({ pending: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(bounded.state).toEqual({ error: new Error('too slow') });
    work.resolve(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(bounded.state).toEqual({ error: new Error('too slow') });
  });

  it('aborts the signal of a factory with the timeout error when the time is up', async () => {
    let given: AbortSignal | undefined;
    const bounded = withTimeout(
      (signal) => {
        given = signal;
        return new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted late'))),
        );
      },
      { timeoutMs: 50, onTimeout: timedOut },
    );
    expect(given?.aborted).toBe(false);
    const rejection = expect(bounded).rejects.toThrow('too slow');
    await vi.advanceTimersByTimeAsync(50);
    await rejection;
    expect(given?.reason).toEqual(new Error('too slow'));
  });

  it('leaves the signal of a factory that finished in time unaborted', async () => {
    let given: AbortSignal | undefined;
    const value = await withTimeout(
      async (signal) => {
        given = signal;
        return 'done';
      },
      { timeoutMs: 50, onTimeout: timedOut },
    );
    expect(value).toBe('done');
    await vi.advanceTimersByTimeAsync(100);
    expect(given?.aborted).toBe(false);
  });

  it('ends the wait with the reason of its signal, and aborts the factory with it', async () => {
    const controller = new AbortController();
    let given: AbortSignal | undefined;
    const bounded = withTimeout(
      (signal) => {
        given = signal;
        return new Promise<never>(() => {});
      },
      { timeoutMs: 10_000, onTimeout: timedOut, signal: controller.signal },
    );
    controller.abort(new Error('client left'));
    await expect(bounded).rejects.toThrow('client left');
    expect(given?.reason).toEqual(new Error('client left'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never calls the factory when its signal has already aborted', async () => {
    const factory = vi.fn(async () => 1);
    const bounded = withTimeout(factory, {
      timeoutMs: 100,
      onTimeout: timedOut,
      signal: AbortSignal.abort(new Error('gone')),
    });
    await expect(bounded).rejects.toThrow('gone');
    expect(factory).not.toHaveBeenCalled();
  });

  it('rejects with what a factory throws synchronously', async () => {
    const bounded = withTimeout(
      () => {
        throw new Error('bad input');
      },
      { timeoutMs: 100, onTimeout: timedOut },
    );
    await expect(bounded).rejects.toThrow('bad input');
    expect(vi.getTimerCount()).toBe(0);
  });
});
