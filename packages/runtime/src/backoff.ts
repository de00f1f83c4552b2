/**
 * Retry timing on the server side: exponential backoff with a cap, and optional jitter.
 *
 * Every server-side retry loop (Redis reconnects, appends, upstream calls) takes its delays from
 * here, so they are tuned and reasoned about in one place. The browser SDK keeps its own
 * (`packages/client`): it runs in browsers and always spreads its reconnects with full jitter.
 */

export interface BackoffOptions {
  /** The delay before retry 0, in ms; it doubles with every retry. */
  baseMs: number;
  /** The longest delay, in ms, whatever the retry. */
  maxMs: number;
  /**
   * The share of the delay drawn at random: 0 (the default) keeps the exact exponential delay,
   * 1 draws it uniformly between 0 and that delay. Spreads out the retries of processes that
   * failed together, so they do not come back in lockstep.
   */
  jitter?: number;
  /** Uniform in [0, 1): the source of the jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * The delay before retry `attempt` (0, 1, 2, …): `min(baseMs × 2^attempt, maxMs)`, reduced by
 * up to `jitter` of itself.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs, jitter = 0, random = Math.random } = options;
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new RangeError(`Retry attempt ${attempt} is not a non-negative integer.`);
  }
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`Jitter ${jitter} is not within [0, 1].`);
  // Beyond 2^30 any base has long reached the cap; the bound keeps 0 × 2^attempt finite.
  const delay = Math.min(baseMs * 2 ** Math.min(attempt, 30), maxMs);
  return jitter === 0 ? delay : delay - delay * jitter * random();
}
