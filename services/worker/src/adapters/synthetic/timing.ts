/**
 * When the synthetic model's items arrive: a prefill pause that grows with the prompt, then
 * decoding at a mean rate with jitter, bursts and rare stalls. Drawn from its own random stream,
 * so timing never changes what is said.
 */
import { sleep } from '@spool/runtime';
import type { Random } from './random.ts';

export interface TimingOptions {
  /** Mean decode rate; 0 means no delays at all (not even the prefill). */
  tokensPerSecond: number;
  /** Prefill pause for an empty prompt. */
  prefillMs: number;
  /** Extra prefill pause per 1,000 prompt characters. */
  prefillMsPerKiloChar: number;
  /** Chance that a token is held up by a stall. */
  stallProbability: number;
  /** Mean length of a stall at `STALL_REFERENCE_RATE`; shorter at higher rates. */
  stallMs: number;
}

/** Chance that a token starts a burst: a server flushing several tokens at once. */
export const BURST_PROBABILITY = 0.06;
export const BURST_SIZE: readonly [number, number] = [2, 6];
/** Stalls last `stallMs` at this rate and proportionally less at higher ones. */
export const STALL_REFERENCE_RATE = 50;

export class TimingModel {
  readonly #options: TimingOptions;
  readonly #random: Random;
  #burstLeft = 0;

  constructor(options: TimingOptions, random: Random) {
    this.#options = options;
    this.#random = random;
  }

  /** The pause before the first item, ±20 %. */
  prefillMs(promptChars: number): number {
    const { tokensPerSecond, prefillMs, prefillMsPerKiloChar } = this.#options;
    const jitter = 0.8 + 0.4 * this.#random.next();
    if (tokensPerSecond <= 0) return 0;
    return (prefillMs + (prefillMsPerKiloChar * promptChars) / 1_000) * jitter;
  }

  /**
   * The gap before the next token. Gaps follow a gamma(2) law around the mean: less erratic
   * than exponential, never regular. A burst takes the gaps of all its tokens up front, then
   * gives them at once, so bursts leave the mean rate unchanged.
   */
  gapMs(): number {
    const { tokensPerSecond, stallProbability, stallMs } = this.#options;
    if (tokensPerSecond <= 0) return 0;
    if (this.#burstLeft > 0) {
      this.#burstLeft--;
      return 0;
    }
    const mean = 1_000 / tokensPerSecond;
    let tokens = 1;
    if (this.#random.chance(BURST_PROBABILITY)) tokens = this.#random.int(...BURST_SIZE);
    this.#burstLeft = tokens - 1;
    let gap = 0;
    for (let index = 0; index < tokens; index++) {
      gap += this.#random.exponential(mean / 2) + this.#random.exponential(mean / 2);
    }
    if (this.#random.chance(stallProbability)) {
      const scale = Math.min(1, STALL_REFERENCE_RATE / tokensPerSecond);
      gap += stallMs * scale * (0.5 + this.#random.next());
    }
    return gap;
  }
}

/** How far behind schedule a slow consumer may leave the pacer before it stops catching up. */
export const MAX_LAG_MS = 100;

/**
 * Waits out gaps against a schedule rather than one timer after another, so timer overshoot
 * and sub-millisecond gaps do not slow the mean rate down.
 */
export class Pacer {
  readonly #signal: AbortSignal;
  #due = performance.now();

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  async wait(ms: number): Promise<void> {
    const now = performance.now();
    this.#due = Math.max(this.#due, now - MAX_LAG_MS) + ms;
    const remaining = this.#due - now;
    if (remaining >= 1) await sleep(remaining, this.#signal);
    this.#signal.throwIfAborted();
  }
}
