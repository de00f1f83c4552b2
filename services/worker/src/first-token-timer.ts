/**
 * Times the first token of a fresh stream for `spool_stage_seconds`: picked up → the model's
 * first item (`model_first_token`) → that item's append acknowledged (`first_append`).
 *
 * Only a stream's very first token counts: a continued stream (a restarted job with items
 * stored) or one ended before the model said anything (a cancel, a failure) observes nothing.
 */
import type { StageHistogram } from '@spool/runtime';

export class FirstTokenTimer {
  readonly #stages: StageHistogram;
  readonly #pickedUpAt: number;
  #enabled: boolean;
  #itemSeen = false;

  /** `pickedUpAt`: `performance.now()` when the worker's processor started. */
  constructor(stages: StageHistogram, pickedUpAt: number, fresh: boolean) {
    this.#stages = stages;
    this.#pickedUpAt = pickedUpAt;
    this.#enabled = fresh;
  }

  /** The model yielded an item. */
  itemYielded(): void {
    if (!this.#enabled || this.#itemSeen) return;
    this.#itemSeen = true;
    this.#stages.observe('model_first_token', (performance.now() - this.#pickedUpAt) / 1_000);
  }

  /** An append was acknowledged; `waitedMs` since its oldest item was pushed. */
  appended(waitedMs: number): void {
    if (!this.#enabled) return;
    // Appends go in order: the first one acknowledged after the first item holds that item.
    this.#enabled = false;
    if (this.#itemSeen) this.#stages.observe('first_append', waitedMs / 1_000);
  }
}
