import type { NewItem } from '@spool/protocol';
import { sleep } from '@spool/runtime';
import {
  AdapterError,
  type GenerateOptions,
  type GenerationRequest,
  type ModelAdapter,
} from '../src/adapters/model-adapter.ts';

/** One step of a scripted model: an item, a pause, or a failure. */
export type Step =
  | NewItem
  | { sleep: number }
  | { fail: AdapterError }
  | { hangWithoutItems: true };

/** A model adapter that plays a script: the model side of worker tests (Redis stays real). */
export function scriptedAdapter(
  script: (request: GenerationRequest, run: number) => Step[],
  options: { canContinue?: boolean } = {},
): ModelAdapter & { runs: number; aborted: number } {
  const adapter = {
    name: 'scripted',
    runs: 0,
    aborted: 0,
    canContinue: () => options.canContinue ?? false,
    async *generate(
      request: GenerationRequest,
      { signal, prefix }: GenerateOptions,
    ): AsyncIterable<NewItem> {
      const steps = script(request, adapter.runs++);
      let index = 0;
      try {
        for (const step of steps) {
          if ('sleep' in step) await sleep(step.sleep, signal);
          else if ('fail' in step) throw step.fail;
          else if ('hangWithoutItems' in step) await sleep(1e9, signal);
          else if (index++ >= prefix.length) yield step;
        }
      } catch (error) {
        if (signal.aborted) adapter.aborted++;
        throw error;
      }
    },
  };
  return adapter;
}

export function textTokens(count: number, block = 0): NewItem[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'token' as const,
    block,
    text: `w${index} `,
  }));
}

export function textAnswer(count: number): NewItem[] {
  return [
    { type: 'block_start', block: 0, kind: 'text' },
    ...textTokens(count),
    { type: 'block_end', block: 0 },
    { type: 'end', finish_reason: 'stop' },
  ];
}

export { AdapterError };
